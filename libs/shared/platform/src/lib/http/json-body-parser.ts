import type { FastifyInstance, FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { SluiceException } from '../errors/sluice.exception';
import { findStringProblem, illFormedStringRefusal, MAX_JSON_DEPTH, nestsDeeperThan } from './hostile-input';

/** Fastify's own JSON parsing (its default parser is secure-json-parse with these options): `__proto__` and `constructor.prototype` keys are refused. */
const PARSE_OPTIONS = { protoAction: 'error', constructorAction: 'error' } as const;

/**
 * JSON is the only body either API accepts (a feature that needs another,
 * such as a form login or a raw webhook body, adds its parser): any other
 * content type is answered 415. Bodies are parsed by `parseStrictJson`.
 */
export function useStrictJsonParser(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    let value: unknown;
    try {
      value = parseStrictJson(body as string);
    } catch (error) {
      done(error as Error, undefined);
      return;
    }
    checked.add(request);
    done(null, value);
  });
}

/**
 * A request body's JSON, as both kinds of route parse it (Fastify's and those
 * served on node:http directly): before parsing, a body nested deeper than
 * MAX_JSON_DEPTH is refused; the parser refuses prototype poisoning as
 * Fastify's default one does, and its failures become `invalid_json`; after,
 * a string no table could store (NUL, an unpaired surrogate) is refused.
 * Throws a SluiceException.
 */
export function parseStrictJson(text: string): unknown {
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new SluiceException('validation_error', `Request body is nested deeper than ${MAX_JSON_DEPTH} levels`, { body: [`must not nest deeper than ${MAX_JSON_DEPTH} levels`] });
  }
  if (text.length === 0) throw new SluiceException('invalid_json', 'Request body is empty');
  let value: unknown;
  try {
    value = secureJson.parse(text, undefined, PARSE_OPTIONS);
  } catch (error) {
    throw new SluiceException('invalid_json', `Request body is not valid JSON: ${(error as Error).message}`);
  }
  // Raw NULs are not valid JSON and the text came from UTF-8: only a \u escape can make such a string.
  const found = text.includes('\\u') ? findStringProblem(value) : null;
  if (found) throw illFormedStringRefusal(found);
  return value;
}

/** Requests whose body this parser has checked for ill-formed strings already. */
const checked = new WeakSet<FastifyRequest>();

export function parsedByStrictJsonParser(request: FastifyRequest): boolean {
  return checked.has(request);
}
