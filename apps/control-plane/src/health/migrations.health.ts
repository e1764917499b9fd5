import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { migrationsApplied } from '@sluice/control-plane/data-access';
import { DataSource } from 'typeorm';

/** Ready only once the schema matches the code: every known migration applied. */
@Injectable()
export class MigrationsHealthIndicator {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(key = 'migrations'): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    try {
      return (await migrationsApplied(this.dataSource)) ? indicator.up() : indicator.down({ message: 'Migrations pending' });
    } catch {
      return indicator.down({ message: 'Cannot read the migrations table' });
    }
  }
}
