import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { toPage } from '@sluice/platform';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { PlatformAdminOnly, TenantRoleAtLeast } from '../auth/authorization.guard';
import { CreateTenantDto, ListTenantsQueryDto, SuspendTenantDto, UpdateTenantDto } from './dto/tenant.dto';
import { TenantsService } from './tenants.service';

@ApiTags('tenants')
@Controller('api/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Get()
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListTenantsQueryDto, @Req() request: FastifyRequest) {
    const { count, results } = await this.tenants.list(principal, query);
    return toPage(request, query, count, results);
  }

  @PlatformAdminOnly()
  @Post()
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateTenantDto) {
    return this.tenants.create(principal, dto);
  }

  @Get(':tenant')
  get(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string) {
    return this.tenants.get(principal, tenant);
  }

  @TenantRoleAtLeast('admin')
  @Patch(':tenant')
  update(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string, @Body() dto: UpdateTenantDto) {
    return this.tenants.update(principal, tenant, dto);
  }

  @Delete(':tenant')
  @HttpCode(204)
  remove(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string) {
    return this.tenants.remove(principal, tenant);
  }

  @PlatformAdminOnly()
  @Post(':tenant/activate')
  @HttpCode(200)
  activate(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string) {
    return this.tenants.transition(principal, tenant, 'activate');
  }

  @PlatformAdminOnly()
  @Post(':tenant/suspend')
  @HttpCode(200)
  suspend(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string, @Body() dto: SuspendTenantDto) {
    return this.tenants.transition(principal, tenant, 'suspend', dto.reason);
  }

  @PlatformAdminOnly()
  @Post(':tenant/restore')
  @HttpCode(200)
  restore(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string) {
    return this.tenants.transition(principal, tenant, 'restore');
  }

  @Get(':tenant/quota')
  quota(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string) {
    return this.tenants.quota(principal, tenant);
  }

  @PlatformAdminOnly()
  @Post(':tenant/reset_quota')
  @HttpCode(200)
  resetQuota(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string) {
    return this.tenants.resetQuota(principal, tenant);
  }
}
