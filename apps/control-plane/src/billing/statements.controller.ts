import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { toPage } from '@sluice/platform';
import { ApiErrorResponses, ApiPageResponse, PaginationQueryDto } from '@sluice/platform/openapi';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { StatementResponseDto } from './dto/statement-response.dto';
import { StatementsService } from './statements.service';

/** A tenant's period statements (admins and owners): JSON, or CSV with `.csv` after the id. */
@ApiTags('billing')
@ApiErrorResponses(403, 404, 429)
@Controller('api/tenants')
export class StatementsController {
  constructor(private readonly statements: StatementsService) {}

  @Get(':tenant/statements')
  @ApiPageResponse(StatementResponseDto)
  @ApiErrorResponses(400)
  async list(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string, @Query() query: PaginationQueryDto, @Req() request: FastifyRequest) {
    const { count, results } = await this.statements.list(principal, tenant, query);
    return toPage(request, query, count, results);
  }

  @Get(':tenant/statements/:id')
  @ApiExtraModels(StatementResponseDto)
  @ApiOkResponse({
    description: 'The statement with its lines; with `.csv` after the id, the lines and a total as CSV (an attachment)',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(StatementResponseDto) } },
      'text/csv': { schema: { type: 'string', example: 'kind,model,environment,requests,prompt_tokens,completion_tokens,amount_usd,stripe_invoice_item_id\r\n' } },
    },
  })
  async get(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string, @Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    if (!id.endsWith('.csv')) return this.statements.get(principal, tenant, id);
    const csv = await this.statements.csv(principal, tenant, id.slice(0, -'.csv'.length));
    void reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="statement-${id}"`);
    return csv;
  }
}
