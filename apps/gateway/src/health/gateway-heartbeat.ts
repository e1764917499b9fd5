import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { GATEWAY_HEARTBEAT_INTERVAL_MS, OperatorRedisKeys, type GatewayHeartbeat as Heartbeat } from '@sluice/contracts';
import { ProjectionReader } from '@sluice/gateway/redis-state';
import { REDIS } from '@sluice/platform';
import type Redis from 'ioredis';
import { UpstreamRouter } from '../routing/upstream-router';

/**
 * Reports this gateway to the operator's view (`GET /api/admin/cache-status/`,
 * `GET /api/models/providers/`): its id, version, projection age and the
 * circuit-breaker state of each catalog deployment, written to one Redis hash
 * every couple of seconds by a timer, never on a request's path. A failed
 * write is skipped; the next tick tries again.
 */
@Injectable()
export class GatewayHeartbeat implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Heartbeat');
  private readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private timer: NodeJS.Timeout | undefined;
  private lastInvalidations = -1;
  private lastChangeAt = Date.now();
  private warned = false;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly reader: ProjectionReader,
    private readonly modules: ModuleRef,
  ) {}

  onApplicationBootstrap(): void {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), GATEWAY_HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    // Never wait on a Redis that is away: the entry then ages out of the operator's view instead.
    if (this.redis.status === 'ready') await this.redis.hdel(OperatorRedisKeys.gatewayHeartbeats(), this.id).catch(() => undefined);
  }

  private async beat(): Promise<void> {
    // While Redis is away, beats would only queue up in the client: skip them.
    if (this.redis.status !== 'ready') return;
    try {
      const now = Date.now();
      if (this.reader.invalidations !== this.lastInvalidations) {
        this.lastInvalidations = this.reader.invalidations;
        this.lastChangeAt = now;
      }
      const heartbeat: Heartbeat = {
        id: this.id,
        version: process.env['npm_package_version'] ?? 'dev',
        projection_age_ms: now - this.lastChangeAt,
        projection_ready: this.reader.ready,
        invalidations_applied: this.reader.invalidations,
        cached_entries: this.reader.cachedEntries,
        circuits: await this.circuits(),
        at: new Date(now).toISOString(),
      };
      await this.redis.hset(OperatorRedisKeys.gatewayHeartbeats(), this.id, JSON.stringify(heartbeat));
      this.warned = false;
    } catch (error) {
      if (!this.warned) this.logger.warn(`Heartbeat not written: ${error instanceof Error ? error.message : String(error)}`);
      this.warned = true;
    }
  }

  private async circuits(): Promise<Record<string, string>> {
    const router = this.modules.get(UpstreamRouter, { strict: false });
    const catalog = await this.reader.getCatalog();
    const circuits: Record<string, string> = {};
    for (const model of catalog?.models ?? []) {
      for (const deployment of model.deployments) circuits[deployment.id] = router.breakers.state(deployment.id);
    }
    return circuits;
  }
}
