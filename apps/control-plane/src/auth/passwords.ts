import { applyDecorators, Injectable } from '@nestjs/common';
import { IsString, MaxLength, MinLength } from 'class-validator';
import * as argon2 from 'argon2';

export const MIN_PASSWORD_LENGTH = 10;

/** A new password: at least 10 characters (SPEC 3.1), at most 256 (argon2 hashes whatever it gets). */
export const IsPassword = () =>
  applyDecorators(IsString(), MinLength(MIN_PASSWORD_LENGTH, { message: `password must be at least ${MIN_PASSWORD_LENGTH} characters` }), MaxLength(256));

/**
 * argon2id with the library's defaults (OWASP's second recommended profile:
 * 64 MiB, t=3, p=4). Checking an unknown user still costs one verification
 * against a fixed hash, so timing does not tell which emails exist.
 */
@Injectable()
export class Passwords {
  private decoy: Promise<string> | undefined;

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id });
  }

  async verify(hash: string | null, password: string): Promise<boolean> {
    if (!hash) {
      this.decoy ??= this.hash('decoy password never matches');
      await argon2.verify(await this.decoy, password).catch(() => false);
      return false;
    }
    return argon2.verify(hash, password).catch(() => false);
  }
}
