import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { toPage } from '@sluice/platform';
import { ApiErrorResponses, ApiPageResponse } from '@sluice/platform/openapi';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { CreateMembershipDto, ListMembershipsQueryDto, UpdateMembershipDto } from './dto/membership.dto';
import { MembershipsService } from './memberships.service';
import { MembershipResponseDto } from './dto/membership-response.dto';
import { InvitationResponseDto } from './dto/invitation.dto';

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

  /** An address without an account (and no `password`), or any existing account unless a platform admin adds it, is invited instead: 202. */
  @Post()
  @ApiCreatedResponse({ type: MembershipResponseDto, description: 'Added at once.' })
  @ApiAcceptedResponse({ type: InvitationResponseDto, description: 'An invitation was mailed (docs/decisions.md, Membership by email).' })
  @ApiErrorResponses(503)
  async create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateMembershipDto, @Headers() headers: RequestHeaders, @Res({ passthrough: true }) reply: FastifyReply) {
    const outcome = await this.memberships.create(principal, dto, headers);
    if ('invitation' in outcome) {
      reply.status(202);
      return outcome.invitation;
    }
    return outcome.membership;
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
