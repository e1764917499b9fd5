import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '@sluice/platform/openapi';
import { Public } from '../auth/public.decorator';
import { LimitedAs, LOGIN_THROTTLER } from '../auth/throttling.guard';
import { TenantSignInResponseDto } from './dto/account-responses.dto';
import { TenantLoginDto } from './dto/auth.dto';
import { SignInService } from './sign-in.service';

/**
 * `POST /api/tenants/auth/`: the older API's tenant sign-in, the same as
 * `POST /api/auth/token/` with `tenant_domain` in its envelope. (So `auth` is
 * not a tenant slug anyone may take.)
 */
@ApiTags('auth')
@ApiErrorResponses(400, 401, 429)
@Controller('api/tenants')
export class TenantSignInController {
  constructor(private readonly signIn: SignInService) {}

  @Public()
  @LimitedAs(LOGIN_THROTTLER)
  @Post('auth')
  @HttpCode(200)
  @ApiOkResponse({ type: TenantSignInResponseDto, description: 'A tenant-bound access token and the user.' })
  async auth(@Body() dto: TenantLoginDto): Promise<TenantSignInResponseDto> {
    const session = await this.signIn.login(dto);
    return { status: 'success', message: 'Signed in', data: { token: session.access, user: session.user } };
  }
}
