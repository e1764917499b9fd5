/** The values of `OTEL_TRACES_SAMPLER` Sluice understands (the OpenTelemetry SDK's built-in samplers). */
export const TRACE_SAMPLERS = [
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
  'always_on',
  'always_off',
  'traceidratio',
] as const;
export type TraceSampler = (typeof TRACE_SAMPLERS)[number];

/** OpenTelemetry tracing of one app: off unless `TRACING_ENABLED`, then exported over OTLP/HTTP (JSON). */
export interface TracingSettings {
  readonly enabled: boolean;
  /** `service.name` of every span. */
  readonly serviceName: string;
  /** Where spans are POSTed: the full traces URL (`.../v1/traces`). */
  readonly tracesUrl: string;
  /** Sent with every export (a collector's or vendor's authentication). */
  readonly headers: Readonly<Record<string, string>>;
  readonly sampler: TraceSampler;
  /** The ratio of the `*traceidratio` samplers, from 0 to 1. */
  readonly samplerRatio: number;
}

/** The variables of the schema both apps extend that `tracingSettings` reads. */
export interface TracingEnv {
  readonly TRACING_ENABLED: boolean;
  readonly OTEL_SERVICE_NAME?: string;
  readonly OTEL_EXPORTER_OTLP_ENDPOINT: string;
  readonly OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
  readonly OTEL_EXPORTER_OTLP_HEADERS?: string;
  readonly OTEL_TRACES_SAMPLER: TraceSampler;
  readonly OTEL_TRACES_SAMPLER_ARG: number;
}

/** `OTEL_EXPORTER_OTLP_HEADERS`: `name=value` pairs separated by commas, values percent-encoded (the OpenTelemetry format). */
export const OTLP_HEADERS_PATTERN = /^\s*[^\s=,]+\s*=[^,]*(,\s*[^\s=,]+\s*=[^,]*)*$/;

/**
 * Follows the OpenTelemetry SDK's variables: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
 * is used as it is, `OTEL_EXPORTER_OTLP_ENDPOINT` gets `/v1/traces` appended.
 */
export function tracingSettings(env: TracingEnv, defaultServiceName: string): TracingSettings {
  return Object.freeze({
    enabled: env.TRACING_ENABLED,
    serviceName: env.OTEL_SERVICE_NAME ?? defaultServiceName,
    tracesUrl: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`,
    headers: Object.freeze(parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS ?? '')),
    sampler: env.OTEL_TRACES_SAMPLER,
    samplerRatio: env.OTEL_TRACES_SAMPLER_ARG,
  });
}

function parseOtlpHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const separator = pair.indexOf('=');
    if (separator <= 0) continue;
    headers[pair.slice(0, separator).trim().toLowerCase()] = percentDecoded(pair.slice(separator + 1).trim());
  }
  return headers;
}

function percentDecoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
