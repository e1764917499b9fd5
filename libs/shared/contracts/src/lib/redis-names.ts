/**
 * Every Redis name the two services share (docs/limits.md, Redis keys). Keys are written
 * without the deployment's prefix: ioredis adds `REDIS_KEY_PREFIX` to keys,
 * but not to pub/sub channels, so channel builders take the prefix explicitly.
 *
 * Keys that one gateway request touches carry the tenant id as a hash tag
 * (`{tenantId}`), so the admission and settlement scripts run on Redis Cluster.
 */
export const REDIS_CONTRACT_VERSION = 1;

const v = `v${REDIS_CONTRACT_VERSION}`;

export const RedisKeys = {
  /** Projection of one API key, addressed by the SHA-256 of its secret. */
  apiKey: (keyHash: string) => `proj:${v}:key:${keyHash}`,
  /** Projection of one tenant: status, plan limits, quota, billing mode. */
  tenant: (tenantId: string) => `proj:${v}:tenant:{${tenantId}}`,
  /** Projection of the model catalog. */
  catalog: () => `proj:${v}:catalog`,
  /** One rate-limit window counter of a tenant, key or team. */
  limitWindow: (tenantId: string, subject: string, window: string) => `lim:${v}:{${tenantId}}:${subject}:${window}`,
  /** In-flight requests of a tenant or one of its keys. */
  concurrency: (tenantId: string, subject: string) => `conc:${v}:{${tenantId}}:${subject}`,
  /** Remaining prepaid credit of a tenant, in USD micro-units. */
  credits: (tenantId: string) => `credit:${v}:{${tenantId}}`,
  /** A logged-out access token's id, refused until the token would have expired anyway. */
  revokedAccessToken: (jti: string) => `auth:${v}:revoked-jti:${jti}`,
  /** A revoked session (refresh family): its access tokens are refused until they would have expired. */
  revokedSession: (sessionId: string) => `auth:${v}:revoked-session:${sessionId}`,
  /** A mailed verification code (hashed) and its wrong tries, by a keyed digest of the address: HASH, expires with the code. */
  emailCode: (addressDigest: string) => `auth:${v}:email-code:${addressDigest}`,
  /** Codes mailed to one address (keyed digest) in the current hour. */
  emailCodeSendsToAddress: (addressDigest: string) => `auth:${v}:email-code-sends:address:${addressDigest}`,
  /** Codes asked for by one client address in the current hour. */
  emailCodeSendsFromIp: (ip: string) => `auth:${v}:email-code-sends:ip:${ip}`,
  /** Credit reservations of live requests: ZSET request id → deadline (epoch ms), purged when past. */
  creditHolds: (tenantId: string) => `credit-holds:${v}:{${tenantId}}`,
  /** Amount of each live credit reservation: HASH request id → USD micro-units. */
  creditHoldAmounts: (tenantId: string) => `credit-hold-amounts:${v}:{${tenantId}}`,
  /** Sum of the live credit reservations, USD micro-units: available = credits − held. */
  creditHeld: (tenantId: string) => `credit-held:${v}:{${tenantId}}`,
  /** A tenant's usage in one quota period (`metric`: `calls` or `tokens`), keyed by the period's start. */
  quotaCounter: (tenantId: string, periodStart: string, metric: 'calls' | 'tokens') =>
    `quota:${v}:{${tenantId}}:${periodStart}:${metric}`,
  /**
   * Spend of a key's or team's budget in one period (`subject` `key:<id>` or `team:<id>`, `period` `day:yyyy-mm-dd`,
   * `month:yyyy-mm` or `total`), USD micro-units: HASH `spent` (settled), `held` (live holds), request id → its hold.
   */
  budgetSpend: (tenantId: string, subject: string, period: string) => `budget:${v}:{${tenantId}}:${subject}:${period}`,
  /** Live holds on that budget: ZSET request id → deadline (epoch ms), purged when past. */
  budgetHolds: (tenantId: string, subject: string, period: string) => `budget-holds:${v}:{${tenantId}}:${subject}:${period}`,
  /** What one admitted request reserved, until it is settled (or its hold expires). */
  admission: (tenantId: string, requestId: string) => `adm:${v}:{${tenantId}}:${requestId}`,
  /**
   * Usage events, appended by the gateway, consumed by the control plane: the one stream of a deployment with
   * `USAGE_STREAM_SHARDS=1`; with more, shard `i` is `usageShardKeys(i, n).stream` (usage-shards.ts).
   */
  usageStream: () => `usage:${v}`,
  /** Every `USAGE_STREAM_SHARDS` a gateway or control plane has run with (a SET): consumers drain the shards of each (docs/operations.md). */
  usageShardCounts: () => `usage:${v}:shard-counts`,
  /** Live usage consumers of the control plane: ZSET consumer name → expiry (epoch ms), renewed with their shard leases. */
  usageConsumers: () => `usage:${v}:consumers`,
  /** Usage events that failed validation or were refused by the ledger: `XADD ... event <raw> reason <text> source_id <stream id> consumer <name>`. */
  usageDeadLetters: () => `usage-dead:${v}`,
  /**
   * Total of the top-ups (USD micro-units) already added to `credits(tenantId)`:
   * the control plane adds only the difference to the ledger's total, so a
   * retried or reordered top-up is applied once. Missing = Redis lost the balance.
   */
  creditTopUpsApplied: (tenantId: string) => `credit-topups:${v}:{${tenantId}}`,
  /** A tenant's tokens (prompt + completion) on one UTC day (`yyyymmdd`): HASH model id → tokens, written at settlement. */
  tenantDailyTokens: (tenantId: string, yyyymmdd: string) => `usage:${v}:{${tenantId}}:day:${yyyymmdd}`,
  /** A tenant's tokens (prompt + completion) in one UTC calendar month (`yyyymm`), written at settlement. */
  tenantMonthlyTokens: (tenantId: string, yyyymm: string) => `usage:${v}:{${tenantId}}:month:${yyyymm}`,
} as const;

export const RedisChannels = {
  /** Projection invalidation messages ({@link InvalidationMessage}). */
  invalidation: (prefix: string) => `${prefix}invalidate:${v}`,
} as const;

/** Consumer group of the control plane on the usage stream. */
export const USAGE_CONSUMER_GROUP = 'control-plane-metering';
