import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from '@sluice/control-plane/data-access';
import type { ControlPlaneConfig } from '../config/control-plane.config';

@Module({})
export class DatabaseModule {
  static forRoot(config: ControlPlaneConfig): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.databaseUrl, config.databasePoolSize),
          // Start-up has already checked the database (see main.ts): fail fast, don't spin.
          retryAttempts: 0,
        }),
      ],
    };
  }
}
