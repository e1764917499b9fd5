import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { toPage } from '@sluice/platform';
import { ApiErrorResponses } from '@sluice/platform/openapi';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { CreatedPersonalTokenDto, PersonalTokenPageDto } from './dto/account-responses.dto';
import { CreatePersonalTokenDto, ListPersonalTokensQueryDto } from './dto/auth.dto';
import { PersonalTokensService } from './personal-tokens.service';

@ApiTags('auth')
@ApiErrorResponses(400, 404, 429)
@Controller('api/auth')
export class PersonalTokensController {
  constructor(private readonly tokens: PersonalTokensService) {}

  @Post('tokens')
  @ApiCreatedResponse({ type: CreatedPersonalTokenDto })
  createToken(@CurrentPrincipal() principal: Principal, @Body() dto: CreatePersonalTokenDto) {
    return this.tokens.createPersonalToken(principal, dto);
  }

  @Get('tokens')
  @ApiOkResponse({ type: PersonalTokenPageDto })
  async listTokens(@CurrentPrincipal() principal: Principal, @Query() query: ListPersonalTokensQueryDto, @Req() request: FastifyRequest) {
    const { count, results } = await this.tokens.listPersonalTokens(principal, query);
    return toPage(request, query, count, results);
  }

  @Delete('tokens/:id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The token is revoked.' })
  revokeToken(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.tokens.revokePersonalToken(principal, id);
  }
}
