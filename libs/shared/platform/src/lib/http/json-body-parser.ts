import type { FastifyInstance } from 'fastify';
import { SluiceException } from '../errors/sluice.exception';

/**
 * JSON is the only body either API accepts (a feature that needs another,
 * such as a form login or a raw webhook body, adds its parser): any other
 * content type is answered 415. The parser is Fastify's own, with its
 * prototype-poisoning protection; its failures become `invalid_json`.
 */
export function useStrictJsonParser(fastify: FastifyInstance): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parse(request, body as string, (error, value) => {
      if (error) {
        const message = error.message.includes('empty') ? 'Request body is empty' : `Request body is not valid JSON: ${error.message}`;
        done(new SluiceException('invalid_json', message), undefined);
      } else {
        done(null, value);
      }
    });
  });
}
