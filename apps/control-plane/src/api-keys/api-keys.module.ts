import { Module } from '@nestjs/common';
import { TenancyModule } from '../tenancy/tenancy.module';
import { ApiKeyRestrictions } from './api-key-restrictions';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';

/** Tenant API keys (SPEC 3.4). */
@Module({
  imports: [TenancyModule],
  controllers: [ApiKeysController],
  providers: [ApiKeysService, ApiKeyRestrictions],
})
export class ApiKeysModule {}
