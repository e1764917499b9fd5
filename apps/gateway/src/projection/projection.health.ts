import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { ProjectionReader } from '@sluice/gateway/redis-state';

/**
 * Ready only while subscribed to invalidations: without them the cache could
 * serve a revoked key or a suspended tenant for longer than the second within
 * which a change must reach every gateway (docs/decisions.md, Gateway: readiness).
 */
@Injectable()
export class ProjectionHealthIndicator {
  constructor(
    private readonly reader: ProjectionReader,
    private readonly indicators: HealthIndicatorService,
  ) {}

  check(key = 'projection'): HealthIndicatorResult {
    const indicator = this.indicators.check(key);
    return this.reader.ready ? indicator.up() : indicator.down({ message: 'Not subscribed to projection invalidations' });
  }
}
