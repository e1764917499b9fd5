import { runFakeServer } from '@sluice/fake-server';
import { loadConfig } from './config';
import { startMockProvider } from './index';

void runFakeServer('mock-provider', () => startMockProvider(loadConfig(process.env)), (provider) => `Mock provider listening on ${provider.url}`);
