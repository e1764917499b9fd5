import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { toPage } from '@sluice/platform';
import { ApiErrorResponses, ApiPageResponse } from '@sluice/platform/openapi';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { PlatformAdminOnly, TenantRoleAtLeast } from '../auth/authorization.guard';
import { CreateTenantDto, ListTenantsQueryDto, SuspendTenantDto, UpdateTenantDto } from './dto/tenant.dto';
import { TenantsService } from './tenants.service';
import { TenantQuotaResponseDto, TenantResponseDto } from './dto/tenant-response.dto';

@ApiTags('tenants')
@ApiErrorResponses(400, 403, 404, 409, 429)
@Controller('api/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Get()
  @ApiPageResponse(TenantResponseDto)
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListTenantsQueryDto, @Req() request: FastifyRequest) {
    const { count, results } = await this.tenants.list(principal, query);
    return toPage(request, query, count, results);
  }

  @PlatformAdminOnly()
  @Post()
  @ApiCreatedResponse({ type: TenantResponseDto })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateTenantDto) {
    return this.tenants.create(principal, dto);
  }

  @Get(':tenant')
  @ApiOkResponse({ type: TenantResponseDto })
  get(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string) {
    return this.tenants.get(principal, tenant);
  }

  @TenantRoleAtLeast('admin')
  @Patch(':tenant')
  @ApiOkResponse({ type: TenantResponseDto })
  update(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string, @Body() dto: UpdateTenantDto) {
    return this.tenants.update(principal, tenant, dto);
  }

  @Delete(':tenant')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted' })
  remove(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string) {
    return this.tenants.remove(principal, tenant);
  }

  @PlatformAdminOnly()
  @Post(':tenant/activate')
  @HttpCode(200)
  @ApiOkResponse({ type: TenantResponseDto })
  activate(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string) {
    return this.tenants.transition(principal, tenant, 'activate');
  }

  @PlatformAdminOnly()
  @Post(':tenant/suspend')
  @HttpCode(200)
  @ApiOkResponse({ type: TenantResponseDto })
  suspend(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string, @Body() dto: SuspendTenantDto) {
    return this.tenants.transition(principal, tenant, 'suspend', dto.reason);
  }

  @PlatformAdminOnly()
  @Post(':tenant/restore')
  @HttpCode(200)
  @ApiOkResponse({ type: TenantResponseDto })
  restore(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string) {
    return this.tenants.transition(principal, tenant, 'restore');
  }

  @Get(':tenant/quota')
  @ApiOkResponse({ type: TenantQuotaResponseDto })
  quota(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string) {
    return this.tenants.quota(principal, tenant);
  }

  @PlatformAdminOnly()
  @Post(':tenant/reset_quota')
  @HttpCode(200)
  @ApiOkResponse({ type: TenantQuotaResponseDto })
  resetQuota(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string) {
    return this.tenants.resetQuota(principal, tenant);
  }
}
