import { IsInt, Max, Min } from 'class-validator';
import { CommonEnv } from './common-env';
import { ConfigError } from './config-error';
import { loadConfig } from './load-config';
import { secretOrDevDefault } from './secret-or-dev-default';
import { shutdownSettings } from './shutdown-settings';
import { describeStartupError } from './startup';

class ExampleEnv extends CommonEnv {
  @IsInt({ message: 'EXAMPLE_PORT must be a port number (0-65535)' })
  @Min(0, { message: 'EXAMPLE_PORT must be a port number (0-65535)' })
  @Max(65535, { message: 'EXAMPLE_PORT must be a port number (0-65535)' })
  readonly EXAMPLE_PORT: number = 8000;
}

describe('loadConfig', () => {
  it('applies defaults and converts types', () => {
    const config = loadConfig(ExampleEnv, { EXAMPLE_PORT: '9000', TRACING_ENABLED: 'true' });
    expect(config.EXAMPLE_PORT).toBe(9000);
    expect(config.TRACING_ENABLED).toBe(true);
    expect(config.TRUST_PROXY).toBe('false');
    expect(config.REQUEST_TIMEOUT_MS).toBe(30_000);
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379/0');
    expect(config.LOG_LEVEL).toBe('info');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig(ExampleEnv, { EXAMPLE_PORT: '' }).EXAMPLE_PORT).toBe(8000);
  });

  it.each([
    [{ EXAMPLE_PORT: 'eighty' }, 'Invalid configuration: EXAMPLE_PORT must be a port number (0-65535)'],
    [{ EXAMPLE_PORT: '70000' }, 'Invalid configuration: EXAMPLE_PORT must be a port number (0-65535)'],
    [{ REDIS_URL: 'http://localhost' }, 'Invalid configuration: REDIS_URL must be a redis:// or rediss:// URL'],
    [{ LOG_LEVEL: 'loud' }, 'Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent'],
    [{ TRACING_ENABLED: 'yes' }, 'Invalid configuration: TRACING_ENABLED must be true or false'],
    [{ REQUEST_TIMEOUT_MS: '0' }, 'Invalid configuration: REQUEST_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 600000'],
    [{ CONNECTION_TIMEOUT_MS: '1h' }, 'Invalid configuration: CONNECTION_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 3600000'],
    [{ SHUTDOWN_DRAIN_DELAY_MS: '-1' }, 'Invalid configuration: SHUTDOWN_DRAIN_DELAY_MS must be a whole number of milliseconds from 0 to 600000'],
    [{ SHUTDOWN_GRACE_MS: '5s' }, 'Invalid configuration: SHUTDOWN_GRACE_MS must be a whole number of milliseconds from 1000 to 3600000'],
  ])('refuses %p with one line naming the variable', (env, message) => {
    expect(() => loadConfig(ExampleEnv, env)).toThrow(new ConfigError(message));
  });

  it('never echoes a value, which may be a secret', () => {
    expect(() => loadConfig(ExampleEnv, { REDIS_URL: 'http://user:s3cr3t@host' })).toThrow(/^(?!.*s3cr3t)/);
  });

  it('requires secrets in production and gives development a fixed default', () => {
    expect(secretOrDevDefault(undefined, 'JWT_SECRET', false, 'dev-value')).toBe('dev-value');
    expect(secretOrDevDefault('set', 'JWT_SECRET', true, 'dev-value')).toBe('set');
    expect(() => secretOrDevDefault(undefined, 'JWT_SECRET', true, 'dev-value')).toThrow(
      'Invalid configuration: JWT_SECRET must be set when NODE_ENV=production',
    );
  });

  it('refuses a published or placeholder secret in production only, without echoing it', () => {
    const published = 'sluice-development-jwt-secret-do-not-use';
    expect(secretOrDevDefault(published, 'JWT_SECRET', false, 'dev-value')).toBe(published);
    expect(() => secretOrDevDefault(published, 'JWT_SECRET', true, 'dev-value')).toThrow(/^Invalid configuration: JWT_SECRET is a value published in the Sluice repository or a placeholder/);
    expect(() => secretOrDevDefault(published, 'JWT_SECRET', true, 'dev-value')).toThrow(/^(?!.*do-not-use)/);
  });
});

describe('shutdownSettings', () => {
  it('reads the drain delay and grace, with defaults for a process without a preStop pause in front', () => {
    expect(shutdownSettings(loadConfig(CommonEnv, {}))).toEqual({ drainDelayMs: 0, graceMs: 25_000 });
    expect(shutdownSettings(loadConfig(CommonEnv, { SHUTDOWN_DRAIN_DELAY_MS: '5000', SHUTDOWN_GRACE_MS: '30000' }))).toEqual({ drainDelayMs: 5_000, graceMs: 30_000 });
  });
});

describe('describeStartupError', () => {
  it('explains an unreachable dependency in one line', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 5432 });
    expect(describeStartupError(refused)).toBe(
      'cannot reach a dependency at 127.0.0.1:5432 (ECONNREFUSED): is it running, and are DATABASE_URL and REDIS_URL (or REDIS_CLUSTER_NODES) right?',
    );
    expect(describeStartupError(new AggregateError([refused]))).toContain('127.0.0.1:5432');
  });

  it('passes configuration errors through as they are', () => {
    expect(describeStartupError(new ConfigError('Invalid configuration: X must be set'))).toBe('Invalid configuration: X must be set');
  });
});
