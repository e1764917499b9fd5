import { loadConfig } from './config';
import { startMailCatcher } from './index';

const SERVICE = 'mail-catcher';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const catcher = await startMailCatcher({ httpPort: config.httpPort, smtpPort: config.smtpPort, host: config.host });
  process.stdout.write(`${JSON.stringify({ level: 'info', service: SERVICE, msg: `Mail catcher: SMTP on ${catcher.smtpUrl}, messages at ${catcher.httpUrl}/messages` })}\n`);
  const stop = (): void => {
    catcher.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  const reason = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${SERVICE}: ${reason}\n`);
  process.exit(1);
});
