import { loadConfig } from './config';
import { startMockServices } from './index';

const SERVICE = 'mock-services';

async function main(): Promise<void> {
  const services = await startMockServices(loadConfig(process.env));
  process.stdout.write(`${JSON.stringify({ level: 'info', service: SERVICE, msg: `Mock services listening on ${services.url}` })}\n`);
  const stop = (): void => {
    services.close().then(
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
