import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { DrainState } from './drain-state';

/**
 * Readiness while the app drains: down, so that load balancers stop sending
 * traffic. While serving it adds nothing, so readiness lists only dependencies.
 */
@Injectable()
export class DrainingHealthIndicator {
  constructor(
    private readonly state: DrainState,
    private readonly indicators: HealthIndicatorService,
  ) {}

  check(key = 'shutdown'): HealthIndicatorResult {
    return this.state.draining ? this.indicators.check(key).down({ message: 'Shutting down' }) : {};
  }
}
