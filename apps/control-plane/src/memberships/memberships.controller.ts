import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses, ApiPageResponse, toPage } from '@sluice/platform';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { CreateMembershipDto, ListMembershipsQueryDto, UpdateMembershipDto } from './dto/membership.dto';
import { MembershipsService } from './memberships.service';
import { MembershipResponseDto } from './dto/membership-response.dto';

type RequestHeaders = Record<string, string | string[] | undefined>;

@ApiTags('tenant-users')
@ApiErrorResponses(400, 403, 404, 409, 429)
@Controller('api/tenant-users')
export class MembershipsController {
  constructor(private readonly memberships: MembershipsService) {}

  @Get()
  @ApiPageResponse(MembershipResponseDto)
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListMembershipsQueryDto, @Req() request: FastifyRequest) {
    const { count, results } = await this.memberships.list(principal, query, request.headers);
    return toPage(request, query, count, results);
  }

  @Post()
  @ApiCreatedResponse({ type: MembershipResponseDto })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateMembershipDto, @Headers() headers: RequestHeaders) {
    return this.memberships.create(principal, dto, headers);
  }

  @Get(':id')
  @ApiOkResponse({ type: MembershipResponseDto })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.memberships.get(principal, id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: MembershipResponseDto })
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: UpdateMembershipDto) {
    return this.memberships.update(principal, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Removed from the tenant' })
  remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.memberships.remove(principal, id);
  }
}
