import { Body, Controller, Get, Param, Post, Query, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { PaginationQueryDto, toPage } from '@sluice/platform';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { PlatformAdminOnly } from '../auth/authorization.guard';
import { CreditsService } from './credits.service';
import { TopUpCreditsDto } from './dto/credits.dto';

@ApiTags('credits')
@Controller('api/tenants')
export class CreditsController {
  constructor(private readonly credits: CreditsService) {}

  @PlatformAdminOnly()
  @Post(':tenant/credits')
  topUp(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string, @Body() dto: TopUpCreditsDto) {
    return this.credits.topUp(principal, tenant, dto);
  }

  @Get(':tenant/credits')
  async get(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string, @Query() query: PaginationQueryDto, @Req() request: FastifyRequest) {
    const { count, results, ...balance } = await this.credits.get(principal, tenant, query);
    return { ...balance, ...toPage(request, query, count, results) };
  }
}
