import type { FastifyInstance } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import { writeLine } from './create-logger';
import { redactUrl } from './redact-email';

/** Probes would drown the log: told by the route they matched, as a raw URL can be spelt many ways (scrapes have a port of their own). */
const QUIET_ROUTES = /^\/health(\/live|\/ready)?\/?$/;

/** The access log's own pino instance (no redaction: see LoggingOptions.redact), provided by PlatformModule. */
export const ACCESS_LOGGER = Symbol('ACCESS_LOGGER');

/** What the access log reads of a request (Fastify's request, or one served on node:http directly). */
export interface LoggedRequest {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly ip: string | undefined;
}

/**
 * One JSON line per request once it is answered, streams included. Headers
 * never reach it: Authorization, x-api-key and cookies are credentials. Emails
 * and invitation tokens in the URL are redacted.
 */
export function useAccessLog(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    logRequestCompleted(logger, request, request.routeOptions.url, reply.statusCode, reply.elapsedTime);
    done();
  });
}

/** The access log line of one answered request that matched `route` (undefined: none). */
export function logRequestCompleted(logger: Logger, request: LoggedRequest, route: string | undefined, status: number, elapsedMs: number): void {
  if (QUIET_ROUTES.test(route ?? '')) return;
  const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  const req = {
    id: request.id,
    method: request.method,
    url: redactUrl(request.url),
    user_agent: request.headers['user-agent'],
    remote_address: request.ip,
  };
  const responseTimeMs = Math.round(elapsedMs * 100) / 100;
  const fields = `"req":${JSON.stringify(req)},"res":{"status_code":${JSON.stringify(status)}},"response_time_ms":${JSON.stringify(responseTimeMs)}`;
  if (!writeLine(logger, level, fields, MESSAGE)) logger[level]({ req, res: { status_code: status }, response_time_ms: responseTimeMs }, MESSAGE);
}

const MESSAGE = 'request completed';
