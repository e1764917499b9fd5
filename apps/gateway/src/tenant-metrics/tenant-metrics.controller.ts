import { Controller, Get, Headers, Param } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { AuthenticatesItself } from '../auth/gateway-authentication.guard';
import { MetricsReader } from './metrics-reader';
import { TenantMetricsService, type TenantMetricsResponse } from './tenant-metrics.service';

/** `GET /metrics/{tenant_id}`; `GET /metrics` (no id) stays the Prometheus scrape. */
@AuthenticatesItself()
@Controller('metrics')
export class TenantMetricsController {
  constructor(
    private readonly reader: MetricsReader,
    private readonly metrics: TenantMetricsService,
  ) {}

  @Get(':tenantId')
  async tenantMetrics(@Param('tenantId') tenantId: string, @Headers() headers: IncomingHttpHeaders): Promise<TenantMetricsResponse> {
    await this.reader.authorize(headers, tenantId);
    return this.metrics.totals(tenantId);
  }
}
