import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { toPage } from '@sluice/platform';
import { ApiErrorResponses, ApiPageResponse } from '@sluice/platform/openapi';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { PlatformAdminOnly } from '../auth/authorization.guard';
import { CatalogService } from './catalog.service';
import { CreateModelDto, CreateRegionDto, ListModelsQueryDto, UpdateModelDto, UpdateRegionDto } from './dto/catalog.dto';
import { ModelResponseDto, RegionResponseDto } from './dto/catalog-response.dto';

@ApiTags('models')
@ApiErrorResponses(400, 403, 404, 409, 429)
@Controller('api/models')
export class ModelsController {
  constructor(private readonly catalog: CatalogService) {}

  @Get()
  @ApiPageResponse(ModelResponseDto)
  async list(@Query() query: ListModelsQueryDto, @Req() request: FastifyRequest) {
    const { count, results } = await this.catalog.listModels(query);
    return toPage(request, query, count, results);
  }

  @PlatformAdminOnly()
  @Post()
  @ApiCreatedResponse({ type: ModelResponseDto })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateModelDto) {
    return this.catalog.createModel(principal, dto);
  }

  @Get(':id')
  @ApiOkResponse({ type: ModelResponseDto })
  get(@Param('id') id: string) {
    return this.catalog.getModel(id);
  }

  @PlatformAdminOnly()
  @Patch(':id')
  @ApiOkResponse({ type: ModelResponseDto })
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: UpdateModelDto) {
    return this.catalog.updateModel(principal, id, dto);
  }

  @PlatformAdminOnly()
  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted' })
  remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.catalog.deleteModel(principal, id);
  }
}

@ApiTags('regions')
@ApiErrorResponses(400, 403, 404, 409, 429)
@Controller('api/regions')
export class RegionsController {
  constructor(private readonly catalog: CatalogService) {}

  @Get()
  @ApiOkResponse({ type: [RegionResponseDto] })
  list() {
    return this.catalog.listRegions();
  }

  @PlatformAdminOnly()
  @Post()
  @ApiCreatedResponse({ type: RegionResponseDto })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateRegionDto) {
    return this.catalog.createRegion(principal, dto);
  }

  @Get(':id')
  @ApiOkResponse({ type: RegionResponseDto })
  get(@Param('id') id: string) {
    return this.catalog.getRegion(id);
  }

  /** PUT for clients of the older model API (README, API tables), PATCH as the rest of the API: both change only the fields sent. */
  @PlatformAdminOnly()
  @Put(':id')
  @ApiOkResponse({ type: RegionResponseDto })
  replace(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: UpdateRegionDto) {
    return this.catalog.updateRegion(principal, id, dto);
  }

  @PlatformAdminOnly()
  @Patch(':id')
  @ApiOkResponse({ type: RegionResponseDto })
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: UpdateRegionDto) {
    return this.catalog.updateRegion(principal, id, dto);
  }

  @PlatformAdminOnly()
  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted' })
  remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.catalog.deleteRegion(principal, id);
  }
}
