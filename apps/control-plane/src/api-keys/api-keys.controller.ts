import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { toPage } from '@sluice/platform';
import { ApiErrorResponses, ApiPageResponse } from '@sluice/platform/openapi';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ApiKeysService } from './api-keys.service';
import { BulkRotateApiKeysDto, CreateApiKeyDto, DeleteApiKeyDto, ListApiKeysQueryDto, RotateApiKeyDto, UpdateApiKeyDto } from './dto/api-key.dto';
import { ApiKeyResponseDto, ApiKeyWithSecretResponseDto, BulkRotateResponseDto } from './dto/api-key-response.dto';

type RequestHeaders = Record<string, string | string[] | undefined>;

@ApiTags('api-keys')
@ApiErrorResponses(400, 403, 404, 409, 429)
@Controller('api/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Get()
  @ApiPageResponse(ApiKeyResponseDto)
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListApiKeysQueryDto, @Req() request: FastifyRequest) {
    const { count, results } = await this.apiKeys.list(principal, query, request.headers);
    return toPage(request, query, count, results);
  }

  @Post()
  @ApiCreatedResponse({ type: ApiKeyWithSecretResponseDto, description: 'The key with its secret, shown this once' })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateApiKeyDto, @Headers() headers: RequestHeaders) {
    return this.apiKeys.create(principal, dto, headers);
  }

  @Post('bulk-rotate')
  @HttpCode(200)
  @ApiOkResponse({ type: BulkRotateResponseDto })
  bulkRotate(@CurrentPrincipal() principal: Principal, @Body() dto: BulkRotateApiKeysDto) {
    return this.apiKeys.bulkRotate(principal, dto);
  }

  @Get(':id')
  @ApiOkResponse({ type: ApiKeyResponseDto })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.apiKeys.get(principal, id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: ApiKeyResponseDto })
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: UpdateApiKeyDto) {
    return this.apiKeys.update(principal, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked at once and hidden from lists; its usage and audit remain' })
  remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() _confirmed: DeleteApiKeyDto) {
    return this.apiKeys.remove(principal, id);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiOkResponse({ type: ApiKeyResponseDto })
  revoke(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.apiKeys.revoke(principal, id);
  }

  @Post(':id/rotate')
  @HttpCode(200)
  @ApiOkResponse({ type: ApiKeyWithSecretResponseDto, description: 'The key with its new secret, shown this once' })
  rotate(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: RotateApiKeyDto) {
    return this.apiKeys.rotate(principal, id, dto);
  }
}
