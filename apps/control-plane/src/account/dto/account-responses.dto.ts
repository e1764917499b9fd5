import { ApiProperty } from '@nestjs/swagger';
import type { PersonalTokenScope } from '@sluice/control-plane/data-access';
import type { UserView } from '../../users/user-view';
import type { LoginResponse, PersonalTokenView, ProfileView } from '../account-views';
import { PERSONAL_TOKEN_SCOPES } from './auth.dto';

/**
 * Response bodies of the `/api/auth` routes, for the OpenAPI document. Each
 * class `implements` the view the service returns, so the two cannot drift.
 */

export class AccountUserDto implements UserView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ description: 'The username when one is set, else the same value as `email`.' }) username!: string;
  @ApiProperty() first_name!: string;
  @ApiProperty() last_name!: string;
  @ApiProperty() is_active!: boolean;
  @ApiProperty() is_platform_admin!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_login_at!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class LoginResponseDto implements LoginResponse {
  @ApiProperty({ description: 'The same value as `access`, for clients that read `token`.' }) token!: string;
  @ApiProperty({ description: 'Access JWT, sent as `Authorization: Bearer <access>`.' }) access!: string;
  @ApiProperty({ description: 'Opaque refresh token (`slr_…`), for `POST /api/auth/token/refresh/`.' }) refresh!: string;
  @ApiProperty({ enum: ['Bearer'] }) token_type!: 'Bearer';
  @ApiProperty({ description: 'Seconds until the access token expires.' }) expires_in!: number;
  @ApiProperty({ type: AccountUserDto }) user!: AccountUserDto;
}

export class RegisteredTenantDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() slug!: string;
  @ApiProperty() name!: string;
}

export class RegistrationResponseDto extends LoginResponseDto {
  @ApiProperty({ type: RegisteredTenantDto }) tenant!: RegisteredTenantDto;
}

export class BrowserSessionDto {
  @ApiProperty({ type: AccountUserDto }) user!: AccountUserDto;
  @ApiProperty({ description: 'Seconds until the session cookie expires.' }) expires_in!: number;
  @ApiProperty({ description: 'Send back in `X-CSRF-Token` with every mutation authenticated by the cookie.' }) csrf_token!: string;
}

export class ProfileTenantDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() slug!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['owner', 'admin', 'member', 'viewer'] }) role!: string;
}

export class ProfileDto extends AccountUserDto implements ProfileView {
  @ApiProperty({ type: [ProfileTenantDto] }) tenants!: ProfileTenantDto[];
}

export class PersonalTokenDto implements PersonalTokenView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() prefix!: string;
  @ApiProperty() last4!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expires_at!: string | null;
  @ApiProperty({ enum: PERSONAL_TOKEN_SCOPES, isArray: true }) scopes!: PersonalTokenScope[];
  @ApiProperty() survive_password_change!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) last_used_at!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class CreatedPersonalTokenDto extends PersonalTokenDto {
  @ApiProperty({ description: 'The secret (`slp_…`): shown in this response only.' }) token!: string;
}

export class PersonalTokenPageDto {
  @ApiProperty() count!: number;
  @ApiProperty({ type: String, nullable: true, description: 'URL of the next page, null on the last.' }) next!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'URL of the previous page, null on the first.' }) previous!: string | null;
  @ApiProperty({ type: [PersonalTokenDto] }) results!: PersonalTokenDto[];
}

export class CodeSentDto {
  @ApiProperty() detail!: string;
  @ApiProperty({ description: 'Seconds the code works.' }) expires_in!: number;
}

export class TenantSignInDataDto {
  @ApiProperty({ description: 'Access JWT bound to the tenant.' }) token!: string;
  @ApiProperty({ type: AccountUserDto }) user!: AccountUserDto;
}

/** The envelope of the older API's tenant sign-in. */
export class TenantSignInResponseDto {
  @ApiProperty({ enum: ['success'] }) status!: 'success';
  @ApiProperty() message!: string;
  @ApiProperty({ type: TenantSignInDataDto }) data!: TenantSignInDataDto;
}
