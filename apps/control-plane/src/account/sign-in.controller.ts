import { Body, Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '@sluice/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ACCESS_COOKIE, assertSignInOrigin, CSRF_COOKIE, csrfTokenFor } from '../auth/credentials';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { Public } from '../auth/public.decorator';
import { LimitedAs, LOGIN_THROTTLER } from '../auth/throttling.guard';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { BrowserSessionDto, LoginResponseDto } from './dto/account-responses.dto';
import { LoginDto, RefreshDto } from './dto/auth.dto';
import { SignInService } from './sign-in.service';

@ApiTags('auth')
@ApiErrorResponses(400, 401, 403, 429)
@Controller('api/auth')
export class SignInController {
  constructor(
    private readonly signIn: SignInService,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  @Public()
  @LimitedAs(LOGIN_THROTTLER)
  @Post('token')
  @HttpCode(200)
  @ApiOkResponse({ type: LoginResponseDto, description: 'An access and a refresh token.' })
  token(@Body() dto: LoginDto) {
    return this.signIn.login(dto);
  }

  @Public()
  @Post('token/refresh')
  @HttpCode(200)
  @ApiOkResponse({ type: LoginResponseDto, description: 'A new pair; the refresh token sent is spent.' })
  refresh(@Body() dto: RefreshDto) {
    return this.signIn.refresh(dto.refresh);
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
  @ApiOkResponse({ type: BrowserSessionDto, description: 'The access token is set as an HttpOnly cookie, not returned.' })
  async login(@Body() dto: LoginDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    assertSignInOrigin(request, this.config.allowedOrigins);
    const { response: session, sessionId } = await this.signIn.signIn(dto);
    const csrf = csrfTokenFor(this.config.jwtSecret, sessionId);
    const cookie = { path: '/', secure: this.config.secureCookies, sameSite: 'lax' as const, maxAge: session.expires_in };
    reply.setCookie(ACCESS_COOKIE, session.access, { ...cookie, httpOnly: true });
    reply.setCookie(CSRF_COOKIE, csrf, { ...cookie, httpOnly: false });
    return { user: session.user, expires_in: session.expires_in, csrf_token: csrf };
  }

  @Post('logout')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The session is ended and its cookies cleared.' })
  async logout(@CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.signIn.logout(principal);
    reply.clearCookie(ACCESS_COOKIE, { path: '/' });
    reply.clearCookie(CSRF_COOKIE, { path: '/' });
  }
}
