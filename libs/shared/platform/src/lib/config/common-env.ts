// Before the decorators below run: class-transformer reads `design:type` through it.
import 'reflect-metadata';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { COMMON_ENV_RULES, type CommonEnvValues } from './common-env-rules';
import { type EnvRule, type EnvRules } from './env-rules';
import { EnvBoolean } from './env-values';

/**
 * The variables both services read, as a class an app's class-validator schema
 * extends (loadConfig). Its defaults and decorators come from COMMON_ENV_RULES,
 * the rules the gateway checks without class-validator (checkEnv), so both
 * apps accept and refuse the same values with the same messages.
 */
export const CommonEnv = class CommonEnv {
  constructor() {
    for (const [name, rule] of Object.entries(COMMON_ENV_RULES as EnvRules)) {
      if (rule.default !== undefined) (this as Record<string, unknown>)[name] = rule.default;
    }
  }
} as new () => CommonEnvValues;
export type CommonEnv = CommonEnvValues;

decorateFromRules(CommonEnv, COMMON_ENV_RULES);

/** Applies to `schema` the class-validator decorators (and the conversion) that each rule stands for. */
function decorateFromRules(schema: abstract new () => object, rules: EnvRules): void {
  for (const [name, rule] of Object.entries(rules)) {
    Reflect.defineMetadata('design:type', designType(rule), schema.prototype, name);
    for (const decorator of decoratorsOf(rule)) decorator(schema.prototype, name);
  }
}

function designType(rule: EnvRule): NumberConstructor | BooleanConstructor | StringConstructor {
  if (rule.kind === 'int' || rule.kind === 'number') return Number;
  return rule.kind === 'boolean' ? Boolean : String;
}

function decoratorsOf(rule: EnvRule): PropertyDecorator[] {
  const options = { message: rule.message };
  const optional = rule.optional ? [IsOptional()] : [];
  switch (rule.kind) {
    case 'int':
      return [...optional, IsInt(options), Min(rule.min, options), Max(rule.max, options)];
    case 'number':
      return [...optional, IsNumber({}, options), Min(rule.min, options), Max(rule.max, options)];
    case 'oneOf':
      return [...optional, IsIn([...rule.values], options)];
    case 'boolean':
      return [...optional, EnvBoolean(), IsIn([true, false], options)];
    case 'matches':
      return [...optional, Matches(rule.pattern, options)];
    case 'string':
      return [...optional, rule.minLength === undefined ? IsString(options) : MinLength(rule.minLength, options)];
  }
}
