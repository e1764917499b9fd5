import { Body, Controller, Get, Param, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiExtraModels, ApiOkResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { toPage } from '@sluice/platform';
import { ApiErrorResponses, pageSchema, PaginationQueryDto } from '@sluice/platform/openapi';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { PlatformAdminOnly } from '../auth/authorization.guard';
import { CreditsService } from './credits.service';
import { TopUpCreditsDto } from './dto/credits.dto';
import { CreditBalanceResponseDto, CreditEntryResponseDto, TopUpResponseDto } from './dto/credits-response.dto';

@ApiTags('credits')
@ApiErrorResponses(400, 403, 404, 429)
@Controller('api/tenants')
export class CreditsController {
  constructor(private readonly credits: CreditsService) {}

  @PlatformAdminOnly()
  @Post(':tenant/credits')
  @ApiCreatedResponse({ type: TopUpResponseDto })
  topUp(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string, @Body() dto: TopUpCreditsDto) {
    return this.credits.topUp(principal, tenant, dto);
  }

  @Get(':tenant/credits')
  @ApiExtraModels(CreditBalanceResponseDto, CreditEntryResponseDto)
  @ApiOkResponse({
    description: 'The balance, with one page of the ledger',
    schema: { allOf: [{ $ref: getSchemaPath(CreditBalanceResponseDto) }, pageSchema(CreditEntryResponseDto)] },
  })
  async get(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string, @Query() query: PaginationQueryDto, @Req() request: FastifyRequest) {
    const { count, results, ...balance } = await this.credits.get(principal, tenant, query);
    return { ...balance, ...toPage(request, query, count, results) };
  }
}
