import { textOfPart } from './prompt';

/** Per-request fault injection and controls; see the README for the syntax. */
export interface Directives {
  status?: number;
  headersDelayMs?: number;
  chunkDelayMs?: number;
  dropAfter?: number;
  invalidJson?: boolean;
  streamError?: boolean;
  tokens?: number;
  toolCall?: boolean;
}

export const NO_DIRECTIVES: Readonly<Directives> = Object.freeze({});

export const MAX_TOKENS = 4096;
const MAX_DELAY_MS = 60_000;
const MARKER_OPEN = '[[mock:';
const MARKER_CLOSE = ']]';
const SEPARATORS = /[;+,]/;
const INTEGER = /^\d{1,9}$/;
const KNOWN_KEYS = 'status, headers_delay_ms, chunk_delay_ms, drop_after, invalid_json, stream_error, tokens, tool_call';

const SOURCE_MODEL = 'the model name';
const SOURCE_HEADER = 'the x-mock header';
const SOURCE_MARKER = 'the [[mock: ...]] marker';

export class DirectiveError extends Error {
  override readonly name = 'DirectiveError';

  constructor(
    readonly key: string,
    source: string,
    problem: string,
  ) {
    super(`Invalid mock directive "${key}" in ${source}: ${problem}`);
  }
}

/**
 * Merges the directives of the three sources, later winning: model suffix,
 * `x-mock` header, message marker. Callers pass only the sources present, so a
 * request without any costs nothing.
 */
export function resolveDirectives(
  modelSpec: string | undefined,
  header: string | undefined,
  marker: string | undefined,
): Readonly<Directives> {
  if (modelSpec === undefined && header === undefined && marker === undefined) return NO_DIRECTIVES;
  const directives: Directives = {};
  if (modelSpec !== undefined) applyDirectives(modelSpec, SOURCE_MODEL, directives);
  if (header !== undefined) applyDirectives(header, SOURCE_HEADER, directives);
  if (marker !== undefined) applyDirectives(marker, SOURCE_MARKER, directives);
  return directives;
}

/** Splits a model name at its first `+` into the model to echo and its directives. */
export function splitModel(model: string): { model: string; spec: string | undefined } {
  const plus = model.indexOf('+');
  return plus < 0 ? { model, spec: undefined } : { model: model.slice(0, plus), spec: model.slice(plus + 1) };
}

/** The directive text of the first `[[mock: ...]]` marker in message content (a string or text parts). */
export function findMarker(content: unknown): string | undefined {
  if (typeof content === 'string') return markerIn(content);
  if (!Array.isArray(content)) return undefined;
  for (const part of content) {
    const text = textOfPart(part);
    const marker = text === undefined ? undefined : markerIn(text);
    if (marker !== undefined) return marker;
  }
  return undefined;
}

function markerIn(text: string): string | undefined {
  const start = text.indexOf(MARKER_OPEN);
  if (start < 0) return undefined;
  const end = text.indexOf(MARKER_CLOSE, start + MARKER_OPEN.length);
  if (end < 0) throw new DirectiveError(MARKER_OPEN, SOURCE_MARKER, 'the marker has no closing "]]"');
  return text.slice(start + MARKER_OPEN.length, end);
}

function applyDirectives(spec: string, source: string, into: Directives): void {
  for (const rawPart of spec.split(SEPARATORS)) {
    const part = rawPart.trim();
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq).trim();
    const value = eq < 0 ? undefined : part.slice(eq + 1).trim();
    switch (key) {
      case 'status':
        into.status = integer(key, value, source, 400, 599);
        break;
      case 'headers_delay_ms':
        into.headersDelayMs = integer(key, value, source, 0, MAX_DELAY_MS);
        break;
      case 'chunk_delay_ms':
        into.chunkDelayMs = integer(key, value, source, 0, MAX_DELAY_MS);
        break;
      case 'drop_after':
        into.dropAfter = integer(key, value, source, 0, MAX_TOKENS);
        break;
      case 'tokens':
        into.tokens = integer(key, value, source, 1, MAX_TOKENS);
        break;
      case 'invalid_json':
        into.invalidJson = flag(key, value, source);
        break;
      case 'stream_error':
        into.streamError = flag(key, value, source);
        break;
      case 'tool_call':
        into.toolCall = flag(key, value, source);
        break;
      default:
        throw new DirectiveError(key, source, `unknown key (known keys: ${KNOWN_KEYS})`);
    }
  }
}

function integer(key: string, value: string | undefined, source: string, min: number, max: number): number {
  const number = value !== undefined && INTEGER.test(value) ? Number(value) : NaN;
  if (!(number >= min && number <= max)) {
    throw new DirectiveError(key, source, `expected an integer from ${min} to ${max}, got ${value === undefined ? 'no value' : `"${value}"`}`);
  }
  return number;
}

function flag(key: string, value: string | undefined, source: string): boolean {
  if (value === undefined || value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new DirectiveError(key, source, `expected no value, true/1 or false/0, got "${value}"`);
}
