import { CommonEnv, loadConfig, secretOrDevDefault, type LogLevel } from '@sluice/platform';
import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';

/** The gateway's environment: the only place that knows variable names. */
class GatewayEnv extends CommonEnv {
  @IsInt({ message: 'GATEWAY_PORT must be a port number (0-65535)' })
  @Min(0, { message: 'GATEWAY_PORT must be a port number (0-65535)' })
  @Max(65535, { message: 'GATEWAY_PORT must be a port number (0-65535)' })
  readonly GATEWAY_PORT: number = 8080;

  @IsString()
  readonly GATEWAY_HOST: string = '0.0.0.0';

  /** Chat requests carry whole conversations and images: a larger limit than the control plane's. */
  @IsInt({ message: 'GATEWAY_BODY_LIMIT_BYTES must be a whole number of bytes from 1024 to 104857600' })
  @Min(1024, { message: 'GATEWAY_BODY_LIMIT_BYTES must be a whole number of bytes from 1024 to 104857600' })
  @Max(100 * 1024 * 1024, { message: 'GATEWAY_BODY_LIMIT_BYTES must be a whole number of bytes from 1024 to 104857600' })
  readonly GATEWAY_BODY_LIMIT_BYTES: number = 20 * 1024 * 1024;

  /** Seed 000's default request rate for tenants whose plan sets none. */
  @IsInt({ message: 'RATE_LIMIT_PER_MINUTE must be a whole number from 1 to 1000000' })
  @Min(1, { message: 'RATE_LIMIT_PER_MINUTE must be a whole number from 1 to 1000000' })
  @Max(1_000_000, { message: 'RATE_LIMIT_PER_MINUTE must be a whole number from 1 to 1000000' })
  readonly RATE_LIMIT_PER_MINUTE: number = 60;

  /** Verifies platform admins' tokens on /metrics/{tenant_id}; the control plane's secret. */
  @IsOptional()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  readonly JWT_SECRET?: string;
}

export interface GatewayConfig {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  readonly logLevel: LogLevel;
  readonly trustProxy: boolean;
  readonly bodyLimitBytes: number;
  readonly rateLimitPerMinute: number;
  readonly redis: { readonly url: string; readonly keyPrefix: string };
  readonly jwtSecret: string;
}

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

export function loadGatewayConfig(environment: NodeJS.ProcessEnv): GatewayConfig {
  const env = loadConfig(GatewayEnv, environment);
  return Object.freeze({
    nodeEnv: env.NODE_ENV,
    port: env.GATEWAY_PORT,
    host: env.GATEWAY_HOST,
    logLevel: env.LOG_LEVEL,
    trustProxy: env.TRUST_PROXY,
    bodyLimitBytes: env.GATEWAY_BODY_LIMIT_BYTES,
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    redis: Object.freeze({ url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX }),
    jwtSecret: secretOrDevDefault(env.JWT_SECRET, 'JWT_SECRET', env.NODE_ENV === 'production', 'sluice-development-jwt-secret-do-not-use'),
  });
}
