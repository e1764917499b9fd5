import type { BillingMode, TenantLimits } from '@sluice/contracts';
import { waitUntil } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { Cluster } from './cluster';

/** The plan limits that bind requests (docs/limits.md, "Plans"); what a plan leaves out is set by {@link createPlan} so that only the limit under test binds. */
export type PlanLimits = Pick<TenantLimits, 'rpm' | 'rph' | 'rpd' | 'tpm' | 'tph' | 'tpd' | 'max_concurrency' | 'api_calls_per_period' | 'ai_tokens_per_period'>;

export interface PlanFields {
  limits?: PlanLimits;
  billing_mode?: BillingMode;
  period_days?: number;
}

/** A key's own limits (docs/limits.md, "Which limits, at which level"); they may only tighten the tenant's. */
export interface KeyLimits {
  rpm?: number;
  tpm?: number;
  tph?: number;
  max_concurrency?: number;
}

export interface Tenant {
  id: string;
  slug: string;
}

export interface ApiKey {
  id: string;
  key: string;
}

/**
 * Far from anything a test reaches: a plan that sets no request rate would get
 * the gateway's default of 60/minute, and one without quotas the platform's
 * 100,000 calls and 1,000,000 tokens per period.
 */
const UNREACHED: Required<PlanLimits> = {
  rpm: 1_000_000,
  rph: null,
  rpd: null,
  tpm: null,
  tph: null,
  tpd: null,
  max_concurrency: null,
  api_calls_per_period: 1_000_000_000,
  ai_tokens_per_period: 1_000_000_000_000,
};

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A plan of the test's own (platform admin), with `limits` over {@link UNREACHED}; returns its id. */
export async function createPlan(cluster: Cluster, { limits = {}, ...fields }: PlanFields = {}): Promise<string> {
  const id = uniqueName('plan');
  const response = await cluster.call('POST', '/api/plans/', {
    token: cluster.adminToken,
    body: { id, name: `Plan ${id}`, ...fields, limits: { ...UNREACHED, ...limits } },
  });
  expectStatus(response, 201, 'plan creation');
  return id;
}

/** The tenant's own quota limits over its plan's (`PATCH /api/tenants/{slug}/` `{quota}`, platform admin). */
export interface QuotaOverrides {
  api_calls_limit?: number;
  ai_tokens_limit?: number;
}

export interface TenantOptions {
  quota?: QuotaOverrides;
  /** Runs while the tenant is still pending: activation writes its projection record, so what this changed is what the gateways get. */
  beforeActivation?: (tenant: Tenant) => Promise<void>;
}

/** An active tenant on `plan` (its `subscription_tier`). */
export async function createActiveTenant(cluster: Cluster, plan: string, { quota, beforeActivation }: TenantOptions = {}): Promise<Tenant> {
  const slug = uniqueName('tenant');
  const created = await cluster.call<Tenant>('POST', '/api/tenants/', { token: cluster.adminToken, body: { name: `Tenant ${slug}`, slug, subscription_tier: plan } });
  expectStatus(created, 201, 'tenant creation');
  const tenant = { id: created.body.id, slug };
  if (quota) expectStatus(await cluster.call('PATCH', `/api/tenants/${slug}/`, { token: cluster.adminToken, body: { quota } }), 200, 'quota override');
  await beforeActivation?.(tenant);
  expectStatus(await cluster.call('POST', `/api/tenants/${slug}/activate/`, { token: cluster.adminToken }), 200, 'tenant activation');
  return tenant;
}

/** A live inference key of `tenant`, in force on every gateway when this returns. */
export async function createKey(cluster: Cluster, tenant: Tenant, limits?: KeyLimits): Promise<ApiKey> {
  const response = await cluster.call<ApiKey>('POST', '/api/api-keys/', {
    token: cluster.adminToken,
    body: { tenant: tenant.id, name: uniqueName('key'), ...(limits ? { limits } : {}) },
  });
  expectStatus(response, 201, 'key creation');
  await waitUntilKeyServed(cluster, response.body.key);
  return response.body;
}

/**
 * Until every gateway knows the key. `GET /v1/models` authenticates without
 * admission, so waiting spends none of the limits the test is about to measure.
 */
async function waitUntilKeyServed(cluster: Cluster, secret: string): Promise<void> {
  for (const gateway of cluster.gateways) {
    await waitUntil(
      async () => (await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${secret}` } })).status === 200,
      5_000,
      `${gateway.entry.name} to accept the new key`,
    );
  }
}

/** `POST /api/tenants/{slug}/credits/` (platform admin). */
export async function topUp(cluster: Cluster, tenant: Tenant, amountUsd: number): Promise<void> {
  const response = await cluster.call('POST', `/api/tenants/${tenant.slug}/credits/`, { token: cluster.adminToken, body: { amount_usd: amountUsd, reason: 'system test top-up' } });
  expectStatus(response, 201, 'top-up');
}

export interface ChatOptions {
  model?: string;
  /** The user message; a `[[mock:...]]` marker in it steers the mock provider. */
  content?: string;
  maxTokens?: number;
  stream?: boolean;
}

/** What every test sends unless it says otherwise: a small reservation, far below any quota it does not test. */
export const DEFAULT_CHAT = { model: 'mock-fast', content: 'a b', maxTokens: 20 } as const;

/** `POST /v1/chat/completions` on one gateway; the caller reads (or cancels) the body. */
export function chat(gatewayUrl: string, secret: string, { model = DEFAULT_CHAT.model, content = DEFAULT_CHAT.content, maxTokens = DEFAULT_CHAT.maxTokens, stream = false }: ChatOptions = {}): Promise<Response> {
  return fetch(`${gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }], max_tokens: maxTokens, stream }),
  });
}

export interface Answer {
  status: number;
  headers: Headers;
  body: {
    error?: { code: string; details?: Record<string, unknown> };
    usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  };
}

/** `count` non-streaming requests at once, alternating over the gateways, each answer read in full. */
export async function burst(cluster: Cluster, secret: string, count: number, options: ChatOptions = {}): Promise<Answer[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const response = await chat(cluster.gateways[index % cluster.gateways.length].url, secret, options);
      return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
    }),
  );
}

/** Status → how many answers had it. */
export function statusCounts(answers: Array<{ status: number }>): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const { status } of answers) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/**
 * The gateway's prompt estimate for one user message (apps/gateway/src/admission/estimate-tokens.ts):
 * characters / 4 rounded up, plus 4 tokens per message.
 */
export function estimatedPromptTokens(content: string): number {
  return Math.ceil(content.length / 4) + 4;
}

/** docs/limits.md: a request reserves its prompt estimate plus `max_tokens`, in every token window and the token quota. */
export function reservedTokens(content: string, maxTokens: number): number {
  return estimatedPromptTokens(content) + maxTokens;
}

export interface Pricing {
  input_per_mtok_usd: number;
  output_per_mtok_usd: number;
}

/**
 * docs/limits.md "Which limits": a price per million tokens is micro-USD per
 * token, so a request costs `prompt × input + completion × output` micro-USD,
 * rounded up; admission reserves it with `max_tokens` as the completion.
 */
export function costMicros(pricing: Pricing, promptTokens: number, completionTokens: number): number {
  const exact = promptTokens * Number(pricing.input_per_mtok_usd) + completionTokens * Number(pricing.output_per_mtok_usd);
  return Math.ceil(Math.round(exact * 1e6) / 1e6);
}

/**
 * Request and token windows are fixed, aligned to the epoch (docs/limits.md).
 * A burst meant to land in one window must not straddle a boundary, or the
 * next window would admit a second allowance: if less than `marginMs` is left
 * of the current window, wait for the next one to begin.
 */
export async function awaitRoomInWindow(windowSeconds: number, marginMs = 10_000): Promise<void> {
  const windowMs = windowSeconds * 1000;
  const left = windowMs - (Date.now() % windowMs);
  if (left < marginMs) await sleep(left + 100);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One query on the cluster's database, for what only the database can show (the ledger itself). */
export async function sql<Row extends object>(cluster: Cluster, text: string, params: unknown[] = []): Promise<Row[]> {
  const client = new Client({ connectionString: cluster.databaseUrl });
  await client.connect();
  try {
    return (await client.query<Row>(text, params)).rows;
  } finally {
    await client.end();
  }
}

function expectStatus(response: { status: number; body: unknown }, status: number, what: string): void {
  if (response.status !== status) throw new Error(`${what} failed: ${response.status} ${JSON.stringify(response.body)}`);
}
