import { runFakeServer } from '@sluice/fake-server';
import { loadConfig } from './config';
import { startFakeStripe } from './index';

void runFakeServer('fake-stripe', () => startFakeStripe(loadConfig(process.env)), (fake) => `Fake Stripe listening on ${fake.url}`);
