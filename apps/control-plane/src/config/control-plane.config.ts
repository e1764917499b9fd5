import { DestinationPolicy, InvalidCidrListError, parseCidrList, type Cidr } from '@sluice/auth';
import {
  ConfigError,
  redisConnectionSettings,
  providerCredentialEnvs,
  refuseKnownSecret,
  secretOrDevDefault,
  shutdownSettings,
  tracingSettings,
  trustProxySetting,
  type LogLevel,
  type RedisConnectionSettings,
  type ShutdownSettings,
  type TracingSettings,
  type TrustProxy,
} from '@sluice/platform';
import { CommonEnv, EnvBoolean, loadConfig } from '@sluice/platform/validation';
import { IsEmail, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';

/** The control plane's environment: the only place that knows variable names. */
class ControlPlaneEnv extends CommonEnv {
  @IsInt({ message: 'CONTROL_PLANE_PORT must be a port number (0-65535)' })
  @Min(0, { message: 'CONTROL_PLANE_PORT must be a port number (0-65535)' })
  @Max(65535, { message: 'CONTROL_PLANE_PORT must be a port number (0-65535)' })
  readonly CONTROL_PLANE_PORT: number = 8000;

  @IsString()
  readonly CONTROL_PLANE_HOST: string = '0.0.0.0';

  /** Prometheus scrapes GET /metrics here (on CONTROL_PLANE_HOST), never on the API port. */
  @IsInt({ message: 'CONTROL_PLANE_METRICS_PORT must be a port number (0-65535)' })
  @Min(0, { message: 'CONTROL_PLANE_METRICS_PORT must be a port number (0-65535)' })
  @Max(65535, { message: 'CONTROL_PLANE_METRICS_PORT must be a port number (0-65535)' })
  readonly CONTROL_PLANE_METRICS_PORT: number = 9464;

  /** The gateway's default request rate (same variable, same value): live limits show it for a tenant whose plan sets none. */
  @IsInt({ message: 'RATE_LIMIT_PER_MINUTE must be a whole number from 1 to 1000000' })
  @Min(1, { message: 'RATE_LIMIT_PER_MINUTE must be a whole number from 1 to 1000000' })
  @Max(1_000_000, { message: 'RATE_LIMIT_PER_MINUTE must be a whole number from 1 to 1000000' })
  readonly RATE_LIMIT_PER_MINUTE: number = 60;

  /**
   * Scheme and host clients reach the API at (https://sluice.example.com), for
   * absolute pagination links; unset, links are relative (/api/...?page=2).
   * Never taken from Host or X-Forwarded-Host, which clients write.
   */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, { message: 'PUBLIC_BASE_URL must be an http:// or https:// URL without query (https://sluice.example.com)' })
  readonly PUBLIC_BASE_URL?: string;

  /** The built web console (index.html and assets) served at /console/; default: the `console` folder next to the control plane's build. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  readonly CONSOLE_DIR?: string;

  /** Serve the OpenAPI document and UI at /docs and /docs-json; defaults to off under NODE_ENV=production. */
  @IsOptional()
  @EnvBoolean()
  @IsIn([true, false], { message: 'OPENAPI_DOCS_ENABLED must be true or false' })
  readonly OPENAPI_DOCS_ENABLED?: boolean;

  @Matches(/^postgres(ql)?:\/\/[^\s/]+\/[^\s/?]+(\?\S*)?$/, {
    message: 'DATABASE_URL must be a postgres:// URL naming a database (postgres://user@host:5432/sluice)',
  })
  readonly DATABASE_URL: string = 'postgres://postgres@127.0.0.1:5432/sluice';

  @IsInt({ message: 'DATABASE_POOL_SIZE must be a whole number from 1 to 100' })
  @Min(1, { message: 'DATABASE_POOL_SIZE must be a whole number from 1 to 100' })
  @Max(100, { message: 'DATABASE_POOL_SIZE must be a whole number from 1 to 100' })
  readonly DATABASE_POOL_SIZE: number = 10;

  /** Defaults to true except under NODE_ENV=production, where a migration job runs them. */
  @IsOptional()
  @EnvBoolean()
  @IsIn([true, false], { message: 'MIGRATE_ON_START must be true or false' })
  readonly MIGRATE_ON_START?: boolean;

  @IsInt({ message: 'BODY_LIMIT_BYTES must be a whole number of bytes from 1024 to 104857600' })
  @Min(1024, { message: 'BODY_LIMIT_BYTES must be a whole number of bytes from 1024 to 104857600' })
  @Max(100 * 1024 * 1024, { message: 'BODY_LIMIT_BYTES must be a whole number of bytes from 1024 to 104857600' })
  readonly BODY_LIMIT_BYTES: number = 1024 * 1024;

  @IsInt({ message: 'ACCESS_TOKEN_TTL_SECONDS must be a whole number of seconds from 60 to 86400' })
  @Min(60, { message: 'ACCESS_TOKEN_TTL_SECONDS must be a whole number of seconds from 60 to 86400' })
  @Max(86_400, { message: 'ACCESS_TOKEN_TTL_SECONDS must be a whole number of seconds from 60 to 86400' })
  readonly ACCESS_TOKEN_TTL_SECONDS: number = 15 * 60;

  @IsInt({ message: 'REFRESH_TOKEN_TTL_SECONDS must be a whole number of seconds from 300 to 31536000' })
  @Min(300, { message: 'REFRESH_TOKEN_TTL_SECONDS must be a whole number of seconds from 300 to 31536000' })
  @Max(31_536_000, { message: 'REFRESH_TOKEN_TTL_SECONDS must be a whole number of seconds from 300 to 31536000' })
  readonly REFRESH_TOKEN_TTL_SECONDS: number = 30 * 86_400;

  /** Self-service registration (`POST /api/auth/register/`); defaults to true except under NODE_ENV=production. */
  @IsOptional()
  @EnvBoolean()
  @IsIn([true, false], { message: 'ALLOW_SIGNUP must be true or false' })
  readonly ALLOW_SIGNUP?: boolean;

  /** Origins besides the control plane's own host whose pages may sign in with a cookie (`POST /api/auth/login/`). */
  @IsOptional()
  @Matches(/^\s*https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/?\s*(,\s*https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/?\s*)*$/, {
    message: 'ALLOWED_ORIGINS must be a comma-separated list of origins such as https://console.example.com',
  })
  readonly ALLOWED_ORIGINS?: string;

  /** The platform admin created on a database without users. */
  @IsOptional()
  @IsEmail({}, { message: 'SLUICE_ADMIN_EMAIL must be an email address' })
  readonly SLUICE_ADMIN_EMAIL?: string;

  @IsOptional()
  @MinLength(10, { message: 'SLUICE_ADMIN_PASSWORD must be at least 10 characters' })
  readonly SLUICE_ADMIN_PASSWORD?: string;

  /** Requests per hour per client IP for anonymous callers, per principal for signed-in ones; logins per minute per IP and username. */
  @IsInt({ message: 'THROTTLE_ANONYMOUS_PER_HOUR must be a whole number from 1' })
  @Min(1, { message: 'THROTTLE_ANONYMOUS_PER_HOUR must be a whole number from 1' })
  readonly THROTTLE_ANONYMOUS_PER_HOUR: number = 100;

  @IsInt({ message: 'THROTTLE_AUTHENTICATED_PER_HOUR must be a whole number from 1' })
  @Min(1, { message: 'THROTTLE_AUTHENTICATED_PER_HOUR must be a whole number from 1' })
  readonly THROTTLE_AUTHENTICATED_PER_HOUR: number = 1000;

  @IsInt({ message: 'THROTTLE_LOGIN_PER_MINUTE must be a whole number from 1' })
  @Min(1, { message: 'THROTTLE_LOGIN_PER_MINUTE must be a whole number from 1' })
  readonly THROTTLE_LOGIN_PER_MINUTE: number = 10;

  /** Self-service registrations per hour per client IP: each one creates a tenant. */
  @IsInt({ message: 'THROTTLE_SIGNUP_PER_HOUR must be a whole number from 1' })
  @Min(1, { message: 'THROTTLE_SIGNUP_PER_HOUR must be a whole number from 1' })
  readonly THROTTLE_SIGNUP_PER_HOUR: number = 5;

  @IsOptional()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  readonly JWT_SECRET?: string;

  @IsOptional()
  @Matches(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/, { message: 'SECRETS_KEY must be 32 bytes, as 64 hex digits or base64' })
  readonly SECRETS_KEY?: string;

  /** Keys `SECRETS_KEY` replaced, comma-separated, so secrets sealed under them still open during a rotation. */
  @IsOptional()
  @Matches(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)(,([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=))*$/, {
    message: 'SECRETS_KEY_PREVIOUS must be 32-byte keys (64 hex digits or base64) separated by commas',
  })
  readonly SECRETS_KEY_PREVIOUS?: string;

  /** Where the catalog's `mock-*` deployments send requests; defaults to the mock provider's port on this host. */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'MOCK_PROVIDER_URL must be an http:// or https:// URL' })
  readonly MOCK_PROVIDER_URL?: string;

  @IsInt({ message: 'MOCK_PROVIDER_PORT must be a port number (0-65535)' })
  @Min(0, { message: 'MOCK_PROVIDER_PORT must be a port number (0-65535)' })
  @Max(65535, { message: 'MOCK_PROVIDER_PORT must be a port number (0-65535)' })
  readonly MOCK_PROVIDER_PORT: number = 9100;

  /** The only variables catalog deployments may name as `credential_env` (comma-separated); the gateway's list. */
  @IsOptional()
  @IsString()
  readonly PROVIDER_CREDENTIAL_ENVS?: string;

  /** The checked-in catalog upserted on start; relative paths are from the working directory. */
  @IsString()
  @MinLength(1, { message: 'CATALOG_FILE must be a path' })
  readonly CATALOG_FILE: string = 'catalog/catalog.json';

  /** How often the Redis projection is compared with the database and repaired. */
  @IsInt({ message: 'PROJECTION_RECONCILE_INTERVAL_MS must be a whole number of milliseconds from 100 to 86400000' })
  @Min(100, { message: 'PROJECTION_RECONCILE_INTERVAL_MS must be a whole number of milliseconds from 100 to 86400000' })
  @Max(86_400_000, { message: 'PROJECTION_RECONCILE_INTERVAL_MS must be a whole number of milliseconds from 100 to 86400000' })
  readonly PROJECTION_RECONCILE_INTERVAL_MS: number = 60_000;

  /** Whether this process consumes the usage stream into the ledger. */
  @EnvBoolean()
  @IsIn([true, false], { message: 'METERING_ENABLED must be true or false' })
  readonly METERING_ENABLED: boolean = true;

  /** Usage events read (and committed) per batch. */
  @IsInt({ message: 'METERING_BATCH_SIZE must be a whole number from 1 to 10000' })
  @Min(1, { message: 'METERING_BATCH_SIZE must be a whole number from 1 to 10000' })
  @Max(10_000, { message: 'METERING_BATCH_SIZE must be a whole number from 1 to 10000' })
  readonly METERING_BATCH_SIZE: number = 1_000;

  /** How long an event stays pending with a consumer before another claims it (the owner is presumed dead). */
  @IsInt({ message: 'METERING_CLAIM_IDLE_MS must be a whole number of milliseconds from 100 to 86400000' })
  @Min(100, { message: 'METERING_CLAIM_IDLE_MS must be a whole number of milliseconds from 100 to 86400000' })
  @Max(86_400_000, { message: 'METERING_CLAIM_IDLE_MS must be a whole number of milliseconds from 100 to 86400000' })
  readonly METERING_CLAIM_IDLE_MS: number = 30_000;

  /** Ledger transactions a batch is written as, at once, split by tenant (each takes a database connection while it runs). */
  @IsInt({ message: 'METERING_WRITERS must be a whole number from 1 to 8' })
  @Min(1, { message: 'METERING_WRITERS must be a whole number from 1 to 8' })
  @Max(8, { message: 'METERING_WRITERS must be a whole number from 1 to 8' })
  readonly METERING_WRITERS: number = 2;

  /**
   * Months of `usage_events` kept attached (docs/operations.md, "Usage event partitions"): older monthly partitions are
   * detached by the partitions job. Unset: every month is kept. At least 2, so the month a statement is being closed
   * for is never detached under it.
   */
  @IsOptional()
  @IsInt({ message: 'USAGE_EVENTS_RETENTION_MONTHS must be a whole number of months from 2 to 1200, or unset to keep every month' })
  @Min(2, { message: 'USAGE_EVENTS_RETENTION_MONTHS must be a whole number of months from 2 to 1200, or unset to keep every month' })
  @Max(1200, { message: 'USAGE_EVENTS_RETENTION_MONTHS must be a whole number of months from 2 to 1200, or unset to keep every month' })
  readonly USAGE_EVENTS_RETENTION_MONTHS?: number;

  /** Monthly partitions of `usage_events` the partitions job keeps ready past the current month. */
  @IsInt({ message: 'USAGE_PARTITIONS_AHEAD_MONTHS must be a whole number of months from 1 to 24' })
  @Min(1, { message: 'USAGE_PARTITIONS_AHEAD_MONTHS must be a whole number of months from 1 to 24' })
  @Max(24, { message: 'USAGE_PARTITIONS_AHEAD_MONTHS must be a whole number of months from 1 to 24' })
  readonly USAGE_PARTITIONS_AHEAD_MONTHS: number = 3;

  /** How often the partitions job runs (creates partitions ahead, drains the default partition, detaches past retention). */
  @IsInt({ message: 'USAGE_PARTITIONS_INTERVAL_MS must be a whole number of milliseconds from 1000 to 86400000' })
  @Min(1000, { message: 'USAGE_PARTITIONS_INTERVAL_MS must be a whole number of milliseconds from 1000 to 86400000' })
  @Max(86_400_000, { message: 'USAGE_PARTITIONS_INTERVAL_MS must be a whole number of milliseconds from 1000 to 86400000' })
  readonly USAGE_PARTITIONS_INTERVAL_MS: number = 3_600_000;

  /** Stripe (docs/billing.md): without a secret key, checkout and portal answer 503 `billing_not_configured`. */
  @IsOptional()
  @Matches(/^(sk|rk)_(test|live)_\S+$/, { message: 'STRIPE_SECRET_KEY must be a Stripe secret key (sk_test_… or sk_live_…)' })
  readonly STRIPE_SECRET_KEY?: string;

  /** Where the stripe library sends its calls; tests and `npm start` point it at tools/fake-stripe. */
  @Matches(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/?$/, { message: 'STRIPE_API_BASE must be an http(s) URL without a path, such as https://api.stripe.com' })
  readonly STRIPE_API_BASE: string = 'https://api.stripe.com';

  /** Verifies `Stripe-Signature` on the webhook route; without it that route answers 503 `billing_not_configured`. */
  @IsOptional()
  @Matches(/^whsec_\S+$/, { message: 'STRIPE_WEBHOOK_SECRET must be a webhook signing secret (whsec_…)' })
  readonly STRIPE_WEBHOOK_SECRET?: string;

  /** How long a tenant whose payment failed stays usable before it is suspended (0: at once). */
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'BILLING_GRACE_PERIOD_HOURS must be a number of hours from 0 to 8760' })
  @Min(0, { message: 'BILLING_GRACE_PERIOD_HOURS must be a number of hours from 0 to 8760' })
  @Max(8760, { message: 'BILLING_GRACE_PERIOD_HOURS must be a number of hours from 0 to 8760' })
  readonly BILLING_GRACE_PERIOD_HOURS: number = 72;

  /** How often the period-close job looks for ended periods and unsent statement lines. */
  @IsInt({ message: 'BILLING_CLOSE_INTERVAL_MS must be a whole number of milliseconds from 100 to 86400000' })
  @Min(100, { message: 'BILLING_CLOSE_INTERVAL_MS must be a whole number of milliseconds from 100 to 86400000' })
  @Max(86_400_000, { message: 'BILLING_CLOSE_INTERVAL_MS must be a whole number of milliseconds from 100 to 86400000' })
  readonly BILLING_CLOSE_INTERVAL_MS: number = 60_000;

  /** Where Stripe Checkout sends the customer back after paying or giving up. */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'STRIPE_SUCCESS_URL must be an http:// or https:// URL' })
  readonly STRIPE_SUCCESS_URL?: string;

  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'STRIPE_CANCEL_URL must be an http:// or https:// URL' })
  readonly STRIPE_CANCEL_URL?: string;

  /** Delays in seconds between attempts of an inbound event whose processing failed; after the last one it is `failed`. */
  @Matches(/^\s*\d{1,5}(\.\d{1,3})?\s*(,\s*\d{1,5}(\.\d{1,3})?\s*){0,9}$/, {
    message: 'INBOUND_RETRY_SCHEDULE must be up to 10 delays in seconds separated by commas, such as 60,120,240',
  })
  readonly INBOUND_RETRY_SCHEDULE: string = '60,120,240';

  /** Non-public ranges an integration provider's URLs may reach (comma-separated CIDRs); none by default. */
  @IsOptional()
  @IsString()
  readonly INTEGRATIONS_ALLOWED_PRIVATE_CIDRS?: string;

  /** How often every active provider's health path is probed (once per interval across all replicas). */
  @IsInt({ message: 'INTEGRATIONS_HEALTH_INTERVAL_MS must be a whole number of milliseconds from 100 to 86400000' })
  @Min(100, { message: 'INTEGRATIONS_HEALTH_INTERVAL_MS must be a whole number of milliseconds from 100 to 86400000' })
  @Max(86_400_000, { message: 'INTEGRATIONS_HEALTH_INTERVAL_MS must be a whole number of milliseconds from 100 to 86400000' })
  readonly INTEGRATIONS_HEALTH_INTERVAL_MS: number = 60_000;

  /** A probe answered more slowly than this is `degraded`. */
  @IsInt({ message: 'INTEGRATIONS_HEALTH_DEGRADED_MS must be a whole number of milliseconds from 1 to 600000' })
  @Min(1, { message: 'INTEGRATIONS_HEALTH_DEGRADED_MS must be a whole number of milliseconds from 1 to 600000' })
  @Max(600_000, { message: 'INTEGRATIONS_HEALTH_DEGRADED_MS must be a whole number of milliseconds from 1 to 600000' })
  readonly INTEGRATIONS_HEALTH_DEGRADED_MS: number = 1_000;

  /** How long a call to a provider (probe, sync page) may take before it counts as down or failed. */
  @IsInt({ message: 'INTEGRATIONS_FETCH_TIMEOUT_MS must be a whole number of milliseconds from 100 to 600000' })
  @Min(100, { message: 'INTEGRATIONS_FETCH_TIMEOUT_MS must be a whole number of milliseconds from 100 to 600000' })
  @Max(600_000, { message: 'INTEGRATIONS_FETCH_TIMEOUT_MS must be a whole number of milliseconds from 100 to 600000' })
  readonly INTEGRATIONS_FETCH_TIMEOUT_MS: number = 5_000;

  /** Inbound webhook requests per minute per provider, unless the provider sets its own limit. */
  @IsInt({ message: 'INTEGRATIONS_WEBHOOK_RATE_PER_MINUTE must be a whole number from 1 to 1000000' })
  @Min(1, { message: 'INTEGRATIONS_WEBHOOK_RATE_PER_MINUTE must be a whole number from 1 to 1000000' })
  @Max(1_000_000, { message: 'INTEGRATIONS_WEBHOOK_RATE_PER_MINUTE must be a whole number from 1 to 1000000' })
  readonly INTEGRATIONS_WEBHOOK_RATE_PER_MINUTE: number = 600;

  /** Records asked for per page of a data sync. */
  @IsInt({ message: 'INTEGRATIONS_SYNC_PAGE_SIZE must be a whole number from 1 to 1000' })
  @Min(1, { message: 'INTEGRATIONS_SYNC_PAGE_SIZE must be a whole number from 1 to 1000' })
  @Max(1_000, { message: 'INTEGRATIONS_SYNC_PAGE_SIZE must be a whole number from 1 to 1000' })
  readonly INTEGRATIONS_SYNC_PAGE_SIZE: number = 100;

  /** How long the job of a replica that died stays locked before another replica takes it over; stalled jobs are looked for at the same interval. */
  @IsInt({ message: 'INTEGRATIONS_JOB_LOCK_MS must be a whole number of milliseconds from 1000 to 600000' })
  @Min(1_000, { message: 'INTEGRATIONS_JOB_LOCK_MS must be a whole number of milliseconds from 1000 to 600000' })
  @Max(600_000, { message: 'INTEGRATIONS_JOB_LOCK_MS must be a whole number of milliseconds from 1000 to 600000' })
  readonly INTEGRATIONS_JOB_LOCK_MS: number = 30_000;

  /** Seconds between a failed webhook delivery and each retry (docs/webhooks.md); the Standard Webhooks schedule by default. */
  @IsOptional()
  @Matches(/^\s*\d{1,6}\s*(,\s*\d{1,6}\s*){0,19}$/, { message: 'WEBHOOK_RETRY_SCHEDULE must be up to 20 whole numbers of seconds separated by commas (5,300,1800)' })
  readonly WEBHOOK_RETRY_SCHEDULE?: string;

  /** An endpoint whose deliveries have failed for this long is disabled. */
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'WEBHOOK_DISABLE_AFTER_HOURS must be a number of hours from 0.001 to 8760' })
  @Min(0.001, { message: 'WEBHOOK_DISABLE_AFTER_HOURS must be a number of hours from 0.001 to 8760' })
  @Max(8760, { message: 'WEBHOOK_DISABLE_AFTER_HOURS must be a number of hours from 0.001 to 8760' })
  readonly WEBHOOK_DISABLE_AFTER_HOURS: number = 120;

  /** Non-public ranges webhook receivers may live in (127.0.0.0/8 for local development); none by default. */
  @IsOptional()
  @IsString()
  readonly WEBHOOK_ALLOWED_PRIVATE_CIDRS?: string;

  /** How long a receiver has to answer a delivery with a 2xx. */
  @IsInt({ message: 'WEBHOOK_TIMEOUT_MS must be a whole number of milliseconds from 100 to 60000' })
  @Min(100, { message: 'WEBHOOK_TIMEOUT_MS must be a whole number of milliseconds from 100 to 60000' })
  @Max(60_000, { message: 'WEBHOOK_TIMEOUT_MS must be a whole number of milliseconds from 100 to 60000' })
  readonly WEBHOOK_TIMEOUT_MS: number = 15_000;

  /** Outgoing mail (docs/operations.md, Mail); without it, what needs mail answers 503 `mail_not_configured`. */
  @IsOptional()
  @Matches(/^smtps?:\/\/\S+$/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL (smtp://user:password@mail.example.com:587)' })
  readonly SMTP_URL?: string;

  @IsString()
  @MinLength(3, { message: 'MAIL_FROM must be an address such as "Sluice <no-reply@example.com>"' })
  readonly MAIL_FROM: string = 'Sluice <no-reply@sluice.local>';

  /** Registration then needs a code mailed by `POST /api/auth/validate-email/`. */
  @EnvBoolean()
  @IsIn([true, false], { message: 'REQUIRE_EMAIL_VERIFICATION must be true or false' })
  readonly REQUIRE_EMAIL_VERIFICATION: boolean = false;

  /** Where clients reach the AI gateway, answered as a private AI key's `litellm_api_url`. */
  @Matches(/^https?:\/\/[^\s?#]+$/, { message: 'GATEWAY_PUBLIC_URL must be an http:// or https:// URL without query (https://ai.example.com)' })
  readonly GATEWAY_PUBLIC_URL: string = 'http://127.0.0.1:8080';

  /** Names of private AI key databases and roles start with `<prefix>_`; deployments sharing a database server need different prefixes. */
  @Matches(/^[a-z][a-z0-9_]{0,23}$/, { message: 'PRIVATE_AI_KEY_DATABASE_PREFIX must be 1-24 characters: a-z first, then a-z, 0-9 or _' })
  readonly PRIVATE_AI_KEY_DATABASE_PREFIX: string = 'sluice_pk';

  /** How often private databases are measured (pg_database_size) and left-behind ones dropped. */
  @IsInt({ message: 'PRIVATE_AI_KEY_MAINTENANCE_INTERVAL_MS must be a whole number of milliseconds from 1000 to 86400000' })
  @Min(1000, { message: 'PRIVATE_AI_KEY_MAINTENANCE_INTERVAL_MS must be a whole number of milliseconds from 1000 to 86400000' })
  @Max(86_400_000, { message: 'PRIVATE_AI_KEY_MAINTENANCE_INTERVAL_MS must be a whole number of milliseconds from 1000 to 86400000' })
  readonly PRIVATE_AI_KEY_MAINTENANCE_INTERVAL_MS: number = 300_000;
}

export interface PrivateAiKeySettings {
  /** The gateway's public URL (`litellm_api_url`), without a trailing slash. */
  readonly gatewayPublicUrl: string;
  readonly databasePrefix: string;
  readonly maintenanceIntervalMs: number;
}

export interface MailSettings {
  /** Null: mail is not configured. */
  readonly smtpUrl: string | null;
  readonly from: string;
  readonly requireEmailVerification: boolean;
}

export interface IntegrationsSettings {
  /** Milliseconds before each retry of a failed inbound event. */
  readonly retryScheduleMs: readonly number[];
  /** INTEGRATIONS_ALLOWED_PRIVATE_CIDRS. */
  readonly allowedPrivate: readonly Cidr[];
  readonly healthIntervalMs: number;
  readonly degradedMs: number;
  readonly fetchTimeoutMs: number;
  readonly webhookRatePerMinute: number;
  readonly syncPageSize: number;
  /** INTEGRATIONS_JOB_LOCK_MS: BullMQ's lock duration and stalled-job check interval for the integrations worker. */
  readonly jobLockMs: number;
}

export interface BillingSettings {
  /** Null: Stripe is not configured. */
  readonly stripeSecretKey: string | null;
  readonly stripeApi: { readonly host: string; readonly port: number; readonly protocol: 'http' | 'https' };
  readonly webhookSecret: string | null;
  /** Milliseconds from a failed payment to the suspension. */
  readonly gracePeriodMs: number;
  /** The period-close job's interval. */
  readonly closeIntervalMs: number;
  readonly successUrl: string;
  readonly cancelUrl: string;
}

export interface WebhookSettings {
  /** Seconds from a failed attempt to the next, one entry per retry. */
  readonly retryScheduleSeconds: readonly number[];
  readonly disableAfterMs: number;
  readonly allowedPrivate: readonly Cidr[];
  readonly timeoutMs: number;
  /** Production: endpoint URLs must be https. */
  readonly requireHttps: boolean;
}

export interface ControlPlaneConfig {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly port: number;
  readonly host: string;
  readonly logLevel: LogLevel;
  readonly trustProxy: TrustProxy;
  readonly requestTimeoutMs: number;
  readonly connectionTimeoutMs: number;
  readonly metricsPort: number;
  /** RATE_LIMIT_PER_MINUTE: the gateway's default `rpm` of a tenant whose plan sets none. */
  readonly defaultRequestsPerMinute: number;
  /** Origin (and path prefix) of absolute links; null: relative links. */
  readonly publicBaseUrl: string | null;
  readonly openApiDocs: boolean;
  /** Folder of the built console served at /console/ (CONSOLE_DIR); null: main.ts's default, next to the build. */
  readonly consoleDir: string | null;
  /** How the process drains on SIGTERM. */
  readonly shutdown: ShutdownSettings;
  /** OpenTelemetry tracing: off unless TRACING_ENABLED. */
  readonly tracing: TracingSettings;
  readonly bodyLimitBytes: number;
  readonly databaseUrl: string;
  readonly databasePoolSize: number;
  readonly migrateOnStart: boolean;
  readonly redis: RedisConnectionSettings;
  readonly jwtSecret: string;
  readonly secretsKey: Buffer;
  readonly previousSecretsKeys: readonly Buffer[];
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly allowSignup: boolean;
  readonly admin: { readonly email: string | null; readonly password: string | null };
  readonly throttle: {
    readonly anonymousPerHour: number;
    readonly authenticatedPerHour: number;
    readonly loginPerMinute: number;
    readonly signupPerHour: number;
  };
  /** Session cookies only over HTTPS (production). */
  readonly secureCookies: boolean;
  /** Origins (`https://host[:port]`) allowed to sign in with a cookie besides the request's own host. */
  readonly allowedOrigins: readonly string[];
  readonly mockProviderUrl: string;
  readonly catalogFile: string;
  /** PROVIDER_CREDENTIAL_ENVS: what a deployment's `credential_env` may name. */
  readonly providerCredentialEnvs: readonly string[];
  readonly projectionReconcileIntervalMs: number;
  readonly metering: { readonly enabled: boolean; readonly batchSize: number; readonly claimIdleMs: number; readonly streamShards: number; readonly writers: number };
  /** The monthly partitions of `usage_events` (docs/operations.md): retention in months (null: keep all), months kept ready ahead, job interval. */
  readonly usagePartitions: { readonly retentionMonths: number | null; readonly aheadMonths: number; readonly intervalMs: number };
  readonly billing: BillingSettings;
  readonly integrations: IntegrationsSettings;
  readonly webhooks: WebhookSettings;
  readonly mail: MailSettings;
  readonly privateAiKeys: PrivateAiKeySettings;
}

export const CONTROL_PLANE_CONFIG = Symbol('CONTROL_PLANE_CONFIG');

export function loadControlPlaneConfig(environment: NodeJS.ProcessEnv): ControlPlaneConfig {
  const env = loadConfig(ControlPlaneEnv, environment);
  const production = env.NODE_ENV === 'production';
  return Object.freeze({
    nodeEnv: env.NODE_ENV,
    port: env.CONTROL_PLANE_PORT,
    host: env.CONTROL_PLANE_HOST,
    logLevel: env.LOG_LEVEL,
    trustProxy: trustProxySetting(env),
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    connectionTimeoutMs: env.CONNECTION_TIMEOUT_MS,
    metricsPort: env.CONTROL_PLANE_METRICS_PORT,
    defaultRequestsPerMinute: env.RATE_LIMIT_PER_MINUTE,
    publicBaseUrl: env.PUBLIC_BASE_URL?.replace(/\/+$/, '') ?? null,
    openApiDocs: env.OPENAPI_DOCS_ENABLED ?? !production,
    consoleDir: env.CONSOLE_DIR ?? null,
    shutdown: shutdownSettings(env),
    tracing: tracingSettings(env, 'control-plane'),
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    databaseUrl: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    migrateOnStart: env.MIGRATE_ON_START ?? !production,
    redis: redisConnectionSettings(env),
    jwtSecret: secretOrDevDefault(env.JWT_SECRET, 'JWT_SECRET', production, 'sluice-development-jwt-secret-do-not-use'),
    secretsKey: decodeKey(secretOrDevDefault(env.SECRETS_KEY, 'SECRETS_KEY', production, '0'.repeat(64))),
    previousSecretsKeys: Object.freeze((env.SECRETS_KEY_PREVIOUS ?? '').split(',').filter(Boolean).map(decodeKey)),
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
    allowSignup: env.ALLOW_SIGNUP ?? !production,
    admin: Object.freeze({
      email: env.SLUICE_ADMIN_EMAIL ?? null,
      password: env.SLUICE_ADMIN_PASSWORD === undefined ? null : refuseKnownSecret(env.SLUICE_ADMIN_PASSWORD, 'SLUICE_ADMIN_PASSWORD', production),
    }),
    throttle: Object.freeze({
      anonymousPerHour: env.THROTTLE_ANONYMOUS_PER_HOUR,
      authenticatedPerHour: env.THROTTLE_AUTHENTICATED_PER_HOUR,
      loginPerMinute: env.THROTTLE_LOGIN_PER_MINUTE,
      signupPerHour: env.THROTTLE_SIGNUP_PER_HOUR,
    }),
    secureCookies: production,
    allowedOrigins: Object.freeze((env.ALLOWED_ORIGINS ?? '').split(',').flatMap((origin) => (origin.trim() ? [new URL(origin.trim()).origin] : []))),
    mockProviderUrl: (env.MOCK_PROVIDER_URL ?? `http://127.0.0.1:${env.MOCK_PROVIDER_PORT}`).replace(/\/+$/, ''),
    catalogFile: env.CATALOG_FILE,
    providerCredentialEnvs: providerCredentialEnvs(env.PROVIDER_CREDENTIAL_ENVS),
    projectionReconcileIntervalMs: env.PROJECTION_RECONCILE_INTERVAL_MS,
    metering: Object.freeze({
      enabled: env.METERING_ENABLED,
      batchSize: env.METERING_BATCH_SIZE,
      claimIdleMs: env.METERING_CLAIM_IDLE_MS,
      streamShards: env.USAGE_STREAM_SHARDS,
      writers: env.METERING_WRITERS,
    }),
    usagePartitions: Object.freeze({
      retentionMonths: env.USAGE_EVENTS_RETENTION_MONTHS ?? null,
      aheadMonths: env.USAGE_PARTITIONS_AHEAD_MONTHS,
      intervalMs: env.USAGE_PARTITIONS_INTERVAL_MS,
    }),
    billing: billingSettings(env),
    integrations: integrationsSettings(env),
    webhooks: webhookSettings(env, production),
    mail: mailSettings(env),
    privateAiKeys: Object.freeze({
      gatewayPublicUrl: env.GATEWAY_PUBLIC_URL.replace(/\/+$/, ''),
      databasePrefix: env.PRIVATE_AI_KEY_DATABASE_PREFIX,
      maintenanceIntervalMs: env.PRIVATE_AI_KEY_MAINTENANCE_INTERVAL_MS,
    }),
  });
}

/** The Standard Webhooks retry schedule, in seconds. */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 36000] as const;

function webhookSettings(env: ControlPlaneEnv, production: boolean): WebhookSettings {
  // A receiver may sit in a private network, but never behind the cloud metadata address.
  const allowedPrivate = privateAllowList(env.WEBHOOK_ALLOWED_PRIVATE_CIDRS, 'WEBHOOK_ALLOWED_PRIVATE_CIDRS', production);
  const schedule = env.WEBHOOK_RETRY_SCHEDULE?.split(',').map((entry) => Number(entry.trim())) ?? [...DEFAULT_WEBHOOK_RETRY_SCHEDULE];
  return Object.freeze({
    retryScheduleSeconds: Object.freeze(schedule),
    disableAfterMs: Math.round(env.WEBHOOK_DISABLE_AFTER_HOURS * 3_600_000),
    allowedPrivate: Object.freeze(allowedPrivate),
    timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    requireHttps: production,
  });
}

function billingSettings(env: ControlPlaneEnv): BillingSettings {
  const api = new URL(env.STRIPE_API_BASE);
  const protocol = api.protocol === 'http:' ? 'http' : 'https';
  const home = `http://127.0.0.1:${env.CONTROL_PLANE_PORT}/`;
  return Object.freeze({
    stripeSecretKey: env.STRIPE_SECRET_KEY ?? null,
    stripeApi: Object.freeze({ host: api.hostname, port: api.port ? Number(api.port) : protocol === 'http' ? 80 : 443, protocol }),
    webhookSecret: env.STRIPE_WEBHOOK_SECRET ?? null,
    gracePeriodMs: Math.round(env.BILLING_GRACE_PERIOD_HOURS * 3_600_000),
    closeIntervalMs: env.BILLING_CLOSE_INTERVAL_MS,
    successUrl: env.STRIPE_SUCCESS_URL ?? `${home}?checkout=success`,
    cancelUrl: env.STRIPE_CANCEL_URL ?? `${home}?checkout=cancel`,
  });
}

function integrationsSettings(env: ControlPlaneEnv): IntegrationsSettings {
  // A partner may live on a private network; no partner lives at the cloud metadata address.
  const allowedPrivate = privateAllowList(env.INTEGRATIONS_ALLOWED_PRIVATE_CIDRS, 'INTEGRATIONS_ALLOWED_PRIVATE_CIDRS', env.NODE_ENV === 'production');
  return Object.freeze({
    retryScheduleMs: Object.freeze(env.INBOUND_RETRY_SCHEDULE.split(',').map((seconds) => Math.round(Number(seconds.trim()) * 1000))),
    allowedPrivate: Object.freeze(allowedPrivate),
    healthIntervalMs: env.INTEGRATIONS_HEALTH_INTERVAL_MS,
    degradedMs: env.INTEGRATIONS_HEALTH_DEGRADED_MS,
    fetchTimeoutMs: env.INTEGRATIONS_FETCH_TIMEOUT_MS,
    webhookRatePerMinute: env.INTEGRATIONS_WEBHOOK_RATE_PER_MINUTE,
    syncPageSize: env.INTEGRATIONS_SYNC_PAGE_SIZE,
    jobLockMs: env.INTEGRATIONS_JOB_LOCK_MS,
  });
}

const CLOUD_METADATA = ['169.254.169.254', 'fd00:ec2::254'];

/**
 * A setting that opens non-public ranges to URLs tenants configure (webhook
 * receivers, partner services). Production refuses one that opens the cloud
 * metadata address: no receiver or partner lives there, an attacker's target does.
 */
function privateAllowList(raw: string | undefined, variable: string, production: boolean): Cidr[] {
  let allowedPrivate: Cidr[];
  try {
    allowedPrivate = parseCidrList(raw, variable);
  } catch (error) {
    if (error instanceof InvalidCidrListError) throw new ConfigError(error.message);
    throw error;
  }
  const policy = new DestinationPolicy({ allowedPrivate });
  if (production && CLOUD_METADATA.some((address) => policy.permits(address))) {
    throw new ConfigError(`Invalid configuration: ${variable} may not include the cloud metadata address (${CLOUD_METADATA.join(', ')}) when NODE_ENV=production`);
  }
  return allowedPrivate;
}

function mailSettings(env: ControlPlaneEnv): MailSettings {
  // Registration would be impossible: no code could ever arrive.
  if (env.REQUIRE_EMAIL_VERIFICATION && !env.SMTP_URL) {
    throw new ConfigError('Invalid configuration: REQUIRE_EMAIL_VERIFICATION=true needs SMTP_URL, or no code can be mailed and nobody can register');
  }
  return Object.freeze({ smtpUrl: env.SMTP_URL ?? null, from: env.MAIL_FROM, requireEmailVerification: env.REQUIRE_EMAIL_VERIFICATION });
}

function decodeKey(text: string): Buffer {
  return /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
}
