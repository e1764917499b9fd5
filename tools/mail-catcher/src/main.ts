import { runFakeServer } from '@sluice/fake-server';
import { loadConfig } from './config';
import { startMailCatcher } from './index';

void runFakeServer(
  'mail-catcher',
  () => startMailCatcher(loadConfig(process.env)),
  (catcher) => `Mail catcher: SMTP on ${catcher.smtpUrl}, messages at ${catcher.httpUrl}/messages`,
);
