import { Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { AuthController } from './auth/auth.controller';
import { AuthService } from './auth/auth.service';
import { AuthenticationGuard } from './auth/authentication.guard';
import { AuthorizationGuard } from './auth/authorization.guard';
import { BearerStrategy } from './auth/bearer.strategy';
import { Passwords } from './auth/passwords';
import { Sessions } from './auth/sessions';
import { ThrottlingGuard } from './auth/throttling.guard';
import { ThrottlingModule } from './auth/throttling.module';
import { TokenRevocation } from './auth/token-revocation';
import { AdminBootstrap } from './bootstrap/admin-bootstrap';
import { MembershipsController } from './memberships/memberships.controller';
import { MembershipsService } from './memberships/memberships.service';
import { RequestContextInterceptor } from './request-context/request-context';
import { TeamsController } from './teams/teams.controller';
import { TeamsService } from './teams/teams.service';
import { TenancyModule } from './tenancy/tenancy.module';
import { TenantsController } from './tenants/tenants.controller';
import { TenantsService } from './tenants/tenants.service';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';

/**
 * Identity and tenancy (SPEC 3.1–3.3): who the caller is, the tenants it
 * belongs to and what it may do there. One module because its parts use each
 * other (registration creates a user and a tenant; deactivation ends sessions).
 */
@Module({
  imports: [PassportModule, TenancyModule, ThrottlingModule],
  controllers: [AuthController, TenantsController, UsersController, MembershipsController, TeamsController],
  providers: [
    Passwords,
    TokenRevocation,
    Sessions,
    BearerStrategy,
    AuthService,
    TenantsService,
    UsersService,
    MembershipsService,
    TeamsService,
    AdminBootstrap,
    // Guards run in this order: throttling needs to know the principal, and refusals by role count against the limits.
    { provide: APP_GUARD, useClass: AuthenticationGuard },
    { provide: APP_GUARD, useClass: ThrottlingGuard },
    { provide: APP_GUARD, useClass: AuthorizationGuard },
    { provide: APP_INTERCEPTOR, useClass: RequestContextInterceptor },
  ],
})
export class IdentityModule {}
