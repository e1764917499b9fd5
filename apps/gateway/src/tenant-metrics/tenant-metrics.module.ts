import { Module } from '@nestjs/common';
import { ProjectionModule } from '../projection/projection.module';
import { MetricsReader } from './metrics-reader';
import { TenantMetricsController } from './tenant-metrics.controller';
import { TenantMetricsService } from './tenant-metrics.service';

/** A tenant's token totals for its own keys and platform admins, read from the counters settlement keeps. */
@Module({
  imports: [ProjectionModule],
  controllers: [TenantMetricsController],
  providers: [MetricsReader, TenantMetricsService],
})
export class TenantMetricsModule {}
