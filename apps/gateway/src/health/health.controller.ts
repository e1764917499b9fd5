import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { GatewayHealth } from '@sluice/contracts';
import { DrainingHealthIndicator, Public, RedisHealthIndicator } from '@sluice/platform';
import type { FastifyReply } from 'fastify';
import { ProjectionHealthIndicator } from '../projection/projection.health';

@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly redis: RedisHealthIndicator,
    private readonly draining: DrainingHealthIndicator,
    private readonly projection: ProjectionHealthIndicator,
  ) {}

  /** The status document of docs/decisions.md (Health); 503 while Redis, where everything the gateway knows lives, is down. */
  @Get()
  async status(@Res({ passthrough: true }) reply: FastifyReply): Promise<GatewayHealth> {
    const redis = await this.redis.isConnected();
    if (!redis) void reply.status(HttpStatus.SERVICE_UNAVAILABLE);
    return { status: redis ? 'ok' : 'degraded', service: 'ai-gateway', redis: redis ? 'connected' : 'disconnected' };
  }

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Redis answers, invalidations arrive, and the process is not shutting down (503 from the first SIGTERM). */
  @Get('ready')
  // Without swaggerDocumentation: false Terminus requires @nestjs/swagger (~6 MiB of RSS per worker) to document
  // this route in an OpenAPI document the gateway does not serve.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  ready() {
    return this.health.check([() => this.draining.check('shutdown'), () => this.redis.check('redis'), () => this.projection.check('projection')]);
  }
}
