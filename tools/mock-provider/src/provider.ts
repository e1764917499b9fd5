import type { Completion } from './completion';
import type { Directives } from './directives';
import type { FrameList } from './sse';

/** What the server needs from a request, whichever provider's format it came in. */
export interface GenerationRequest {
  /** The model to echo: the name before any `+directives`. */
  model: string;
  modelDirectives: string | undefined;
  /** Directive text of a `[[mock: ...]]` marker in the last user message. */
  markerDirectives: string | undefined;
  stream: boolean;
  includeUsage: boolean;
  maxTokens: number | undefined;
  /** The first tool offered, if any: what `tool_call` calls. */
  toolName: string | undefined;
  promptTokens: number;
  promptHash: number;
}

/** A request the real API would reject with a 400. */
export class InvalidRequest extends Error {
  override readonly name = 'InvalidRequest';

  constructor(
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

/** One wire format: parsing its requests and writing its answers and errors. */
export interface Provider {
  invalidJsonMessage: string;
  /** Throws `InvalidRequest` or `DirectiveError`. */
  parse(body: Record<string, unknown>): GenerationRequest;
  errorBody(status: number, message: string, param?: string | null): string;
  json(request: GenerationRequest, completion: Completion): string;
  frames(request: GenerationRequest, completion: Completion, directives: Readonly<Directives>): FrameList;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An optional positive integer field; anything else is the 400 the real APIs give. */
export function optionalPositiveInteger(body: Record<string, unknown>, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value;
  throw new InvalidRequest(`Invalid '${field}': expected an integer of at least 1.`, field);
}

/** Malformed on purpose, for `invalid_json`: the JSON cut in half. */
export function truncatedJson(json: string): string {
  return json.slice(0, json.length >> 1);
}
