import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { toPage } from '@sluice/platform';
import { ApiErrorResponses, ApiPageResponse } from '@sluice/platform/openapi';
import type { FastifyRequest } from 'fastify';
import { RegistrationResponseDto } from '../account/dto/account-responses.dto';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { Public } from '../auth/public.decorator';
import { LimitedAs, SIGNUP_THROTTLER } from '../auth/throttling.guard';
import { AcceptInvitationDto, InvitationResponseDto, ListInvitationsQueryDto } from './dto/invitation.dto';
import { InvitationsService } from './invitations.service';

/** Pending, accepted, revoked and expired invitations of a tenant, for its admins. */
@ApiTags('tenant-users')
@ApiErrorResponses(400, 403, 404, 409, 429)
@Controller('api/invitations')
export class InvitationsController {
  constructor(private readonly invitations: InvitationsService) {}

  @Get()
  @ApiPageResponse(InvitationResponseDto)
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListInvitationsQueryDto, @Req() request: FastifyRequest) {
    const { count, results } = await this.invitations.list(principal, query, request.headers);
    return toPage(request, query, count, results);
  }

  @Post(':id/resend')
  @HttpCode(200)
  @ApiErrorResponses(503)
  @ApiOkResponse({ type: InvitationResponseDto, description: 'Mailed again with a new token; the previous one stops working.' })
  resend(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.invitations.resend(principal, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked: its token answers 410.' })
  revoke(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.invitations.revoke(principal, id);
  }
}

/** Accepting an invitation: the token in the path is the credential. */
@ApiTags('auth')
@ApiErrorResponses(400, 401, 404, 409, 410, 429)
@Controller('api/auth/invitations')
export class InvitationAcceptanceController {
  constructor(private readonly invitations: InvitationsService) {}

  @Public()
  @LimitedAs(SIGNUP_THROTTLER)
  @Post(':token/accept')
  @ApiCreatedResponse({ type: RegistrationResponseDto, description: 'The member, signed in, and the tenant joined.' })
  accept(@Param('token') token: string, @Body() dto: AcceptInvitationDto) {
    return this.invitations.accept(token, dto);
  }
}
