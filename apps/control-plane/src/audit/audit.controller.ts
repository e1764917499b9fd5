import { Controller, Get, Query, Req } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { toPage } from '@sluice/platform';
import { ApiErrorResponses, ApiPageResponse } from '@sluice/platform/openapi';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { AuditLogService } from './audit-log.service';
import { ListAuditEventsQueryDto, VerifyAuditQueryDto } from './dto/audit-query.dto';
import { AuditEventResponseDto, ChainsVerificationResponseDto, ChainVerificationResponseDto } from './dto/audit-response.dto';

@ApiTags('audit')
@ApiErrorResponses(400, 403, 404, 429)
@Controller('api/audit')
export class AuditController {
  constructor(private readonly auditLog: AuditLogService) {}

  @Get('events')
  @ApiPageResponse(AuditEventResponseDto)
  async events(@CurrentPrincipal() principal: Principal, @Query() query: ListAuditEventsQueryDto, @Req() request: FastifyRequest) {
    const { count, results } = await this.auditLog.list(principal, query);
    return toPage(request, query, count, results);
  }

  @Get('verify')
  @ApiExtraModels(ChainVerificationResponseDto, ChainsVerificationResponseDto)
  @ApiOkResponse({
    description: 'The named tenant’s chain, or every chain the caller may read',
    schema: { oneOf: [{ $ref: getSchemaPath(ChainVerificationResponseDto) }, { $ref: getSchemaPath(ChainsVerificationResponseDto) }] },
  })
  verify(@CurrentPrincipal() principal: Principal, @Query() query: VerifyAuditQueryDto) {
    return this.auditLog.verify(principal, query.tenant_id);
  }
}
