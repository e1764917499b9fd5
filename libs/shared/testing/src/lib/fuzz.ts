import fc from 'fast-check';
import { request as httpRequest, Agent } from 'node:http';

/**
 * Route fuzzing for both apps' e2e suites: hostile values, the requests that
 * carry them, and a runner whose property is the HTTP contract's: never a
 * 5xx, every 4xx in the error shape, and a refused request changes nothing.
 * Deterministic: one seed (FUZZ_SEED, printed by every failure) and a fixed
 * number of runs per route (FUZZ_RUNS).
 */
export const FUZZ_SEED = Number(process.env['FUZZ_SEED'] ?? 20261206);
export const FUZZ_RUNS = Number(process.env['FUZZ_RUNS'] ?? 0) || undefined;

/** The test's timeout: `ciMs` for the default runs; a longer exploration (FUZZ_RUNS) gets an hour. */
export function fuzzTimeoutMs(ciMs: number): number {
  return FUZZ_RUNS === undefined ? ciMs : 60 * 60_000;
}

/** A hostile value as raw text (JSON, or an already percent-encoded URL part) and the short label a counterexample shows. */
export class Hostile {
  constructor(
    readonly label: string,
    readonly raw: string,
  ) {}

  [fc.toStringMethod](): string {
    return this.label;
  }
}

/** Past any documented depth limit and past where a recursive walk (class-transformer, JSON.stringify) overflows. */
const DEEP = 5_000;

const json = (label: string, raw = label) => new Hostile(label, raw);

/** Hostile JSON values by kind; each kind is drawn equally often, whatever its size. */
export const HOSTILE_JSON = {
  wrongType: [json('0'), json('-1'), json('true'), json('null'), json('[]'), json('{}'), json('[1,"a",null]'), json('{"a":{"b":[]}}')],
  huge: [json('a 100,000-character string', JSON.stringify('a'.repeat(100_000))), json('a 300-character string', JSON.stringify('x'.repeat(300)))],
  deep: [
    json(`arrays nested ${DEEP} deep`, '['.repeat(DEEP) + ']'.repeat(DEEP)),
    json(`objects nested ${DEEP} deep`, '{"a":'.repeat(DEEP) + '1' + '}'.repeat(DEEP)),
    json('objects nested 100 deep', '{"a":'.repeat(100) + '1' + '}'.repeat(100)),
  ],
  illFormed: [
    json('"a\\u0000b" (NUL)', '"a\\u0000b"'),
    json('"\\u0000" (NUL)', '"\\u0000"'),
    json('"\\ud800" (unpaired surrogate)', '"\\ud800"'),
    json('"x\\udfffy" (unpaired surrogate)', '"x\\udfffy"'),
    json('["\\u0000"] (NUL in a list)', '["\\u0000"]'),
    json('{"k":"\\u0000"} (NUL in an object)', '{"k":"\\u0000"}'),
    json('{"\\u0000":1} (NUL in a key)', '{"\\u0000":1}'),
  ],
  numbers: [json('1e21'), json('-1e21'), json('1e308'), json('2147483648'), json('9007199254740993'), json('0.5'), json('-0'), json('1e-7')],
  strings: [
    json('""'),
    json('"   "'),
    json('"1e21"'),
    json('"-1"'),
    json(`"' OR 1=1 --"`),
    json('"../../etc/passwd"'),
    json('"2026-13-45T99:99:99Z"'),
    json('"00000000-0000-0000-0000-000000000000"'),
  ],
};

/** Hostile JSON values: every kind above, and arbitrary strings (any code point, lone surrogates included). */
export function hostileJson(): fc.Arbitrary<Hostile> {
  return fc.oneof(
    ...Object.values(HOSTILE_JSON).map((values) => fc.constantFrom(...values)),
    fc.string({ unit: 'binary', maxLength: 24 }).map((text) => new Hostile(JSON.stringify(text), JSON.stringify(text))),
  );
}

const urlPart = (raw: string) => new Hostile(JSON.stringify(raw), raw);

/** Hostile path segments and query values by kind, percent-encoded as they go on the wire. */
export const HOSTILE_URL_PARTS = {
  badEncoding: [urlPart('%zz'), urlPart('%'), urlPart('%ED%A0%80'), urlPart('%C0%AF')],
  illFormed: [urlPart('%00'), urlPart('a%00b')],
  /** Shaped like an id, yet not one: a loose pattern test lets them reach PostgreSQL's uuid type. */
  almostIds: [urlPart('-'.repeat(36)), urlPart('zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz')],
  numbers: [urlPart('1e21'), urlPart('1e400'), urlPart('-1'), urlPart('0'), urlPart('1.5'), urlPart('NaN'), urlPart('9007199254740993')],
  odd: [
    urlPart(''),
    urlPart('null'),
    urlPart('true'),
    urlPart('%5B%5D'),
    urlPart('%F0%9F%98%80'),
    urlPart('00000000-0000-0000-0000-000000000000'),
    urlPart('%2E%2E%2F%2E%2E'),
    urlPart(`'%20OR%201=1%20--`),
    urlPart('2026-13-45T99:99:99Z'),
  ],
};

/** Hostile path segments and query values: every kind above, one `longest` characters long, and arbitrary text. */
export function hostileUrlPart(longest: number): fc.Arbitrary<Hostile> {
  return fc.oneof(
    ...Object.values(HOSTILE_URL_PARTS).map((values) => fc.constantFrom(...values)),
    fc.constant(new Hostile(`${longest} x`, 'x'.repeat(longest))),
    fc.string({ unit: 'grapheme', maxLength: 16 }).map((text) => new Hostile(JSON.stringify(text), encodeURIComponent(text))),
  );
}

/** What one fuzzed request is: all of it printed when it fails. */
export interface FuzzRequest {
  method: string;
  /** Path and query, percent-encoded. */
  url: string;
  token: string | null;
  /** Raw JSON text. */
  body?: string;
  /** What was made hostile, for the report. */
  mutation: string;
}

export interface FuzzResponse {
  status: number;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** Sends exactly these bytes (fetch would normalise the URL); the scheme of `authorization` is `scheme`. */
export function sendFuzzRequest(baseUrl: string, request: FuzzRequest, scheme = 'Bearer'): Promise<FuzzResponse> {
  const { hostname, port } = new URL(baseUrl);
  const headers: Record<string, string> = {};
  if (request.token) headers['authorization'] = `${scheme} ${request.token}`;
  if (request.body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(request.body));
  }
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ agent, hostname, port, method: request.method, path: request.url, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

/** Why a response breaks the error contract, or null when it keeps it. */
export function contractProblem({ status, text }: FuzzResponse): string | null {
  if (status >= 500) return `answered ${status}: ${text.slice(0, 300)}`;
  if (status < 400) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `answered ${status} with a body that is not JSON: ${text.slice(0, 300)}`;
  }
  const error = (parsed as { error?: Record<string, unknown> }).error;
  const inShape =
    typeof error === 'object' &&
    error !== null &&
    typeof error['code'] === 'string' &&
    typeof error['message'] === 'string' &&
    typeof error['type'] === 'string' &&
    (error['param'] === null || typeof error['param'] === 'string') &&
    typeof error['details'] === 'object' &&
    error['details'] !== null;
  return inShape ? null : `answered ${status} outside the error shape: ${text.slice(0, 300)}`;
}

export interface FuzzTarget<Input> {
  /** Names the route in the report. */
  name: string;
  inputs: fc.Arbitrary<Input>;
  /** Inputs always tried first (a sweep of each field with the likeliest breakers), then `numRuns` generated ones. */
  examples?: Input[];
  toRequest: (input: Input) => FuzzRequest;
  send: (request: FuzzRequest) => Promise<FuzzResponse>;
  /** The state a refused request must leave as it was (row counts, say), one entry per table or key. */
  snapshot: () => Promise<string[]>;
  /** Awaited after an accepted request, so its asynchronous effects land before the next snapshot. */
  settled?: (request: FuzzRequest, response: FuzzResponse) => Promise<void>;
}

/**
 * Runs the contract property against one route; returns the failure report
 * (seed, replay path, the counterexample's request and what broke) or null.
 */
export async function fuzzRoute<Input>(target: FuzzTarget<Input>, numRuns: number): Promise<string | null> {
  let last = '';
  const property = fc.asyncProperty(target.inputs, async (input) => {
    const request = target.toRequest(input);
    const before = await target.snapshot();
    const response = await target.send(request);
    last = `${request.method} ${request.url.slice(0, 200)} (${request.mutation}${request.token ? '' : ', anonymous'})`;
    const problem = contractProblem(response);
    if (problem) throw new Error(`${last} ${problem}`);
    if (response.status >= 400) {
      const after = await target.snapshot();
      const gone = before.filter((entry) => !after.includes(entry));
      const added = after.filter((entry) => !before.includes(entry));
      // Only what appeared or changed counts: an entry may vanish on its own (a rate window's key expiring).
      if (added.length > 0) {
        throw new Error(`${last} was refused with ${response.status} but changed state: before ${gone.join(', ')}; after ${added.join(', ')}`);
      }
    } else {
      await target.settled?.(request, response);
    }
  });
  const details = await fc.check(property, {
    seed: FUZZ_SEED,
    numRuns: (FUZZ_RUNS ?? numRuns) + (target.examples?.length ?? 0),
    examples: (target.examples ?? []).map((example): [Input] => [example]),
    endOnFailure: true,
  });
  if (!details.failed) return null;
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance ?? last);
  return `${target.name}: seed ${details.seed}, path "${details.counterexamplePath ?? ''}" (replay: FUZZ_SEED=${details.seed}); ${cause}`;
}

/** One way a request is made hostile: a single change to a request the route would otherwise accept. */
export type Mutation =
  | { kind: 'field'; path: string[]; value: Hostile }
  | { kind: 'missing'; field: string }
  | { kind: 'unknown field'; value: Hostile }
  | { kind: 'whole body'; value: Hostile }
  | { kind: 'query'; name: string; value: Hostile; duplicate: boolean }
  | { kind: 'path'; name: string; value: Hostile };

/** What a route takes, as the fuzzer needs it (from an OpenAPI operation, or a hand-kept list). */
export interface FuzzedOperation {
  method: string;
  /** `/api/tenants/{tenant}`. */
  path: string;
  pathParams: string[];
  queryParams: string[];
  /** A body the route would accept, fresh for each request (unique names and emails); undefined: the route takes none. */
  body?: () => Record<string, unknown>;
  /** Body fields hostile values go into, as paths (`['messages', '0', 'content']`). */
  fields: string[][];
  required: string[];
}

/** Mutations of every kind that applies to `operation`; body fields are hit most often. */
export function mutationsOf(operation: FuzzedOperation): fc.Arbitrary<Mutation> {
  const choices: Array<fc.Arbitrary<Mutation>> = [];
  if (operation.body) {
    if (operation.fields.length > 0) {
      const field = fc.record({ kind: fc.constant('field' as const), path: fc.constantFrom(...operation.fields), value: hostileJson() });
      choices.push(field, field, field);
    }
    if (operation.required.length > 0) choices.push(fc.record({ kind: fc.constant('missing' as const), field: fc.constantFrom(...operation.required) }));
    choices.push(fc.record({ kind: fc.constant('unknown field' as const), value: hostileJson() }));
    choices.push(fc.record({ kind: fc.constant('whole body' as const), value: hostileJson() }));
  }
  const query = fc.record({
    kind: fc.constant('query' as const),
    name: fc.constantFrom(...operation.queryParams, 'unknown_param'),
    value: hostileUrlPart(5_000),
    duplicate: fc.boolean(),
  });
  choices.push(query);
  if (operation.queryParams.length > 0) choices.push(query, query);
  if (operation.pathParams.length > 0) {
    const path = fc.record({ kind: fc.constant('path' as const), name: fc.constantFrom(...operation.pathParams), value: hostileUrlPart(300) });
    choices.push(path, path);
  }
  return fc.oneof(...choices);
}

/**
 * Tried on every operation before the generated inputs, so each field and
 * parameter meets the likeliest breakers at least once: the body nested past
 * any limit, and in each top-level field a NUL, null, an absurd number and
 * an overlong string; each query parameter at 1e21 and with a NUL (twice); each
 * path parameter with a NUL and a broken percent-encoding. Nested fields are
 * left to the generated inputs.
 */
export function sweepOf(operation: FuzzedOperation): Mutation[] {
  const pick = (values: Hostile[], index: number) => values[index] as Hostile;
  const sweep: Mutation[] = [];
  if (operation.body) {
    sweep.push({ kind: 'whole body', value: pick(HOSTILE_JSON.deep, 1) });
    for (const path of operation.fields.filter((field) => field.length === 1)) {
      sweep.push({ kind: 'field', path, value: pick(HOSTILE_JSON.illFormed, 0) });
      sweep.push({ kind: 'field', path, value: pick(HOSTILE_JSON.wrongType, 3) });
      sweep.push({ kind: 'field', path, value: pick(HOSTILE_JSON.numbers, 0) });
      sweep.push({ kind: 'field', path, value: pick(HOSTILE_JSON.huge, 1) });
    }
    sweep.push({ kind: 'unknown field', value: pick(HOSTILE_JSON.illFormed, 2) });
    for (const field of operation.required) sweep.push({ kind: 'missing', field });
  }
  for (const name of operation.queryParams) {
    sweep.push({ kind: 'query', name, value: pick(HOSTILE_URL_PARTS.numbers, 0), duplicate: false });
    sweep.push({ kind: 'query', name, value: pick(HOSTILE_URL_PARTS.illFormed, 1), duplicate: true });
  }
  for (const name of operation.pathParams) {
    sweep.push({ kind: 'path', name, value: pick(HOSTILE_URL_PARTS.illFormed, 0) });
    sweep.push({ kind: 'path', name, value: pick(HOSTILE_URL_PARTS.badEncoding, 0) });
    sweep.push({ kind: 'path', name, value: pick(HOSTILE_URL_PARTS.almostIds, 0) });
  }
  return sweep;
}

/** The request `mutation` makes of `operation`; `pathValue` names an existing resource for each path parameter left intact. */
export function mutatedRequest(
  operation: FuzzedOperation,
  mutation: Mutation,
  { token, pathValue, trailingSlash = false }: { token: string | null; pathValue: (name: string) => string; trailingSlash?: boolean },
): FuzzRequest {
  let url = operation.path.replace(/\{(\w+)\}/g, (_match, name: string) =>
    mutation.kind === 'path' && mutation.name === name ? mutation.value.raw : encodeURIComponent(pathValue(name)),
  );
  if (trailingSlash) url += '/';
  const base = operation.body?.();
  let body = base === undefined ? undefined : JSON.stringify(base);
  let described: string;
  switch (mutation.kind) {
    case 'field':
      body = jsonWith(base ?? {}, mutation.path, mutation.value);
      described = `body field ${mutation.path.join('.')} = ${mutation.value.label}`;
      break;
    case 'missing':
      body = jsonWithout(base ?? {}, mutation.field);
      described = `body without ${mutation.field}`;
      break;
    case 'unknown field':
      body = jsonWith(base ?? {}, ['fuzz_unknown'], mutation.value);
      described = `unknown body field = ${mutation.value.label}`;
      break;
    case 'whole body':
      body = mutation.value.raw;
      described = `body = ${mutation.value.label}`;
      break;
    case 'query':
      url += `?${mutation.name}=${mutation.value.raw}${mutation.duplicate ? `&${mutation.name}=2` : ''}`;
      described = `query ${mutation.name} = ${mutation.value.label}${mutation.duplicate ? ' (twice)' : ''}`;
      break;
    case 'path':
      described = `path {${mutation.name}} = ${mutation.value.label}`;
      break;
  }
  return { method: operation.method, url, token, body, mutation: described };
}

/** Sets `path` (numeric parts index lists) in a copy of `body` to a marker, and swaps the raw hostile text in. */
function jsonWith(body: Record<string, unknown>, path: string[], value: Hostile): string {
  const marker = '\u0001fuzz\u0001';
  const copy = structuredClone(body);
  let node: Record<string, unknown> = copy;
  path.slice(0, -1).forEach((part, index) => {
    const next = node[part];
    if (typeof next !== 'object' || next === null) node[part] = /^\d+$/.test(path[index + 1] ?? '') ? [] : {};
    node = node[part] as Record<string, unknown>;
  });
  node[path[path.length - 1] ?? ''] = marker;
  return JSON.stringify(copy).replace(JSON.stringify(marker), () => value.raw);
}

function jsonWithout(body: Record<string, unknown>, field: string): string {
  const { [field]: _dropped, ...rest } = body;
  return JSON.stringify(rest);
}
