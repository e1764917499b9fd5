import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '@sluice/platform';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ProfileDto } from './dto/account-responses.dto';
import { UpdateProfileDto } from './dto/auth.dto';
import { ProfileService } from './profile.service';

@ApiTags('auth')
@ApiErrorResponses(400, 409, 429)
@Controller('api/auth')
export class ProfileController {
  constructor(private readonly profiles: ProfileService) {}

  @Get(['profile', 'me'])
  @ApiOkResponse({ type: ProfileDto })
  profile(@CurrentPrincipal() principal: Principal) {
    return this.profiles.profile(principal);
  }

  @Patch(['profile', 'me'])
  @ApiOkResponse({ type: ProfileDto })
  updateProfile(@CurrentPrincipal() principal: Principal, @Body() dto: UpdateProfileDto) {
    return this.profiles.updateProfile(principal, dto);
  }
}
