import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';

/** Routes whose signature covers the exact bytes received: Stripe's webhooks, and partners' inbound webhooks (docs/integrations.md). */
const RAW_BODY_ROUTES = /^\/api\/(billing\/(webhooks\/stripe|events)|integrations\/webhooks\/[^/?]+)\/?(\?|$)/;

const rawBodies = new WeakMap<FastifyRequest, Buffer>();

/**
 * Keeps the exact request body of the webhook routes before JSON parsing
 * (which would lose the bytes the signature was computed on); the JSON
 * parser then reads the same bytes, within the app's body limit.
 */
export function keepWebhookRawBody(fastify: FastifyInstance, bodyLimitBytes: number): void {
  fastify.addHook('preParsing', async (request, _reply, payload) => {
    if (!RAW_BODY_ROUTES.test(request.url)) return payload;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of payload) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      size += buffer.length;
      // Past the limit the parser refuses the body (413): stop buffering it here.
      if (size > bodyLimitBytes) break;
      chunks.push(buffer);
    }
    const raw = Buffer.concat(chunks);
    rawBodies.set(request, raw);
    return Readable.from(size > bodyLimitBytes ? [raw, Buffer.alloc(1)] : [raw]);
  });
}

export function rawBodyOf(request: FastifyRequest): Buffer | undefined {
  return rawBodies.get(request);
}
