import { SluiceException } from '../errors/sluice.exception';

/**
 * Limits on what a request may carry, checked before anything walks it
 * recursively (class-transformer, JSON.stringify) or stores it (PostgreSQL).
 * docs/decisions.md ("Hostile input") gives the reasons for each value.
 */

/** The deepest a JSON body may nest (the top-level value is depth 1). */
export const MAX_JSON_DEPTH = 64;

/**
 * True when `text`, taken as JSON, nests arrays or objects deeper than `max`.
 * One pass over the characters with a counter, so a body nested a million
 * levels deep costs what its length costs and never recurses. Brackets inside
 * strings do not count; malformed text is left to the parser.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === BACKSLASH) index++;
      else if (char === QUOTE) inString = false;
    } else if (char === QUOTE) {
      inString = true;
    } else if (char === OPEN_BRACKET || char === OPEN_BRACE) {
      if (++depth > max) return true;
    } else if (char === CLOSE_BRACKET || char === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** What is wrong with one string of a request, and where it is (`messages.0.content`, or a query parameter's name). */
export interface StringProblem {
  path: string;
  problem: string;
}

const NUL = '\u0000';
/** With the `u` flag a surrogate pair is one code point, so this matches only unpaired halves. */
const UNPAIRED_SURROGATE = /\p{Surrogate}/u;

/** A NUL, which PostgreSQL cannot store in text or jsonb, or half of a surrogate pair, which is no character at all. */
export function stringProblem(value: string): string | null {
  if (value.includes(NUL)) return 'must not contain NUL characters (\\u0000)';
  if (UNPAIRED_SURROGATE.test(value)) return 'must be well-formed Unicode (it contains an unpaired surrogate)';
  return null;
}

/**
 * The first string (value or object key) in `value` that `stringProblem`
 * refuses, with its dotted path; null when there is none. Iterative: an
 * explicit stack, so depth costs memory, not call frames.
 */
export function findStringProblem(value: unknown, root = ''): StringProblem | null {
  const stack: Array<[unknown, string]> = [[value, root]];
  while (stack.length > 0) {
    const [current, path] = stack.pop() as [unknown, string];
    if (typeof current === 'string') {
      const problem = stringProblem(current);
      if (problem) return { path: path || 'body', problem };
    } else if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) stack.push([current[index], join(path, String(index))]);
    } else if (typeof current === 'object' && current !== null) {
      const keys = Object.keys(current);
      for (let index = keys.length - 1; index >= 0; index--) {
        const key = keys[index] as string;
        const problem = stringProblem(key);
        if (problem) return { path: join(path, printable(key)), problem: problem.replace('must', 'must (as a field name)') };
        stack.push([(current as Record<string, unknown>)[key], join(path, key)]);
      }
    }
  }
  return null;
}

/** A refused field name as `details` can carry it. */
function printable(key: string): string {
  return key.replaceAll(NUL, '?').replace(new RegExp(UNPAIRED_SURROGATE.source, 'gu'), '?');
}

function join(path: string, part: string): string {
  return path ? `${path}.${part}` : part;
}

/** The 400 for an ill-formed string found by `findStringProblem`, naming where it is. */
export function illFormedStringRefusal(found: StringProblem): SluiceException {
  return new SluiceException('validation_error', `Invalid ${found.path}`, { [found.path]: [found.problem] }, found.path);
}
