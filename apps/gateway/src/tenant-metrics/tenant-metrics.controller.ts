import { Controller, Get, Param, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
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
  async tenantMetrics(@Param('tenantId') tenantId: string, @Req() req: FastifyRequest): Promise<TenantMetricsResponse> {
    await this.reader.authorize(req.headers, tenantId, req.ip);
    return this.metrics.totals(tenantId);
  }
}
