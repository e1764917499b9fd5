import { runFakeServer } from '@sluice/fake-server';
import { loadConfig } from './config';
import { startMockServices } from './index';

void runFakeServer('mock-services', () => startMockServices(loadConfig(process.env)), (services) => `Mock services listening on ${services.url}`);
