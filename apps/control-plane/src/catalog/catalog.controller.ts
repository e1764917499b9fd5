import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { toPage } from '@sluice/platform';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { PlatformAdminOnly } from '../auth/authorization.guard';
import { CatalogService } from './catalog.service';
import { CreateModelDto, CreateRegionDto, ListModelsQueryDto, UpdateModelDto, UpdateRegionDto } from './dto/catalog.dto';

@ApiTags('models')
@Controller('api/models')
export class ModelsController {
  constructor(private readonly catalog: CatalogService) {}

  @Get()
  async list(@Query() query: ListModelsQueryDto, @Req() request: FastifyRequest) {
    const { count, results } = await this.catalog.listModels(query);
    return toPage(request, query, count, results);
  }

  @PlatformAdminOnly()
  @Post()
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateModelDto) {
    return this.catalog.createModel(principal, dto);
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.catalog.getModel(id);
  }

  @PlatformAdminOnly()
  @Patch(':id')
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: UpdateModelDto) {
    return this.catalog.updateModel(principal, id, dto);
  }

  @PlatformAdminOnly()
  @Delete(':id')
  @HttpCode(204)
  remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.catalog.deleteModel(principal, id);
  }
}

@ApiTags('regions')
@Controller('api/regions')
export class RegionsController {
  constructor(private readonly catalog: CatalogService) {}

  @Get()
  list() {
    return this.catalog.listRegions();
  }

  @PlatformAdminOnly()
  @Post()
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateRegionDto) {
    return this.catalog.createRegion(principal, dto);
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.catalog.getRegion(id);
  }

  /** PUT as seed 003 has it, PATCH as the rest of the API: both change only the fields sent. */
  @PlatformAdminOnly()
  @Put(':id')
  replace(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: UpdateRegionDto) {
    return this.catalog.updateRegion(principal, id, dto);
  }

  @PlatformAdminOnly()
  @Patch(':id')
  update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: UpdateRegionDto) {
    return this.catalog.updateRegion(principal, id, dto);
  }

  @PlatformAdminOnly()
  @Delete(':id')
  @HttpCode(204)
  remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.catalog.deleteRegion(principal, id);
  }
}
