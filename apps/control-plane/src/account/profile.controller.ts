import { Body, Controller, Delete, Get, HttpCode, Patch } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '@sluice/platform/openapi';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ProfileDto } from './dto/account-responses.dto';
import { DeleteAccountDto, UpdateProfileDto } from './dto/auth.dto';
import { AccountDeletionService } from './account-deletion.service';
import { ProfileService } from './profile.service';

@ApiTags('auth')
@ApiErrorResponses(400, 409, 429)
@Controller('api/auth')
export class ProfileController {
  constructor(
    private readonly profiles: ProfileService,
    private readonly deletion: AccountDeletionService,
  ) {}

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

  /** Erases the caller's personal data and ends every session and personal token; 409 for the only owner of a tenant with other members. */
  @Delete('account')
  @HttpCode(204)
  @ApiErrorResponses(403)
  @ApiNoContentResponse({ description: 'The account is deleted.' })
  deleteAccount(@CurrentPrincipal() principal: Principal, @Body() dto: DeleteAccountDto) {
    return this.deletion.delete(principal, dto);
  }
}
