/** What one chat request sends, and how the client behaves while reading the answer. */
export interface ChatRequest {
  /** A label for reports: `plain`, `stream`, `fallback`... */
  kind: string;
  model: string;
  /** The user message; a `[[mock: ...]]` marker in it steers the mock provider. */
  content: string;
  stream: boolean;
  maxTokens?: number;
  /** Streams only: the client disconnects once the first generated text has arrived. */
  abortAfterFirstText?: boolean;
}

/** What the client saw of one request. */
export interface Outcome {
  kind: string;
  /** Index of the gateway in the cluster. */
  gateway: number;
  /** The HTTP status, or null when no answer came. */
  status: number | null;
  /** `x-request-id`: the gateway's own id for the request when the client sent none, which is the ledger's. */
  requestId: string | null;
  /** The error code of an error answer. */
  code: string | null;
  /** Why no answer came: `ECONNREFUSED`, `ECONNRESET`, `UND_ERR_SOCKET`..., or `timeout` for a hang. */
  failure: string | null;
  /** A 200 event stream began: the gateway admitted the request and started answering it. */
  streamStarted: boolean;
  /** The client cut the stream on purpose (`abortAfterFirstText`). */
  aborted: boolean;
  retryAfter: string | null;
  /** `X-RateLimit-Reset`: the end of the tightest request window, in epoch seconds. */
  rateLimitReset: number | null;
  /** Epoch ms when the request was sent and when its outcome was known. */
  sentAt: number;
  endedAt: number;
}

/** Errors the gateway answers after admission: it settled and metered those requests (apps/gateway inference pipeline). */
const METERED_ERROR_CODES = new Set(['provider_error', 'provider_unavailable', 'provider_not_configured', 'provider_timeout']);

/**
 * Whether the gateway admitted the request and the client saw it through
 * (answered in full, or a stream it chose to cut): it must then be in the
 * ledger exactly once. An answer cut by a dying gateway is not one of these.
 */
export function wasAdmitted(outcome: Outcome): boolean {
  if (outcome.status === null || outcome.failure !== null) return false;
  if (outcome.status >= 200 && outcome.status < 300) return true;
  return outcome.code !== null && METERED_ERROR_CODES.has(outcome.code);
}

/** Longer than any request of these tests may take: a request still unanswered by then counts as a hang. */
export const HANG_DEADLINE_MS = 30_000;

const GENERATED_TEXT = /"content":"[^"]/;

/** Sends one chat request to `gatewayUrl` and reads its answer as the client would; never throws. */
export async function sendChat(gatewayUrl: string, gateway: number, secret: string, request: ChatRequest): Promise<Outcome> {
  const outcome: Outcome = {
    kind: request.kind,
    gateway,
    status: null,
    requestId: null,
    code: null,
    failure: null,
    streamStarted: false,
    aborted: false,
    retryAfter: null,
    rateLimitReset: null,
    sentAt: Date.now(),
    endedAt: 0,
  };
  const controller = new AbortController();
  const hang = setTimeout(() => controller.abort(new Error('timeout')), HANG_DEADLINE_MS);
  try {
    const response = await fetch(`${gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: request.model,
        messages: [{ role: 'user', content: request.content }],
        max_tokens: request.maxTokens ?? 64,
        stream: request.stream,
      }),
      signal: controller.signal,
    });
    outcome.status = response.status;
    outcome.requestId = response.headers.get('x-request-id');
    outcome.retryAfter = response.headers.get('retry-after');
    const reset = response.headers.get('x-ratelimit-reset');
    outcome.rateLimitReset = reset === null ? null : Number(reset);
    if (request.stream && response.status === 200) {
      outcome.streamStarted = true;
      if (request.abortAfterFirstText) {
        await readUntilGeneratedText(response);
        outcome.aborted = true;
        controller.abort(new Error('client abort'));
      } else {
        await response.text();
      }
    } else {
      outcome.code = errorCode(await response.text());
    }
  } catch (error) {
    if (!outcome.aborted) outcome.failure = controller.signal.aborted ? 'timeout' : failureCode(error);
  } finally {
    clearTimeout(hang);
    outcome.endedAt = Date.now();
  }
  return outcome;
}

/**
 * Runs `next()`'s requests on `concurrency` workers until it returns null;
 * resolves to every outcome once all have ended.
 */
export async function drive(concurrency: number, next: () => (() => Promise<Outcome>) | null): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const worker = async (): Promise<void> => {
    for (let job = next(); job; job = next()) outcomes.push(await job());
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

/** Counts of `key(item)` over `items`, for readable failure messages. */
export function tally<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

export function describeOutcome(outcome: Outcome): string {
  return `${outcome.kind}@gateway-${outcome.gateway + 1}:${outcome.status ?? outcome.failure}${outcome.code ? `/${outcome.code}` : ''}`;
}

async function readUntilGeneratedText(response: Response): Promise<void> {
  const reader = response.body?.getReader();
  if (!reader) return;
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    text += decoder.decode(value, { stream: true });
    if (GENERATED_TEXT.test(text)) return;
  }
}

function errorCode(text: string): string | null {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown } };
    return typeof body.error?.code === 'string' ? body.error.code : null;
  } catch {
    return null;
  }
}

/** fetch wraps socket errors in a TypeError whose `cause` has the code. */
function failureCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  return error instanceof Error ? error.message : String(error);
}
