import { Controller, Get, Query, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { toPage } from '@sluice/platform';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { AuditLogService } from './audit-log.service';
import { ListAuditEventsQueryDto, VerifyAuditQueryDto } from './dto/audit-query.dto';

@ApiTags('audit')
@Controller('api/audit')
export class AuditController {
  constructor(private readonly auditLog: AuditLogService) {}

  @Get('events')
  async events(@CurrentPrincipal() principal: Principal, @Query() query: ListAuditEventsQueryDto, @Req() request: FastifyRequest) {
    const { count, results } = await this.auditLog.list(principal, query);
    return toPage(request, query, count, results);
  }

  @Get('verify')
  verify(@CurrentPrincipal() principal: Principal, @Query() query: VerifyAuditQueryDto) {
    return this.auditLog.verify(principal, query.tenant_id);
  }
}
