/**
 * The floor program on `node:http`: no framework. Started by `npm run bench`
 * with `FLOOR_SETUP` (JSON, see `FloorSetup`) and `FLOOR_PORT`.
 */
import { createServer } from 'node:http';
import { FloorExchange, floorSetupFromEnv } from './floor-exchange';

const exchange = new FloorExchange(floorSetupFromEnv());

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.end('ok');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end();
      return;
    }
    exchange.handle(req.headers.authorization, body, res).catch(() => res.destroy());
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env['FLOOR_PORT']), '127.0.0.1');

process.once('SIGTERM', () => {
  server.close();
  server.closeIdleConnections();
  void exchange.close().then(() => process.exit(0));
});
