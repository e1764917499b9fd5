import { Inject, Injectable } from '@nestjs/common';
import { ModelsRepository } from '@sluice/control-plane/data-access';
import { GATEWAY_SEEN_WITHIN_MS, OperatorRedisKeys, RedisKeys, type GatewayHeartbeat } from '@sluice/contracts';
import { ConfigError, REDIS, SluiceException } from '@sluice/platform';
import { pageWindow } from '@sluice/platform/openapi';
import type Redis from 'ioredis';
import { requirePlatformAdmin, type Principal } from '../auth/principal';
import { CatalogBootstrap } from '../catalog/catalog-bootstrap';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { usageStreamStatus } from '../metering/usage-stream-status';
import type { BalancesQueryDto } from './dto/operator.dto';
import { OperatorRepository } from './operator.repository';
import type { BalanceView, CacheStatusView, ErrorCountsView, GatewaySeenView, MonitorView, ProviderView, RefreshModelsView, UsageTotalsView } from './operator-views';

const MICROS_PER_USD = 1_000_000;
const TOP = 10;

/**
 * Platform admins' view of the running system (docs/operations.md, Operator
 * endpoints). Every read is cheap enough to poll: small tables, the daily
 * rollups, and a few Redis commands (the record counts SCAN the projection's
 * keys, which is proportional to keys and tenants, not to traffic).
 */
@Injectable()
export class OperatorService {
  constructor(
    private readonly repository: OperatorRepository,
    private readonly catalogFile: CatalogBootstrap,
    private readonly models: ModelsRepository,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  async refreshModels(principal: Principal): Promise<RefreshModelsView> {
    requirePlatformAdmin(principal);
    try {
      const changes = await this.catalogFile.refresh();
      const changed = changes.regions_created.length + changes.regions_updated.length + changes.models_created.length + changes.models_updated.length;
      return { ...changes, changed };
    } catch (error) {
      if (error instanceof ConfigError) throw new SluiceException('conflict', `The catalog file was not loaded, nothing changed: ${error.message}`, {});
      throw error;
    }
  }

  async cacheStatus(principal: Principal): Promise<CacheStatusView> {
    requirePlatformAdmin(principal);
    const [records, stats, outbox, stream, gateways] = await Promise.all([
      this.recordCounts(),
      this.redis.hgetall(OperatorRedisKeys.projectionStats()),
      this.repository.outboxBacklog(),
      this.usageStream(),
      this.gatewaysSeen(),
    ]);
    return {
      records,
      last_full_rebuild_at: stats['last_full_rebuild_at'] ?? null,
      outbox: { backlog: outbox.backlog, oldest_at: outbox.oldest_at?.toISOString() ?? null },
      invalidations_published: Number(stats['invalidations_published'] ?? 0),
      usage_stream: stream,
      gateways: gateways.map(({ heartbeat, at }) => ({
        id: heartbeat.id,
        version: heartbeat.version,
        projection_age_ms: heartbeat.projection_age_ms,
        projection_ready: heartbeat.projection_ready,
        invalidations_applied: heartbeat.invalidations_applied,
        cached_entries: heartbeat.cached_entries,
        last_seen_at: at,
      })) satisfies GatewaySeenView[],
    };
  }

  async monitor(principal: Principal, now = new Date()): Promise<MonitorView> {
    requirePlatformAdmin(principal);
    const today = now.toISOString().slice(0, 10);
    const monthStart = `${today.slice(0, 8)}01`;
    const day = today.replaceAll('-', '');
    const [statuses, todayTotals, monthTotals, topTenants, topModels, stream, deadLetters, liabilities, gateways, errorsToday, errorsMonth] = await Promise.all([
      this.repository.tenantsByStatus(),
      this.repository.usageSince(today),
      this.repository.usageSince(monthStart),
      this.repository.topTenantsSince(monthStart, TOP),
      this.repository.topModelsSince(monthStart, TOP),
      this.usageStream(),
      this.redis.xlen(RedisKeys.usageDeadLetters()).catch(() => 0),
      this.repository.creditLiabilitiesMicros(),
      this.gatewaysSeen(),
      this.errorCounts(OperatorRedisKeys.errorsOnDay(day)),
      this.errorCounts(OperatorRedisKeys.errorsInMonth(day.slice(0, 6))),
    ]);
    return {
      at: now.toISOString(),
      tenants_by_status: statuses,
      today: totals(todayTotals),
      month: totals(monthTotals),
      top_tenants: topTenants.map((row) => ({ tenant: row.tenant_id, slug: row.slug, ...totals(row) })),
      top_models: topModels.map((row) => ({ model: row.model, ...totals(row) })),
      usage_stream: { ...stream, dead_letters: deadLetters },
      credit_liabilities_usd: liabilities / MICROS_PER_USD,
      gateways_seen: gateways.length,
      errors_today: errorsToday,
      errors_month: errorsMonth,
    };
  }

  async balances(principal: Principal, query: BalancesQueryDto): Promise<{ count: number; results: BalanceView[] }> {
    requirePlatformAdmin(principal);
    const { offset, limit } = pageWindow(query);
    const below = query.low_balance_below_usd === undefined ? null : Math.round(query.low_balance_below_usd * MICROS_PER_USD);
    const { count, rows } = await this.repository.prepaidBalances(below, limit, offset);
    const live = await this.liveBalances(rows.map((row) => row.tenant_id));
    return {
      count,
      results: rows.map((row, index) => ({
        tenant: row.tenant_id,
        slug: row.slug,
        name: row.name,
        plan: row.plan,
        ledger_balance_usd: row.balance_micros / MICROS_PER_USD,
        live_balance_usd: live[index],
      })),
    };
  }

  async providers(principal: Principal): Promise<ProviderView[]> {
    requirePlatformAdmin(principal);
    const [models, gateways] = await Promise.all([this.models.all(), this.gatewaysSeen()]);
    const byProvider = new Map<string, ProviderView>();
    for (const model of models) {
      const view = byProvider.get(model.provider) ?? {
        provider: model.provider,
        models: [],
        deployments: 0,
        regions: [],
        pricing: { input_per_mtok_usd: { min: Infinity, max: -Infinity }, output_per_mtok_usd: { min: Infinity, max: -Infinity } },
        health: { gateways_reporting: gateways.length, open: [], half_open: [] },
      };
      view.models.push(model.id);
      view.deployments += model.deployments.length;
      for (const deployment of model.deployments) {
        if (deployment.region && !view.regions.includes(deployment.region)) view.regions.push(deployment.region);
        const states = gateways.map(({ heartbeat }) => (deployment.id ? heartbeat.circuits[deployment.id] : undefined));
        if (deployment.id && states.includes('open') && !view.health.open.includes(deployment.id)) view.health.open.push(deployment.id);
        if (deployment.id && states.includes('half_open') && !view.health.half_open.includes(deployment.id)) view.health.half_open.push(deployment.id);
      }
      widen(view.pricing.input_per_mtok_usd, model.pricing.input_per_mtok_usd);
      widen(view.pricing.output_per_mtok_usd, model.pricing.output_per_mtok_usd);
      byProvider.set(model.provider, view);
    }
    return [...byProvider.values()].sort((a, b) => a.provider.localeCompare(b.provider));
  }

  /** One hash the gateways count into (apps/gateway/src/metering/error-counts.ts); empty while Redis is away. */
  private async errorCounts(key: string): Promise<ErrorCountsView> {
    const all = await this.redis.hgetall(key).catch(() => ({}) as Record<string, string>);
    const byReason: Record<string, number> = {};
    let total = 0;
    for (const [code, value] of Object.entries(all).sort(([a], [b]) => a.localeCompare(b))) {
      byReason[code] = Number(value);
      total += Number(value);
    }
    return { by_reason: byReason, total };
  }

  /** Keys of each record kind, by SCAN over the deployment's prefix (ioredis does not prefix a MATCH). */
  private async recordCounts(): Promise<CacheStatusView['records']> {
    const prefix = this.redis.options.keyPrefix ?? '';
    const count = async (pattern: string) => {
      let total = 0;
      let cursor = '0';
      do {
        const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${prefix}${pattern}`, 'COUNT', 1000);
        total += keys.length;
        cursor = next;
      } while (cursor !== '0');
      return total;
    };
    const keyPattern = RedisKeys.apiKey('*');
    const tenantPattern = RedisKeys.tenant('*').replace('{*}', '*');
    const [apiKeys, tenants, catalog] = await Promise.all([count(keyPattern), count(tenantPattern), this.redis.exists(RedisKeys.catalog())]);
    return { api_key: apiKeys, tenant: tenants, catalog };
  }

  /** Summed over the usage stream shards (docs/scaling.md). */
  private usageStream(): Promise<CacheStatusView['usage_stream']> {
    return usageStreamStatus(this.redis, this.config.metering.streamShards);
  }

  /** Heartbeats newer than the window; older ones (a gateway that stopped without saying so) are dropped from the hash. */
  private async gatewaysSeen(): Promise<Array<{ heartbeat: GatewayHeartbeat; at: string }>> {
    const all = await this.redis.hgetall(OperatorRedisKeys.gatewayHeartbeats());
    const seen: Array<{ heartbeat: GatewayHeartbeat; at: string }> = [];
    const stale: string[] = [];
    for (const [id, raw] of Object.entries(all)) {
      try {
        const heartbeat = JSON.parse(raw) as GatewayHeartbeat;
        if (Date.now() - Date.parse(heartbeat.at) <= GATEWAY_SEEN_WITHIN_MS) seen.push({ heartbeat: { ...heartbeat, circuits: heartbeat.circuits ?? {} }, at: heartbeat.at });
        else stale.push(id);
      } catch {
        stale.push(id);
      }
    }
    if (stale.length > 0) await this.redis.hdel(OperatorRedisKeys.gatewayHeartbeats(), ...stale).catch(() => undefined);
    return seen.sort((a, b) => a.heartbeat.id.localeCompare(b.heartbeat.id));
  }

  /** Redis balance minus live reservations, per tenant; null where Redis holds no balance. */
  private async liveBalances(tenantIds: string[]): Promise<Array<number | null>> {
    if (tenantIds.length === 0) return [];
    const values = await Promise.all(
      tenantIds.map(async (id) => {
        const [balance, held] = await Promise.all([this.redis.get(RedisKeys.credits(id)), this.redis.get(RedisKeys.creditHeld(id))]);
        return balance === null ? null : (Number(balance) - Number(held ?? 0)) / MICROS_PER_USD;
      }),
    ).catch(() => tenantIds.map(() => null));
    return values;
  }
}

function totals(row: { requests: number; tokens: number; cost_micros: number }): UsageTotalsView {
  return { requests: row.requests, tokens: row.tokens, cost_usd: row.cost_micros / MICROS_PER_USD };
}

function widen(range: { min: number; max: number }, value: number): void {
  range.min = Math.min(range.min, value);
  range.max = Math.max(range.max, value);
}
