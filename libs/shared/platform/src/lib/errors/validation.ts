import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { buildMessage, ValidateBy, ValidateIf, type ValidationOptions } from 'class-validator';
import { SluiceException } from './sluice.exception';

/**
 * Validation for every DTO: unknown fields are refused, values are converted
 * to their declared types, and each failing field is listed in `details`.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    exceptionFactory: (errors) => {
      const details = flattenValidationErrors(errors);
      const fields = Object.keys(details);
      return new SluiceException('validation_error', `Invalid ${fields.join(', ')}`, details, fields.length === 1 ? fields[0] : null);
    },
  });
}

/** `{ "quota.max_users": ["must not be less than 0"] }`: dotted paths, one list of messages each. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): Record<string, string[]> {
  const details: Record<string, string[]> = {};
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const messages = Object.entries(error.constraints ?? {}).map(([name, message]) =>
      name === 'whitelistValidation' ? 'is not allowed' : stripProperty(message, error.property),
    );
    if (messages.length > 0) details[path] = messages;
    Object.assign(details, flattenValidationErrors(error.children ?? [], path));
  }
  return details;
}

function stripProperty(message: string, property: string): string {
  return message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}

/**
 * For one of two alternative fields (`user` or `email`): validates this one
 * when it is sent, or when the other is not. `@ValidateIf(dto => dto.other ===
 * undefined)` would skip both when both are sent, letting any value through.
 */
export function ValidateUnlessOnlyOther<T extends object>(other: keyof T & string): PropertyDecorator {
  return ValidateIf((dto: T, value: unknown) => value !== undefined || dto[other] === undefined);
}

/**
 * Like `@IsOptional()`, but only a field left out skips validation: a `null`
 * sent is validated like any value, so the type check refuses it. For fields
 * whose column holds no NULL (`@IsOptional()` lets `null` through to it).
 */
export function IsOptionalNotNull(): PropertyDecorator {
  return ValidateIf((_dto: object, value: unknown) => value !== undefined);
}

/**
 * A finite number with at most `places` decimals (amounts in micro-dollars).
 * class-validator's `IsNumber({ maxDecimalPlaces })` throws, a 500, on a
 * number JavaScript writes in exponent form, such as 1e-7.
 */
export function IsNumberWithDecimals(places: number, validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNumberWithDecimals',
      constraints: [places],
      validator: {
        validate: (value: unknown) => typeof value === 'number' && Number.isFinite(value) && decimalsOf(value) <= places,
        defaultMessage: buildMessage((prefix) => `${prefix}$property must be a number with at most $constraint1 decimals`, validationOptions),
      },
    },
    validationOptions,
  );
}

/** Decimals of `value` as `toString` writes it: `25.5` has 1, `1e-7` has 7, `1.5e-7` has 8, `1e21` has none. */
export function decimalsOf(value: number): number {
  const [mantissa = '', exponent = '0'] = value.toString().split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent));
}
