import { hashApiKey } from '@sluice/auth';
import { RedisKeys, type ApiKeyRecordV1, type ModelRecord, type TenantRecordV1 } from '@sluice/contracts';
import { Admission, buildAdmissionRequest, costMicros } from '@sluice/gateway/redis-state';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { Pool } from 'undici';

/** What the bench hands the floor program (as JSON in `FLOOR_SETUP`): the records a gateway would read from its projection. */
export interface FloorSetup {
  redisUrl: string;
  keyPrefix: string;
  keyHash: string;
  tenant: TenantRecordV1;
  apiKey: ApiKeyRecordV1;
  model: ModelRecord;
  upstreamCredential: string;
}

interface Caller {
  tenant: TenantRecordV1;
  apiKey: ApiKeyRecordV1;
}

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };
const JSON_HEADERS = { 'content-type': 'application/json' };
const HOLD_TTL_MS = 90_000;
/** The usage chunk is the last data frame before `[DONE]`: only the stream's tail is searched. */
const TAIL_BYTES = 1024;

/**
 * What one gateway request must do, and nothing else: authenticate the key
 * (hash, in-process map), admit (the gateway's admission script, through the
 * same client class), forward with undici, relay the answer (a stream chunk
 * by chunk, as bytes), find the usage, settle (the gateway's settlement
 * script) and append the usage event to the stream. Shared by the
 * `node:http` and Fastify variants, which differ only in the server.
 */
export class FloorExchange {
  private readonly callers = new Map<string, Caller>();
  private readonly redis: Redis;
  private readonly admission: Admission;
  private readonly pool: Pool;
  private readonly usageStream = RedisKeys.usageStream();
  private readonly upstreamPath: string;
  private readonly upstreamHeaders: Record<string, string>;

  constructor(private readonly setup: FloorSetup) {
    this.callers.set(setup.keyHash, { tenant: setup.tenant, apiKey: setup.apiKey });
    this.redis = new Redis(setup.redisUrl, { keyPrefix: setup.keyPrefix, maxRetriesPerRequest: 1 });
    this.admission = new Admission(this.redis);
    const deployment = setup.model.deployments[0];
    const base = new URL(deployment.base_url);
    this.pool = new Pool(base.origin, { connections: 128, pipelining: 1, keepAliveTimeout: 30_000 });
    this.upstreamPath = `${base.pathname.replace(/\/$/, '')}/v1/chat/completions`;
    this.upstreamHeaders = { 'content-type': 'application/json', authorization: `Bearer ${setup.upstreamCredential}` };
  }

  /** `body` is the parsed JSON; the reply goes to `res`. */
  async handle(authorization: string | undefined, body: unknown, res: ServerResponse): Promise<void> {
    const caller = authorization?.startsWith('Bearer ') ? this.callers.get(hashApiKey(authorization.slice(7))) : undefined;
    if (caller === undefined) return fail(res, 401, 'invalid_api_key');
    if (!isChatRequest(body)) return fail(res, 400, 'bad_request');
    const model = this.setup.model;
    const stream = body.stream === true;
    const estimatedPromptTokens = estimatePromptTokens(body.messages);
    const request = buildAdmissionRequest({
      tenant: caller.tenant,
      apiKey: caller.apiKey,
      requestId: randomUUID(),
      estimatedPromptTokens,
      maxTokens: model.max_output_tokens,
      pricing: model.pricing,
      holdTtlMs: HOLD_TTL_MS,
    });
    const admitted = await this.admission.admit(request);
    if (!admitted.admitted) return fail(res, 429, admitted.refusal.code);

    let promptTokens = 0;
    let completionTokens = 0;
    let status = 200;
    try {
      const upstreamBody = { ...body, model: model.deployments[0].upstream_model, ...(stream ? { stream_options: { include_usage: true } } : {}) };
      const upstream = await this.pool.request({ path: this.upstreamPath, method: 'POST', headers: this.upstreamHeaders, body: JSON.stringify(upstreamBody) });
      status = upstream.statusCode;
      if (stream && status === 200) {
        res.writeHead(200, SSE_HEADERS);
        let tail = '';
        for await (const chunk of upstream.body) {
          res.write(chunk);
          tail = (tail + (chunk as Buffer).toString('latin1')).slice(-TAIL_BYTES);
        }
        res.end();
        ({ prompt_tokens: promptTokens, completion_tokens: completionTokens } = usageInTail(tail));
      } else {
        const bytes = Buffer.from(await upstream.body.arrayBuffer());
        res.writeHead(status, JSON_HEADERS);
        res.end(bytes);
        if (status === 200) ({ prompt_tokens: promptTokens, completion_tokens: completionTokens } = (JSON.parse(bytes.toString('utf8')) as { usage: Usage }).usage);
      }
    } catch {
      status = 502;
      if (!res.headersSent) fail(res, 502, 'provider_error');
      else res.destroy();
    }
    const cost = costMicros(model.pricing, promptTokens, completionTokens);
    const settled = this.admission.settle({
      ticket: admitted.ticket,
      actualTokens: promptTokens + completionTokens,
      actualCostMicros: cost,
      tokenTotals: { model: model.id, settledAt: new Date() },
    });
    const event = {
      v: 1,
      request_id: request.requestId,
      tenant_id: caller.tenant.id,
      api_key_id: caller.apiKey.id,
      model: model.id,
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      cost_micros: cost,
      http_status: status,
      finished_at: new Date().toISOString(),
    };
    await Promise.all([settled, this.redis.xadd(this.usageStream, '*', 'event', JSON.stringify(event))]);
  }

  async close(): Promise<void> {
    await this.pool.close();
    await this.redis.quit();
  }
}

interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

interface ChatRequest {
  model: string;
  stream?: boolean;
  messages: Array<{ content?: unknown }>;
}

function isChatRequest(body: unknown): body is ChatRequest {
  const candidate = body as ChatRequest | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.model === 'string' && Array.isArray(candidate.messages);
}

function estimatePromptTokens(messages: ChatRequest['messages']): number {
  let characters = 0;
  for (const message of messages) if (typeof message.content === 'string') characters += message.content.length;
  return Math.ceil(characters / 4) + 4 * messages.length;
}

/** The provider's usage from the last frames of an OpenAI stream (`"usage":{...}`), zero when absent. */
function usageInTail(tail: string): Usage {
  const at = tail.lastIndexOf('"usage":{');
  if (at < 0) return { prompt_tokens: 0, completion_tokens: 0 };
  const end = tail.indexOf('}', at);
  const usage = JSON.parse(tail.slice(at + 8, end + 1)) as Usage;
  return { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens };
}

function fail(res: ServerResponse, status: number, code: string): void {
  res.writeHead(status, JSON_HEADERS);
  res.end(`{"error":{"code":"${code}"}}`);
}

export function floorSetupFromEnv(): FloorSetup {
  const raw = process.env['FLOOR_SETUP'];
  if (raw === undefined) throw new Error('FLOOR_SETUP (JSON) is required');
  return JSON.parse(raw) as FloorSetup;
}
