/**
 * The floor program with Fastify in place of `node:http` (its JSON body
 * parser and routing; the reply written to the raw response, as the gateway
 * does for streams), so the framework's share is a number. Started by
 * `npm run bench` with `FLOOR_SETUP` and `FLOOR_PORT`.
 */
import Fastify from 'fastify';
import { FloorExchange, floorSetupFromEnv } from './floor-exchange';

const exchange = new FloorExchange(floorSetupFromEnv());
const app = Fastify({ logger: false, keepAliveTimeout: 65_000 });

app.get('/health', async () => 'ok');
app.post('/v1/chat/completions', (req, reply) => {
  reply.hijack();
  exchange.handle(req.headers.authorization, req.body, reply.raw).catch(() => reply.raw.destroy());
});

void app.listen({ port: Number(process.env['FLOOR_PORT']), host: '127.0.0.1' });

process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => exchange.close())
    .then(() => process.exit(0));
});
