import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { pageWindow, PaginationQueryDto, toPage } from '@sluice/platform';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { PlatformAdminOnly } from '../auth/authorization.guard';
import { AssignPlanDto, CreatePlanDto, EntitlementsQueryDto, UpdatePlanDto } from './dto/plan.dto';
import { PlansService } from './plans.service';

@ApiTags('plans')
@Controller('api/plans')
export class PlansController {
  constructor(private readonly plans: PlansService) {}

  @Get()
  async list(@Query() query: PaginationQueryDto, @Req() request: FastifyRequest) {
    const plans = await this.plans.list();
    const { offset, limit } = pageWindow(query);
    return toPage(request, query, plans.length, plans.slice(offset, offset + limit));
  }

  @PlatformAdminOnly()
  @Post()
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreatePlanDto) {
    return this.plans.create(principal, dto);
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.plans.get(id);
  }

  @PlatformAdminOnly()
  @Patch(':id')
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: UpdatePlanDto) {
    return this.plans.update(principal, id, dto);
  }

  @PlatformAdminOnly()
  @Delete(':id')
  @HttpCode(204)
  remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.plans.remove(principal, id);
  }
}

/** The plan-related routes under a tenant. */
@ApiTags('plans')
@Controller('api/tenants')
export class TenantPlanController {
  constructor(private readonly plans: PlansService) {}

  @PlatformAdminOnly()
  @Post(':tenant/plan')
  @HttpCode(200)
  assign(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string, @Body() dto: AssignPlanDto) {
    return this.plans.assign(principal, tenant, dto.plan);
  }

  @Get(':tenant/entitlements')
  entitlements(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string, @Query() query: EntitlementsQueryDto) {
    return this.plans.entitlements(principal, tenant, query.feature);
  }
}
