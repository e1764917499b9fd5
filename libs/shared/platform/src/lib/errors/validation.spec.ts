import { plainToInstance } from 'class-transformer';
import { IsEmail, IsString, IsUUID, validateSync } from 'class-validator';
import { decimalsOf, IsNumberWithDecimals, IsOptionalNotNull, ValidateUnlessOnlyOther } from './validation';

class UserOrEmail {
  @ValidateUnlessOnlyOther<UserOrEmail>('email') @IsUUID() user?: unknown;
  @ValidateUnlessOnlyOther<UserOrEmail>('user') @IsEmail() email?: unknown;
}

const invalidFields = (body: object) => validateSync(plainToInstance(UserOrEmail, body)).map((error) => error.property);

describe('ValidateUnlessOnlyOther', () => {
  it('asks for one of the two, and validates whichever is sent', () => {
    expect(invalidFields({})).toEqual(['user', 'email']);
    expect(invalidFields({ user: '8f14e45f-ceea-467f-a0e1-3b4f8a1c2d5e' })).toEqual([]);
    expect(invalidFields({ email: 'a@example.com' })).toEqual([]);
    expect(invalidFields({ user: 'nope' })).toEqual(['user']);
  });

  it('validates both when both are sent, so neither slips through unchecked', () => {
    expect(invalidFields({ user: 1e21, email: 'a@example.com' })).toEqual(['user']);
    expect(invalidFields({ user: '8f14e45f-ceea-467f-a0e1-3b4f8a1c2d5e', email: { $ne: null } })).toEqual(['email']);
  });
});

class Profile {
  @IsOptionalNotNull() @IsString() name?: unknown;
}

describe('IsOptionalNotNull', () => {
  const problems = (body: object) => validateSync(plainToInstance(Profile, body)).map((error) => error.property);

  it('lets the field be left out, but validates a null sent like any other value', () => {
    expect(problems({})).toEqual([]);
    expect(problems({ name: 'Ada' })).toEqual([]);
    expect(problems({ name: null })).toEqual(['name']);
    expect(problems({ name: 7 })).toEqual(['name']);
  });
});

class TopUp {
  @IsNumberWithDecimals(6) amount?: unknown;
}

describe('IsNumberWithDecimals', () => {
  const problems = (amount: unknown) => validateSync(plainToInstance(TopUp, { amount })).map((error) => error.constraints);

  it('counts decimals of numbers written in exponent form, where IsNumber({ maxDecimalPlaces }) throws', () => {
    expect(decimalsOf(25.5)).toBe(1);
    expect(decimalsOf(1e-7)).toBe(7);
    expect(decimalsOf(1.5e-7)).toBe(8);
    expect(decimalsOf(1e21)).toBe(0);
    expect(problems(0.000001)).toEqual([]);
    expect(problems(1e21)).toEqual([]);
    expect(problems(1e-7)).toEqual([{ isNumberWithDecimals: 'amount must be a number with at most 6 decimals' }]);
    expect(problems('1')).toHaveLength(1);
    expect(problems(Number.NaN)).toHaveLength(1);
  });
});
