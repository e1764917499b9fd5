import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { ControlPlaneHealth } from '@sluice/contracts';
import { DrainingHealthIndicator, Public, RedisHealthIndicator } from '@sluice/platform';
import { ErrorResponseDto } from '@sluice/platform/openapi';
import type { FastifyReply } from 'fastify';
import { HealthResponseDto, LivenessResponseDto } from './dto/health-response.dto';
import { MigrationsHealthIndicator } from './migrations.health';

const DATABASE_TIMEOUT_MS = 1_000;

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly draining: DrainingHealthIndicator,
    private readonly migrations: MigrationsHealthIndicator,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Service status: status, service, database and redis; 503 when a dependency is down' })
  @ApiOkResponse({ type: HealthResponseDto })
  @ApiServiceUnavailableResponse({ type: HealthResponseDto, description: 'A dependency is down: `degraded`, naming which' })
  async status(@Res({ passthrough: true }) reply: FastifyReply): Promise<ControlPlaneHealth> {
    const [database, redis] = await Promise.all([this.databaseUp(), this.redis.isConnected()]);
    if (!database || !redis) void reply.status(HttpStatus.SERVICE_UNAVAILABLE);
    return {
      status: database && redis ? 'ok' : 'degraded',
      service: 'control-plane',
      database: database ? 'connected' : 'disconnected',
      redis: redis ? 'connected' : 'disconnected',
    };
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: LivenessResponseDto })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  // Above @HealthCheck(), whose own 503 schema describes terminus's body rather than the error shape this app answers with.
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: '`not_ready`, with each check in `details.checks`' })
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: PostgreSQL, Redis and migrations; 503 until all are up, and from the first SIGTERM on' })
  ready() {
    return this.health.check([
      () => this.draining.check('shutdown'),
      () => this.database.pingCheck('database', { timeout: DATABASE_TIMEOUT_MS }),
      () => this.redis.check('redis'),
      () => this.migrations.check('migrations'),
    ]);
  }

  private async databaseUp(): Promise<boolean> {
    try {
      await this.database.pingCheck('database', { timeout: DATABASE_TIMEOUT_MS });
      return true;
    } catch {
      return false;
    }
  }
}
