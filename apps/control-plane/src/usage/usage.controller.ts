import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '@sluice/platform/openapi';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { UsageQueryDto } from './dto/usage.dto';
import { UsageService } from './usage.service';
import { UsageReportResponseDto } from './dto/usage-response.dto';

@ApiTags('usage')
@ApiErrorResponses(400, 403, 404, 429)
@Controller('api/tenants')
export class TenantUsageController {
  constructor(private readonly usage: UsageService) {}

  @Get(':tenant/usage')
  @ApiOkResponse({ type: UsageReportResponseDto })
  get(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string, @Query() query: UsageQueryDto) {
    return this.usage.ofTenant(principal, tenant, query);
  }
}

@ApiTags('usage')
@ApiErrorResponses(400, 403, 404, 429)
@Controller('api/api-keys')
export class ApiKeyUsageController {
  constructor(private readonly usage: UsageService) {}

  @Get(':id/usage')
  @ApiOkResponse({ type: UsageReportResponseDto })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Query() query: UsageQueryDto) {
    return this.usage.ofKey(principal, id, query);
  }
}
