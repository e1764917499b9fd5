import { CommonEnv } from '../config/common-env';
import { loadConfig } from '../config/load-config';
import { tracingSettings } from './tracing-settings';

const settingsOf = (env: NodeJS.ProcessEnv) => tracingSettings(loadConfig(CommonEnv, env), 'ai-gateway');

describe('tracingSettings', () => {
  it('is off by default, and would export to a local collector with every trace sampled', () => {
    expect(settingsOf({})).toEqual({
      enabled: false,
      serviceName: 'ai-gateway',
      tracesUrl: 'http://localhost:4318/v1/traces',
      headers: {},
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
    });
  });

  it('reads the OpenTelemetry SDK variables: the traces endpoint as given, the base endpoint with /v1/traces', () => {
    const base = settingsOf({ TRACING_ENABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com:4318/', OTEL_SERVICE_NAME: 'gw-eu' });
    expect(base).toMatchObject({ enabled: true, serviceName: 'gw-eu', tracesUrl: 'https://otel.example.com:4318/v1/traces' });
    const traces = settingsOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://a.example.com', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b.example.com/otlp/traces' });
    expect(traces.tracesUrl).toBe('https://b.example.com/otlp/traces');
  });

  it('reads export headers as percent-encoded name=value pairs, and the sampler with its ratio', () => {
    const settings = settingsOf({
      OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer%20abc, x-team=ops',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    });
    expect(settings).toMatchObject({ headers: { authorization: 'Bearer abc', 'x-team': 'ops' }, sampler: 'parentbased_traceidratio', samplerRatio: 0.25 });
  });

  it.each([
    [{ TRACING_ENABLED: 'yes' }, 'TRACING_ENABLED must be true or false'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL'],
    [{ OTEL_EXPORTER_OTLP_HEADERS: 'no-equals-sign' }, 'OTEL_EXPORTER_OTLP_HEADERS must be name=value pairs'],
    [{ OTEL_TRACES_SAMPLER: 'jaeger_remote' }, 'OTEL_TRACES_SAMPLER must be one of'],
    [{ OTEL_TRACES_SAMPLER_ARG: '2' }, 'OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1'],
  ])('refuses %j', (env, message) => {
    expect(() => settingsOf(env)).toThrow(message);
  });
});
