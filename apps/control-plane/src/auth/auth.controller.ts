import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { toPage } from '@sluice/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { AuthService } from './auth.service';
import { ACCESS_COOKIE, assertSignInOrigin, CSRF_COOKIE, csrfTokenFor } from './credentials';
import { CurrentPrincipal } from './current-principal.decorator';
import { CreatePersonalTokenDto, ListPersonalTokensQueryDto, LoginDto, RefreshDto, RegisterDto, UpdateProfileDto } from './dto/auth.dto';
import type { Principal } from './principal';
import { Public } from './public.decorator';
import { LimitedAs, LOGIN_THROTTLER, SIGNUP_THROTTLER } from './throttling.guard';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  @Public()
  @LimitedAs(LOGIN_THROTTLER)
  @Post('token')
  @HttpCode(200)
  token(@Body() dto: LoginDto) {
    return this.auth.login(dto);
  }

  @Public()
  @Post('token/refresh')
  @HttpCode(200)
  refresh(@Body() dto: RefreshDto) {
    return this.auth.refresh(dto.refresh);
  }

  /**
   * Browser sign-in (form or JSON), from this site's pages only: the access
   * token goes into an HttpOnly cookie, never into the page; mutations must
   * echo the session's `csrf_token` in `X-CSRF-Token`.
   */
  @Public()
  @LimitedAs(LOGIN_THROTTLER)
  @Post('login')
  @HttpCode(200)
  async login(@Body() dto: LoginDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    assertSignInOrigin(request, this.config.allowedOrigins);
    const { response: session, sessionId } = await this.auth.signIn(dto);
    const csrf = csrfTokenFor(this.config.jwtSecret, sessionId);
    const cookie = { path: '/', secure: this.config.secureCookies, sameSite: 'lax' as const, maxAge: session.expires_in };
    reply.setCookie(ACCESS_COOKIE, session.access, { ...cookie, httpOnly: true });
    reply.setCookie(CSRF_COOKIE, csrf, { ...cookie, httpOnly: false });
    return { user: session.user, expires_in: session.expires_in, csrf_token: csrf };
  }

  @Post('logout')
  @HttpCode(204)
  async logout(@CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.auth.logout(principal);
    reply.clearCookie(ACCESS_COOKIE, { path: '/' });
    reply.clearCookie(CSRF_COOKIE, { path: '/' });
  }

  @Public()
  @LimitedAs(SIGNUP_THROTTLER)
  @Post('register')
  register(@Body() dto: RegisterDto) {
    return this.auth.register(dto);
  }

  @Get(['profile', 'me'])
  profile(@CurrentPrincipal() principal: Principal) {
    return this.auth.profile(principal);
  }

  @Patch(['profile', 'me'])
  updateProfile(@CurrentPrincipal() principal: Principal, @Body() dto: UpdateProfileDto) {
    return this.auth.updateProfile(principal, dto);
  }

  @Post('tokens')
  createToken(@CurrentPrincipal() principal: Principal, @Body() dto: CreatePersonalTokenDto) {
    return this.auth.createPersonalToken(principal, dto);
  }

  @Get('tokens')
  async listTokens(@CurrentPrincipal() principal: Principal, @Query() query: ListPersonalTokensQueryDto, @Req() request: FastifyRequest) {
    const { count, results } = await this.auth.listPersonalTokens(principal, query);
    return toPage(request, query, count, results);
  }

  @Delete('tokens/:id')
  @HttpCode(204)
  revokeToken(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.auth.revokePersonalToken(principal, id);
  }
}
