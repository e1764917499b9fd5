import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '@sluice/platform/openapi';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { LiveLimitsResponseDto } from './dto/limits-response.dto';
import { LimitsService } from './limits.service';

@ApiTags('limits')
@ApiErrorResponses(403, 404, 429, 503)
@Controller('api/tenants')
export class TenantLimitsController {
  constructor(private readonly limits: LimitsService) {}

  @Get(':tenant/limits')
  @ApiOkResponse({ type: LiveLimitsResponseDto, description: "The tenant's limits, used and remaining in the current windows, quota, credit and concurrency" })
  get(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string) {
    return this.limits.ofTenant(principal, tenant);
  }
}

@ApiTags('limits')
@ApiErrorResponses(403, 404, 429, 503)
@Controller('api/api-keys')
export class ApiKeyLimitsController {
  constructor(private readonly limits: LimitsService) {}

  @Get(':id/limits')
  @ApiOkResponse({ type: LiveLimitsResponseDto, description: "Every limit one key's requests are admitted against: its tenant's, its team's and its own" })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.limits.ofKey(principal, id);
  }
}
