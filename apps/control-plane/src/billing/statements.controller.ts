import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { PaginationQueryDto, toPage } from '@sluice/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { StatementsService } from './statements.service';

/** A tenant's period statements (admins and owners): JSON, or CSV with `.csv` after the id. */
@ApiTags('billing')
@Controller('api/tenants')
export class StatementsController {
  constructor(private readonly statements: StatementsService) {}

  @Get(':tenant/statements')
  async list(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string, @Query() query: PaginationQueryDto, @Req() request: FastifyRequest) {
    const { count, results } = await this.statements.list(principal, tenant, query);
    return toPage(request, query, count, results);
  }

  @Get(':tenant/statements/:id')
  async get(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string, @Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    if (!id.endsWith('.csv')) return this.statements.get(principal, tenant, id);
    const csv = await this.statements.csv(principal, tenant, id.slice(0, -'.csv'.length));
    void reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="statement-${id}"`);
    return csv;
  }
}
