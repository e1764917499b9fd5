import { ConfigError } from './config-error';

/**
 * A declarative check of environment variables, without class-validator (which
 * a gateway worker does not load: docs/decisions.md, "Issue 22, memory, session
 * 8"). Each rule converts and checks one variable as class-transformer's
 * implicit conversion and class-validator's decorators did (load-config.ts, for
 * the control plane's own variables: common-env.ts decorates CommonEnv from
 * these same rules). Every message starts with the variable's name; values are
 * never echoed (they may be secrets).
 */
export type EnvRule =
  | { readonly kind: 'int' | 'number'; readonly min: number; readonly max: number; readonly message: string; readonly optional?: boolean; readonly default?: number }
  | { readonly kind: 'oneOf'; readonly values: readonly string[]; readonly message: string; readonly optional?: boolean; readonly default?: string }
  | { readonly kind: 'boolean'; readonly message: string; readonly optional?: boolean; readonly default?: boolean }
  | { readonly kind: 'matches'; readonly pattern: RegExp; readonly message: string; readonly optional?: boolean; readonly default?: string }
  | { readonly kind: 'string'; readonly minLength?: number; readonly message: string; readonly optional?: boolean; readonly default?: string };

export type EnvRules = Readonly<Record<string, EnvRule>>;

type ValueOf<R extends EnvRule> = R extends { kind: 'int' | 'number' }
  ? number
  : R extends { kind: 'boolean' }
    ? boolean
    : R extends { kind: 'oneOf'; values: readonly (infer V)[] }
      ? V
      : string;

/** The checked variables: those with a default or not optional are always there. */
export type EnvValues<T extends EnvRules> = {
  readonly [K in keyof T as T[K] extends { default: unknown } ? K : T[K] extends { optional: true } ? never : K]: ValueOf<T[K]>;
} & {
  readonly [K in keyof T as T[K] extends { default: unknown } ? never : T[K] extends { optional: true } ? K : never]?: ValueOf<T[K]>;
};

/** A whole number from `min` to `max` (`Number(text)`, as implicit conversion read it: ' 12 ' and '1e3' pass). */
export function wholeNumber(name: string, min: number, max: number, unit = ''): { kind: 'int'; min: number; max: number; message: string } {
  return { kind: 'int', min, max, message: `${name} must be a whole number${unit} from ${min} to ${max}` };
}

/**
 * Checks `environment` against `rules`, in their order, and gives the converted
 * values (frozen), defaults filled in. An empty variable counts as unset. The
 * first variable that fails throws a ConfigError naming it.
 */
export function checkEnv<T extends EnvRules>(rules: T, environment: NodeJS.ProcessEnv): EnvValues<T> {
  const values: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(rules)) {
    const raw = environment[name];
    const value = raw === undefined || raw === '' ? rule.default : envValue(rule, raw);
    if (value === undefined && rule.optional) continue;
    if (!satisfies(rule, value)) throw new ConfigError(`Invalid configuration: ${rule.message}`);
    values[name] = value;
  }
  return Object.freeze(values) as EnvValues<T>;
}

/** The variable's text converted to what its rule checks (class-transformer's implicit conversion, EnvBoolean). */
export function envValue(rule: EnvRule, raw: string): unknown {
  if (rule.kind === 'int' || rule.kind === 'number') return Number(raw);
  if (rule.kind === 'boolean') return envBoolean(raw);
  return raw;
}

/**
 * Reads "true"/"false"/"1"/"0" (any case, spaces around) as a boolean and
 * leaves anything else as it is, so the check names the variable instead of
 * reading "no" as true.
 */
export function envBoolean(raw: unknown): unknown {
  if (typeof raw === 'boolean') return raw;
  const text = String(raw).trim().toLowerCase();
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  return raw;
}

/** class-validator's IsInt/IsNumber + Min + Max, IsIn, Matches, IsString + MinLength, for one value. */
function satisfies(rule: EnvRule, value: unknown): boolean {
  switch (rule.kind) {
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) && value >= rule.min && value <= rule.max;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value >= rule.min && value <= rule.max;
    case 'oneOf':
      return rule.values.some((allowed) => allowed === value);
    case 'boolean':
      return value === true || value === false;
    case 'matches':
      return typeof value === 'string' && rule.pattern.test(value);
    case 'string':
      return typeof value === 'string' && characterCount(value) >= (rule.minLength ?? 0);
  }
}

/** Length as class-validator's MinLength counts it (validator's isLength): a surrogate pair, or a character and its variation selector, count once. */
function characterCount(text: string): number {
  const selectors = text.match(/[^\uFE0F\uFE0E][\uFE0F\uFE0E]/g)?.length ?? 0;
  const surrogatePairs = text.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)?.length ?? 0;
  return text.length - selectors - surrogatePairs;
}
