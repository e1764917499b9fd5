import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ProjectionModule } from '../projection/projection.module';
import { GatewayHeartbeat } from './gateway-heartbeat';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), ProjectionModule],
  controllers: [HealthController],
  providers: [GatewayHeartbeat],
})
export class HealthModule {}
