import { applyDecorators, Injectable } from '@nestjs/common';
import { zxcvbn, zxcvbnOptions } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import { IsString, MaxLength, MinLength, registerDecorator, type ValidationArguments } from 'class-validator';
import * as argon2 from 'argon2';
import { createHash } from 'node:crypto';

export const MIN_PASSWORD_LENGTH = 10;

/** zxcvbn's scale runs 0-4; 3 is "safely unguessable" (about 10^8 guesses and more), its authors' threshold for accounts. */
export const MIN_PASSWORD_SCORE = 3;

/** Fields of the same body that a password must not be built from. */
const USER_INPUT_FIELDS = ['email', 'username', 'first_name', 'last_name'] as const;

const ADVICE: Record<string, string> = {
  topTen: 'is one of the most common passwords',
  topHundred: 'is one of the most common passwords',
  common: 'is a commonly used password',
  similarToCommon: 'is too close to a commonly used password',
  userInputs: 'contains your email or name',
  simpleRepeat: 'repeats characters',
  extendedRepeat: 'repeats a pattern',
  sequences: 'is a sequence such as abc or 123',
  straightRow: 'is a row of keys on the keyboard',
  keyPattern: 'is a keyboard pattern',
  dates: 'is or contains a date',
  recentYears: 'is or contains a recent year',
};

let dictionariesLoaded = false;

/** Ranking the common-password lists takes a while: done on the first check, once per process. */
function loadDictionaries(): void {
  if (dictionariesLoaded) return;
  zxcvbnOptions.setOptions({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs });
  dictionariesLoaded = true;
}

/**
 * Why a new password is too weak, or null when it is strong enough: below
 * MIN_PASSWORD_SCORE by zxcvbn with the common-password dictionaries and the
 * user's own email and names as inputs an attacker would try first.
 */
export function passwordWeakness(password: string, userInputs: ReadonlyArray<string | undefined> = []): string | null {
  const inputs = userInputs.flatMap((input) => (input ? [input, ...input.split(/[@.\s_+-]+/).filter((part) => part.length >= 3)] : []));
  const key = createHash('sha256').update(JSON.stringify([password, inputs])).digest('base64');
  if (lastCheck?.key !== key) lastCheck = { key, weakness: estimate(password, inputs) };
  return lastCheck.weakness;
}

/** The validator asks again for its message right after a failure: the last answer (by digest, not the password) saves a second estimate. */
let lastCheck: { key: string; weakness: string | null } | undefined;

function estimate(password: string, inputs: string[]): string | null {
  loadDictionaries();
  // zxcvbn's cost grows faster than the length (repeats are matched recursively): 64 characters that are hard to guess are enough.
  const result = zxcvbn(password.slice(0, 64), inputs);
  if (result.score >= MIN_PASSWORD_SCORE) return null;
  const reason = (result.feedback.warning && ADVICE[result.feedback.warning]) || 'is too easy to guess';
  return `password ${reason}: use at least ${MIN_PASSWORD_LENGTH} characters that are hard to guess, such as a few unrelated words`;
}

function IsStrongPassword(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isStrongPassword',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          return typeof value !== 'string' || value.length < MIN_PASSWORD_LENGTH || passwordWeakness(value, userInputsOf(args.object)) === null;
        },
        defaultMessage(args: ValidationArguments) {
          return passwordWeakness(String(args.value), userInputsOf(args.object)) ?? 'password is too easy to guess';
        },
      },
    });
}

function userInputsOf(body: object): string[] {
  const fields = body as Partial<Record<(typeof USER_INPUT_FIELDS)[number], unknown>>;
  return USER_INPUT_FIELDS.map((field) => fields[field]).filter((value): value is string => typeof value === 'string');
}

/**
 * A new password (docs/decisions.md, Password policy): at least 10
 * characters, at most 256 (argon2 hashes whatever it gets), and hard to
 * guess (passwordWeakness).
 */
export const IsPassword = () =>
  applyDecorators(
    IsString(),
    MinLength(MIN_PASSWORD_LENGTH, { message: `password must be at least ${MIN_PASSWORD_LENGTH} characters` }),
    MaxLength(256),
    IsStrongPassword(),
  );

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
