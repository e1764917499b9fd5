import { loadConfig } from './config';
import { startFakeStripe } from './index';

const SERVICE = 'fake-stripe';

async function main(): Promise<void> {
  const fake = await startFakeStripe(loadConfig(process.env));
  process.stdout.write(`${JSON.stringify({ level: 'info', service: SERVICE, msg: `Fake Stripe listening on ${fake.url}` })}\n`);
  const stop = (): void => {
    fake.close().then(
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
