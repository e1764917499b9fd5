import { errorBody, type ErrorCode } from '@sluice/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { replyWithError } from '../errors/all-exceptions.filter';
import { SluiceException } from '../errors/sluice.exception';
import { findStringProblem, illFormedStringRefusal } from './hostile-input';
import { parsedByStrictJsonParser, useStrictJsonParser } from './json-body-parser';
import { REQUEST_ID_HEADER } from './request-id';

/**
 * Fastify options that answer what fails before routing in the error shape:
 * a URL whose percent-encoding does not decode (`frameworkErrors`), and what
 * Node's HTTP parser refuses before Fastify sees a request (headers or URL
 * over the size limit, a header timeout, a malformed request line).
 */
export const frameworkErrorOptions: Pick<FastifyServerOptions, 'frameworkErrors' | 'clientErrorHandler'> = {
  frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
    // Routing failed, so the onRequest hooks that set the request id did not run.
    void reply.header(REQUEST_ID_HEADER, request.id);
    const code = (error as { code?: string }).code;
    const refusal =
      code === 'FST_ERR_BAD_URL'
        ? new SluiceException('bad_request', 'The URL is not valid: a percent-encoded sequence does not decode to UTF-8')
        : error;
    replyWithError(refusal, request, reply);
  },
  clientErrorHandler: answerClientError,
};

/** Written straight to the socket (there is no request yet), as Node's own handler does. */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] = clientErrorAnswer(error.code);
  const body = JSON.stringify(errorBody(code, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `${REQUEST_ID_HEADER}: ${randomUUID()}\r\nconnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

function clientErrorAnswer(code: string | undefined): [number, ErrorCode, string] {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'headers_too_large', 'The request headers, URL included, are larger than the server accepts'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'request_timeout', 'The request was not received in time'];
    default:
      return [400, 'bad_request', 'The request is not valid HTTP'];
  }
}

/**
 * The strict JSON parser (depth, then strings) and the same string check for
 * path and query parameters, and for bodies of other parsers (the form
 * login): a NUL or an unpaired surrogate is a 400 naming where it is, before
 * a guard or handler runs.
 */
export function useInputGuards(fastify: FastifyInstance): void {
  useStrictJsonParser(fastify);
  fastify.addHook('preValidation', (request, _reply, done) => {
    const found =
      findStringProblem(request.params) ??
      findStringProblem(request.query) ??
      (parsedByStrictJsonParser(request) ? null : findStringProblem(request.body));
    if (found) done(illFormedStringRefusal(found));
    else done();
  });
}
