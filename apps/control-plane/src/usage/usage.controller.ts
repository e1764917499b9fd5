import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { UsageQueryDto } from './dto/usage.dto';
import { UsageService } from './usage.service';

@ApiTags('usage')
@Controller('api/tenants')
export class TenantUsageController {
  constructor(private readonly usage: UsageService) {}

  @Get(':tenant/usage')
  get(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string, @Query() query: UsageQueryDto) {
    return this.usage.ofTenant(principal, tenant, query);
  }
}

@ApiTags('usage')
@Controller('api/api-keys')
export class ApiKeyUsageController {
  constructor(private readonly usage: UsageService) {}

  @Get(':id/usage')
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Query() query: UsageQueryDto) {
    return this.usage.ofKey(principal, id, query);
  }
}
