import { Logger } from '@nestjs/common';
import { startOrExit } from '@sluice/platform';
import { createGatewayApp } from './app';
import { loadGatewayConfig } from './config/gateway.config';

void startOrExit('gateway', async () => {
  const config = loadGatewayConfig(process.env);
  const app = await createGatewayApp(config);
  await app.listen(config.port, config.host);
  new Logger('Bootstrap').log(`AI gateway listening on ${await app.getUrl()}`);
});
