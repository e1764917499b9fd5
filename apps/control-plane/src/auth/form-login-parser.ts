import type { FastifyInstance } from 'fastify';
import { SluiceException } from '@sluice/platform';

/** By the route the router matched (Fastify parses bodies after routing), never the raw URL. */
const FORM_ROUTES = new Set(['/api/auth/login', '/api/auth/login/']);

/**
 * HTML forms post `application/x-www-form-urlencoded`: accepted by the
 * browser login route only; every other route stays JSON-only (415).
 */
export function acceptFormLogin(fastify: FastifyInstance): void {
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
    if (!FORM_ROUTES.has(request.routeOptions.url ?? '')) {
      done(new SluiceException('unsupported_media_type', 'Only application/json bodies are accepted here'), undefined);
      return;
    }
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}
