import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ProjectionModule } from '../projection/projection.module';
import { Authenticator } from './authenticator';
import { GatewayAuthenticationGuard } from './gateway-authentication.guard';

/** The API-key authenticator, for the hot path and for the guard that closes every Nest route by default. */
@Module({
  imports: [ProjectionModule],
  providers: [Authenticator, { provide: APP_GUARD, useClass: GatewayAuthenticationGuard }],
  exports: [Authenticator],
})
export class GatewayAuthModule {}
