import { loadConfig } from './config';
import { startMockProvider } from './index';

const SERVICE = 'mock-provider';

async function main(): Promise<void> {
  const provider = await startMockProvider(loadConfig(process.env));
  process.stdout.write(`${JSON.stringify({ level: 'info', service: SERVICE, msg: `Mock provider listening on ${provider.url}` })}\n`);
  const stop = (): void => {
    provider.close().then(
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
