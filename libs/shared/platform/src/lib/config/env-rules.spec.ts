import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { CommonEnv } from './common-env';
import { COMMON_ENV_RULES } from './common-env-rules';
import { ConfigError } from './config-error';
import { checkEnv, wholeNumber } from './env-rules';
import { loadConfig } from './load-config';

/** The same variables twice: as class-validator decorators (loadConfig) and as rules (checkEnv). */
class ExampleEnv extends CommonEnv {
  @IsInt({ message: 'EXAMPLE_COUNT must be a whole number from 1 to 100' })
  @Min(1, { message: 'EXAMPLE_COUNT must be a whole number from 1 to 100' })
  @Max(100, { message: 'EXAMPLE_COUNT must be a whole number from 1 to 100' })
  readonly EXAMPLE_COUNT: number = 10;

  @IsOptional()
  @IsInt({ message: 'EXAMPLE_LIMIT must be a whole number from 0 to 9' })
  @Min(0, { message: 'EXAMPLE_LIMIT must be a whole number from 0 to 9' })
  @Max(9, { message: 'EXAMPLE_LIMIT must be a whole number from 0 to 9' })
  readonly EXAMPLE_LIMIT?: number;

  @IsIn(['a', 'b'], { message: 'EXAMPLE_MODE must be one of a, b' })
  readonly EXAMPLE_MODE: 'a' | 'b' = 'a';

  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'EXAMPLE_URL must be an http:// or https:// URL' })
  readonly EXAMPLE_URL?: string;

  @IsOptional()
  @MinLength(4, { message: 'EXAMPLE_SECRET must be at least 4 characters' })
  readonly EXAMPLE_SECRET?: string;

  @IsString()
  readonly EXAMPLE_NAME: string = 'x';
}

const EXAMPLE_RULES = {
  EXAMPLE_COUNT: { ...wholeNumber('EXAMPLE_COUNT', 1, 100), default: 10 },
  EXAMPLE_LIMIT: { ...wholeNumber('EXAMPLE_LIMIT', 0, 9), optional: true },
  EXAMPLE_MODE: { kind: 'oneOf', values: ['a', 'b'], message: 'EXAMPLE_MODE must be one of a, b', default: 'a' },
  EXAMPLE_URL: { kind: 'matches', pattern: /^https?:\/\/[^\s]+$/, message: 'EXAMPLE_URL must be an http:// or https:// URL', optional: true },
  EXAMPLE_SECRET: { kind: 'string', minLength: 4, message: 'EXAMPLE_SECRET must be at least 4 characters', optional: true },
  EXAMPLE_NAME: { kind: 'string', message: 'EXAMPLE_NAME must be a string', default: 'x' },
  ...COMMON_ENV_RULES,
} as const;

/** What each check makes of `env`: the declared variables' values, or the message it refuses them with. */
function outcome(check: () => object): unknown {
  try {
    const values = check() as Record<string, unknown>;
    return Object.fromEntries(Object.keys(EXAMPLE_RULES).map((name) => [name, values[name]]));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
}

const numbers = ['', ' ', '  12 ', '1e1', '0x10', '0b11', '1.5', '-0', '+5', 'Infinity', '-Infinity', 'NaN', 'ten', '100', '101', '0', '9', '10'];
const booleans = ['true', 'TRUE', ' 1 ', '0', 'false', 'False', 'yes', 'no', '', ' '];
const texts = ['', ' ', 'a', 'A', ' a', 'b', 'http://x', 'https://x y', 'ftp://x', 'abc', 'abcd', '😀😀😀', '😀😀😀😀', 'a\uFE0Fbc', 'a\uFE0Fbcd', 'redis://h', 'rediss://h:1/2', 'redis://'];

const cases: NodeJS.ProcessEnv[] = [
  {},
  ...numbers.flatMap((value) => [
    { EXAMPLE_COUNT: value },
    { EXAMPLE_LIMIT: value },
    { USAGE_STREAM_SHARDS: value },
    { REQUEST_TIMEOUT_MS: value },
    { SHUTDOWN_DRAIN_DELAY_MS: value },
    { OTEL_TRACES_SAMPLER_ARG: value },
    { OTEL_TRACES_SAMPLER_ARG: value === '' ? '' : `0.${value}` },
  ]),
  ...booleans.flatMap((value) => [{ TRACING_ENABLED: value }, { REDIS_CLUSTER_TLS: value }]),
  ...texts.flatMap((value) => [
    { EXAMPLE_MODE: value },
    { EXAMPLE_URL: value },
    { EXAMPLE_SECRET: value },
    { EXAMPLE_NAME: value },
    { NODE_ENV: value },
    { LOG_LEVEL: value },
    { REDIS_URL: value },
    { REDIS_KEY_PREFIX: value },
    { REDIS_CLUSTER_NODES: value },
    { OTEL_SERVICE_NAME: value },
    { OTEL_EXPORTER_OTLP_HEADERS: value },
    { OTEL_TRACES_SAMPLER: value },
  ]),
  { NODE_ENV: 'production', LOG_LEVEL: 'debug', REDIS_CLUSTER_NODES: 'a:1,b:2', TRACING_ENABLED: '1', OTEL_TRACES_SAMPLER: 'always_off' },
  // Several at fault: the first in the schema's order is named (the app's own variables, then the common ones).
  { LOG_LEVEL: 'loud', EXAMPLE_COUNT: '0' },
  { REQUEST_TIMEOUT_MS: '1', NODE_ENV: 'prod', EXAMPLE_SECRET: 'abc', EXAMPLE_URL: 'x' },
  { SHUTDOWN_GRACE_MS: '1', REDIS_URL: 'x' },
];

describe('checkEnv', () => {
  it.each(cases)('accepts and refuses %p as class-validator did (loadConfig), with the same values and message', (env) => {
    expect(outcome(() => checkEnv(EXAMPLE_RULES, env))).toEqual(outcome(() => loadConfig(ExampleEnv, env)));
  });

  it('gives the converted values, defaults filled in, frozen, and nothing else of the environment', () => {
    const env = checkEnv(EXAMPLE_RULES, { EXAMPLE_COUNT: '42', TRACING_ENABLED: 'TRUE', PATH: '/bin', EXAMPLE_SECRET: '' });

    expect(env).toMatchObject({ EXAMPLE_COUNT: 42, TRACING_ENABLED: true, EXAMPLE_MODE: 'a', LOG_LEVEL: 'info', CONNECTION_TIMEOUT_MS: 60_000 });
    expect(env).not.toHaveProperty('EXAMPLE_SECRET');
    expect(env).not.toHaveProperty('PATH');
    expect(Object.isFrozen(env)).toBe(true);
  });

  it('never echoes a value, which may be a secret', () => {
    expect(() => checkEnv(EXAMPLE_RULES, { REDIS_URL: 'http://user:s3cr3t@host' })).toThrow(
      new ConfigError('Invalid configuration: REDIS_URL must be a redis:// or rediss:// URL'),
    );
  });
});
