import { Body, Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '@sluice/platform/openapi';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ACCESS_COOKIE, assertSignInOrigin, CSRF_COOKIE, csrfTokenFor } from '../auth/credentials';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { Public } from '../auth/public.decorator';
import { LimitedAs, LOGIN_THROTTLER } from '../auth/throttling.guard';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { BrowserSessionDto, CodeSentDto, LoginResponseDto } from './dto/account-responses.dto';
import { CodeSignInDto, LoginDto, RefreshDto, ValidateEmailDto } from './dto/auth.dto';
import { EmailCodes } from './email-codes';
import { SignInService } from './sign-in.service';

const CODE_SENT: CodeSentDto = { detail: 'If this address can receive mail, a code is on its way. It expires in 10 minutes.', expires_in: 600 };

@ApiTags('auth')
@ApiErrorResponses(400, 401, 403, 429)
@Controller('api/auth')
export class SignInController {
  constructor(
    private readonly signIn: SignInService,
    private readonly codes: EmailCodes,
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

  /**
   * Mails a 6-digit code to the address, for `POST /api/auth/sign-in/` or
   * registration. The answer is the same whether or not an account has the
   * address.
   */
  @Public()
  @LimitedAs(LOGIN_THROTTLER)
  @Post('validate-email')
  @HttpCode(202)
  @ApiErrorResponses(503)
  @ApiAcceptedResponse({ type: CodeSentDto, description: 'A code is on its way if the address can receive mail.' })
  async validateEmail(@Body() dto: ValidateEmailDto, @Req() request: FastifyRequest): Promise<CodeSentDto> {
    await this.codes.send(dto.email, request.ip);
    return CODE_SENT;
  }

  @Public()
  @LimitedAs(LOGIN_THROTTLER)
  @Post('sign-in')
  @HttpCode(200)
  @ApiOkResponse({ type: LoginResponseDto, description: 'An access and a refresh token, as `POST /api/auth/token/` answers.' })
  signInWithCode(@Body() dto: CodeSignInDto) {
    return this.signIn.signInWithCode(dto);
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
