import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { toPage } from '@sluice/platform';
import { ApiErrorResponses, ApiPageResponse } from '@sluice/platform/openapi';
import type { FastifyRequest } from 'fastify';
import { ApiKeyResponseDto } from '../api-keys/dto/api-key-response.dto';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { CreateLlmTokenDto, CreatePrivateAiKeyDto, ExtendTokenLifeDto, ListPrivateAiKeysQueryDto, PrivateStorageQueryDto } from './dto/private-ai-key.dto';
import {
  DatabasePasswordResponseDto,
  LlmTokenResponseDto,
  MessageResponseDto,
  PrivateAiKeyResponseDto,
  PrivateAiKeyWithSecretsResponseDto,
  PrivateStorageResponseDto,
} from './dto/private-ai-key-response.dto';
import { PrivateAiKeysService } from './private-ai-keys.service';

type RequestHeaders = Record<string, string | string[] | undefined>;

@ApiTags('private-ai-keys')
@ApiErrorResponses(400, 403, 404, 409, 429, 503)
@Controller('api/private-ai-keys')
export class PrivateAiKeysController {
  constructor(private readonly privateKeys: PrivateAiKeysService) {}

  @Get()
  @ApiPageResponse(PrivateAiKeyResponseDto)
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListPrivateAiKeysQueryDto, @Req() request: FastifyRequest) {
    const { count, results } = await this.privateKeys.list(principal, query, request.headers);
    return toPage(request, query, count, results);
  }

  @Post()
  @ApiCreatedResponse({ type: PrivateAiKeyWithSecretsResponseDto, description: 'The key and its database, with the LLM key and the database password shown this once' })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreatePrivateAiKeyDto, @Headers() headers: RequestHeaders) {
    return this.privateKeys.create(principal, dto, headers);
  }

  @Post('token')
  @ApiCreatedResponse({ type: LlmTokenResponseDto, description: 'An LLM-only key, shown this once' })
  createToken(@CurrentPrincipal() principal: Principal, @Body() dto: CreateLlmTokenDto, @Headers() headers: RequestHeaders) {
    return this.privateKeys.createToken(principal, dto, headers);
  }

  @Put('token/extend-token-life')
  @ApiOkResponse({ type: ApiKeyResponseDto })
  extendTokenLife(@CurrentPrincipal() principal: Principal, @Body() dto: ExtendTokenLifeDto) {
    return this.privateKeys.extendTokenLife(principal, dto);
  }

  @Get('storage')
  @ApiOkResponse({ type: PrivateStorageResponseDto })
  storage(@CurrentPrincipal() principal: Principal, @Query() query: PrivateStorageQueryDto, @Headers() headers: RequestHeaders) {
    return this.privateKeys.storage(principal, query.tenant, headers);
  }

  @Get(':id')
  @ApiOkResponse({ type: PrivateAiKeyResponseDto })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.privateKeys.get(principal, id);
  }

  @Delete(':id')
  @ApiOkResponse({ type: MessageResponseDto })
  remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.privateKeys.remove(principal, id);
  }

  @Post(':id/rotate-database-password')
  @HttpCode(200)
  @ApiOkResponse({ type: DatabasePasswordResponseDto, description: 'The new password, shown this once' })
  rotateDatabasePassword(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.privateKeys.rotateDatabasePassword(principal, id);
  }
}
