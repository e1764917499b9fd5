import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const CONSOLE_PATH = '/console/';

/**
 * The console's own policy, stricter than the API's: its scripts, styles,
 * images and API calls come from this origin only; nothing inline, nothing
 * from another host, no plugins, no framing, forms post only here.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the built console (`dist/apps/console`) at /console/ in this
 * process: hashed assets cached for a year, index.html never cached, and
 * index.html for every other path under /console/ that names no file (the
 * console routes in the browser). Without a build, nothing is served and
 * the caller says so. Public: the files hold no data, the API checks every call.
 */
export async function serveConsole(app: NestFastifyApplication, folder: string): Promise<boolean> {
  if (!existsSync(join(folder, 'index.html'))) return false;
  await app.register(async (scope: FastifyInstance) => {
    scope.addHook('onSend', async (_request, reply, payload) => {
      void reply.header('content-security-policy', CONSOLE_CSP);
      return payload;
    });
    await scope.register(fastifyStatic, {
      root: folder,
      prefix: CONSOLE_PATH,
      wildcard: false,
      cacheControl: false,
      index: ['index.html'],
      setHeaders: (response, path) => {
        response.setHeader('cache-control', path.includes(`${join(folder, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    scope.get(`${CONSOLE_PATH}*`, async (request, reply) => {
      // A missing asset is a 404, not the page: a browser would run HTML as a script otherwise.
      const last = request.url.split('?')[0].split('/').pop() ?? '';
      if (last.includes('.')) return reply.callNotFound();
      void reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html');
    });
  });
  return true;
}
