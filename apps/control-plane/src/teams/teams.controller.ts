import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { toPage } from '@sluice/platform';
import { ApiErrorResponses, ApiPageResponse } from '@sluice/platform/openapi';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { CreateTeamDto, ListTeamsQueryDto, TeamMemberDto, UpdateTeamDto } from './dto/team.dto';
import { TeamsService } from './teams.service';
import { MembershipResponseDto } from '../memberships/dto/membership-response.dto';
import { TeamResponseDto } from './dto/team-response.dto';

type RequestHeaders = Record<string, string | string[] | undefined>;

@ApiTags('teams')
@ApiErrorResponses(400, 403, 404, 409, 429)
@Controller('api/teams')
export class TeamsController {
  constructor(private readonly teams: TeamsService) {}

  @Get()
  @ApiPageResponse(TeamResponseDto)
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListTeamsQueryDto, @Req() request: FastifyRequest) {
    const { count, results } = await this.teams.list(principal, query, request.headers);
    return toPage(request, query, count, results);
  }

  @Post()
  @ApiCreatedResponse({ type: TeamResponseDto })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateTeamDto, @Headers() headers: RequestHeaders) {
    return this.teams.create(principal, dto, headers);
  }

  @Get(':id')
  @ApiOkResponse({ type: TeamResponseDto })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.teams.get(principal, id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: TeamResponseDto })
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: UpdateTeamDto) {
    return this.teams.update(principal, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted' })
  remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.teams.remove(principal, id);
  }

  @Get(':id/members')
  @ApiOkResponse({ type: [MembershipResponseDto] })
  members(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.teams.members(principal, id);
  }

  @Post(':id/members')
  @ApiCreatedResponse({ type: MembershipResponseDto, description: 'The membership, now in the team' })
  addMember(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: TeamMemberDto) {
    return this.teams.setMember(principal, id, dto.member, true);
  }

  @Delete(':id/members/:member')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The member left the team' })
  async removeMember(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Param('member') member: string) {
    await this.teams.setMember(principal, id, member, false);
  }
}
