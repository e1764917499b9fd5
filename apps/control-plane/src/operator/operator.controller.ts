import { Controller, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { toPage } from '@sluice/platform';
import { ApiErrorResponses, ApiPageResponse } from '@sluice/platform/openapi';
import type { FastifyRequest } from 'fastify';
import { PlatformAdminOnly } from '../auth/authorization.guard';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { BalanceResponseDto, BalancesQueryDto, CacheStatusResponseDto, MonitorResponseDto, ProviderResponseDto, RefreshModelsResponseDto } from './dto/operator.dto';
import { OperatorService } from './operator.service';

@ApiTags('admin')
@ApiErrorResponses(400, 403, 409, 429)
@PlatformAdminOnly()
@Controller('api/admin')
export class AdminController {
  constructor(private readonly operator: OperatorService) {}

  /** Alias of `POST /api/models/refresh/`. */
  @Post('refresh-models')
  @HttpCode(200)
  @ApiOkResponse({ type: RefreshModelsResponseDto })
  refreshModels(@CurrentPrincipal() principal: Principal) {
    return this.operator.refreshModels(principal);
  }

  @Get('cache-status')
  @ApiOkResponse({ type: CacheStatusResponseDto })
  cacheStatus(@CurrentPrincipal() principal: Principal) {
    return this.operator.cacheStatus(principal);
  }

  @Get('monitor')
  @ApiOkResponse({ type: MonitorResponseDto })
  monitor(@CurrentPrincipal() principal: Principal) {
    return this.operator.monitor(principal);
  }

  @Get('balances')
  @ApiPageResponse(BalanceResponseDto)
  async balances(@CurrentPrincipal() principal: Principal, @Query() query: BalancesQueryDto, @Req() request: FastifyRequest) {
    const { count, results } = await this.operator.balances(principal, query);
    return toPage(request, query, count, results);
  }
}

@ApiTags('models')
@ApiErrorResponses(400, 403, 409, 429)
@PlatformAdminOnly()
@Controller('api/models')
export class ModelOperatorController {
  constructor(private readonly operator: OperatorService) {}

  /** Reloads the catalog file and upserts it without a restart; the projection and the gateways follow at once. */
  @Post('refresh')
  @HttpCode(200)
  @ApiOkResponse({ type: RefreshModelsResponseDto })
  refresh(@CurrentPrincipal() principal: Principal) {
    return this.operator.refreshModels(principal);
  }

  @Get('providers')
  @ApiOkResponse({ type: [ProviderResponseDto] })
  providers(@CurrentPrincipal() principal: Principal) {
    return this.operator.providers(principal);
  }
}
