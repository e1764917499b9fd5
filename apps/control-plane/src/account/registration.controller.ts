import { Body, Controller, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '@sluice/platform/openapi';
import { Public } from '../auth/public.decorator';
import { LimitedAs, SIGNUP_THROTTLER } from '../auth/throttling.guard';
import { RegistrationResponseDto } from './dto/account-responses.dto';
import { RegisterDto } from './dto/auth.dto';
import { RegistrationService } from './registration.service';

@ApiTags('auth')
@ApiErrorResponses(400, 403, 409, 429)
@Controller('api/auth')
export class RegistrationController {
  constructor(private readonly registration: RegistrationService) {}

  @Public()
  @LimitedAs(SIGNUP_THROTTLER)
  @Post('register')
  @ApiCreatedResponse({ type: RegistrationResponseDto, description: 'The new user, signed in, and the tenant it owns.' })
  register(@Body() dto: RegisterDto) {
    return this.registration.register(dto);
  }
}
