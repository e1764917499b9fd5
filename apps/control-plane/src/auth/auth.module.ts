import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { DataAccessModule } from '@sluice/control-plane/data-access';
import { AuthenticationGuard } from './authentication.guard';
import { AuthorizationGuard } from './authorization.guard';
import { BearerStrategy } from './bearer.strategy';
import { KeyOwnerRole } from './key-owner-role';
import { Passwords } from './passwords';
import { Sessions } from './sessions';
import { TenantAccess } from './tenant-access';
import { ThrottlingGuard } from './throttling.guard';
import { ThrottlingModule } from './throttling.module';
import { TokenRevocation } from './token-revocation';

/**
 * The floor every controller stands on: who the caller is (the bearer
 * strategy behind the authentication guard), how often it may call
 * (throttling), and what it may do in a tenant (the authorization guard,
 * `TenantAccess`). It imports no feature; features import it for
 * `TenantAccess`, `Passwords` and `Sessions`.
 */
@Module({
  imports: [PassportModule, ThrottlingModule, DataAccessModule],
  providers: [
    Passwords,
    TokenRevocation,
    Sessions,
    KeyOwnerRole,
    BearerStrategy,
    TenantAccess,
    // Guards run in this order: throttling needs to know the principal, and refusals by role count against the limits.
    { provide: APP_GUARD, useClass: AuthenticationGuard },
    { provide: APP_GUARD, useClass: ThrottlingGuard },
    { provide: APP_GUARD, useClass: AuthorizationGuard },
  ],
  exports: [TenantAccess, Passwords, Sessions],
})
export class AuthModule {}
