import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SluiceException } from '../errors/sluice.exception';
import { findStringProblem, MAX_JSON_DEPTH, nestsDeeperThan } from './hostile-input';

/**
 * JSON is the only body either API accepts (a feature that needs another,
 * such as a form login or a raw webhook body, adds its parser): any other
 * content type is answered 415. The parser is Fastify's own, with its
 * prototype-poisoning protection; its failures become `invalid_json`.
 * Before it runs, a body nested deeper than MAX_JSON_DEPTH is refused; after,
 * a string no table could store (NUL, an unpaired surrogate) is.
 */
export function useStrictJsonParser(fastify: FastifyInstance): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
      done(new SluiceException('validation_error', `Request body is nested deeper than ${MAX_JSON_DEPTH} levels`, { body: [`must not nest deeper than ${MAX_JSON_DEPTH} levels`] }), undefined);
      return;
    }
    parse(request, text, (error, value) => {
      if (error) {
        const message = error.message.includes('empty') ? 'Request body is empty' : `Request body is not valid JSON: ${error.message}`;
        done(new SluiceException('invalid_json', message), undefined);
        return;
      }
      // Raw NULs are not valid JSON and the text came from UTF-8: only a \u escape can make such a string.
      const found = text.includes('\\u') ? findStringProblem(value) : null;
      checked.add(request);
      if (found) done(new SluiceException('validation_error', `Invalid ${found.path}`, { [found.path]: [found.problem] }, found.path), undefined);
      else done(null, value);
    });
  });
}

/** Requests whose body this parser has checked for ill-formed strings already. */
const checked = new WeakSet<FastifyRequest>();

export function parsedByStrictJsonParser(request: FastifyRequest): boolean {
  return checked.has(request);
}
