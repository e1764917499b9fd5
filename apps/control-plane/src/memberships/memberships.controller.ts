import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { toPage } from '@sluice/platform';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { CreateMembershipDto, ListMembershipsQueryDto, UpdateMembershipDto } from './dto/membership.dto';
import { MembershipsService } from './memberships.service';

type RequestHeaders = Record<string, string | string[] | undefined>;

@ApiTags('tenant-users')
@Controller('api/tenant-users')
export class MembershipsController {
  constructor(private readonly memberships: MembershipsService) {}

  @Get()
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListMembershipsQueryDto, @Req() request: FastifyRequest) {
    const { count, results } = await this.memberships.list(principal, query, request.headers);
    return toPage(request, query, count, results);
  }

  @Post()
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateMembershipDto, @Headers() headers: RequestHeaders) {
    return this.memberships.create(principal, dto, headers);
  }

  @Get(':id')
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.memberships.get(principal, id);
  }

  @Patch(':id')
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: UpdateMembershipDto) {
    return this.memberships.update(principal, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.memberships.remove(principal, id);
  }
}
