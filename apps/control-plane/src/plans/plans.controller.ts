import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiExtraModels, ApiNoContentResponse, ApiOkResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { toPage } from '@sluice/platform';
import { ApiErrorResponses, ApiPageResponse, pageWindow, PaginationQueryDto } from '@sluice/platform/openapi';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { PlatformAdminOnly } from '../auth/authorization.guard';
import { AssignPlanDto, CreatePlanDto, EntitlementsQueryDto, UpdatePlanDto } from './dto/plan.dto';
import { PlansService } from './plans.service';
import { TenantResponseDto } from '../tenants/dto/tenant-response.dto';
import { EntitlementResponseDto, EntitlementsResponseDto, PlanResponseDto } from './dto/plan-response.dto';

@ApiTags('plans')
@ApiErrorResponses(400, 403, 404, 409, 429)
@Controller('api/plans')
export class PlansController {
  constructor(private readonly plans: PlansService) {}

  @Get()
  @ApiPageResponse(PlanResponseDto)
  async list(@Query() query: PaginationQueryDto, @Req() request: FastifyRequest) {
    const plans = await this.plans.list();
    const { offset, limit } = pageWindow(query);
    return toPage(request, query, plans.length, plans.slice(offset, offset + limit));
  }

  @PlatformAdminOnly()
  @Post()
  @ApiCreatedResponse({ type: PlanResponseDto })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreatePlanDto) {
    return this.plans.create(principal, dto);
  }

  @Get(':id')
  @ApiOkResponse({ type: PlanResponseDto })
  get(@Param('id') id: string) {
    return this.plans.get(id);
  }

  @PlatformAdminOnly()
  @Patch(':id')
  @ApiOkResponse({ type: PlanResponseDto })
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: UpdatePlanDto) {
    return this.plans.update(principal, id, dto);
  }

  @PlatformAdminOnly()
  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted' })
  remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.plans.remove(principal, id);
  }
}

/** The plan-related routes under a tenant. */
@ApiTags('plans')
@ApiErrorResponses(400, 403, 404, 409, 429)
@Controller('api/tenants')
export class TenantPlanController {
  constructor(private readonly plans: PlansService) {}

  @PlatformAdminOnly()
  @Post(':tenant/plan')
  @HttpCode(200)
  @ApiOkResponse({ type: TenantResponseDto, description: 'The tenant with its new plan' })
  assign(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string, @Body() dto: AssignPlanDto) {
    return this.plans.assign(principal, tenant, dto.plan);
  }

  @Get(':tenant/entitlements')
  @ApiExtraModels(EntitlementsResponseDto, EntitlementResponseDto)
  @ApiOkResponse({
    description: 'Every entitlement of the plan, or the one named by `feature`',
    schema: { oneOf: [{ $ref: getSchemaPath(EntitlementsResponseDto) }, { $ref: getSchemaPath(EntitlementResponseDto) }] },
  })
  entitlements(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string, @Query() query: EntitlementsQueryDto) {
    return this.plans.entitlements(principal, tenant, query.feature);
  }
}
