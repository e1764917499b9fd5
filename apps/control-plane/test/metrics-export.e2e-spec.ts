import { METRIC_DEFINITIONS, Metrics, USAGE_DEAD_LETTER_REASONS, type MetricDefinition } from '@sluice/contracts';
import { parsePrometheusText, samplesOf, waitUntil, type Scrape } from '@sluice/testing';
import { startControlPlane, type ControlPlaneUnderTest } from './control-plane-harness';

const EXPORTED_HERE = METRIC_DEFINITIONS.filter((definition) => ['control-plane', 'both', 'process'].includes(definition.exportedBy));

describe('GET /metrics of the control plane', () => {
  let controlPlane: ControlPlaneUnderTest;
  let scrape: Scrape;

  beforeAll(async () => {
    controlPlane = await startControlPlane();
    expect((await fetch(`${controlPlane.url}/health/live`)).status).toBe(200);
    // The consumer's gauges have series once it has created its group, just after start.
    await waitUntil(
      async () => {
        scrape = parsePrometheusText(await (await fetch(`${controlPlane.url}/metrics`)).text());
        return samplesOf(scrape, Metrics.usageConsumerLag.name).length > 0 && samplesOf(scrape, Metrics.httpServerRequestDuration.name).length > 0;
      },
      10_000,
      'the usage consumer gauges and the request histogram',
    );
  });
  afterAll(() => controlPlane?.close());

  it.each(EXPORTED_HERE.map((definition) => [definition.name, definition] as const))('exports %s with its type and series', (_name, definition: MetricDefinition) => {
    expect(scrape.types.get(definition.name)).toBe(definition.type);
    const samples = samplesOf(scrape, definition.name);
    expect(samples.length).toBeGreaterThan(0);
    for (const sample of samples) expect(sample.labels['service']).toBe('control-plane');
    if (definition.exportedBy === 'process') return;
    const allowed = new Set([...definition.labels, 'service', ...(definition.type === 'histogram' ? ['le'] : [])]);
    for (const sample of samples) expect(Object.keys(sample.labels).filter((label) => !allowed.has(label))).toEqual([]);
  });

  it('reports Redis up, an empty backlog and no dead letter yet', () => {
    expect(samplesOf(scrape, Metrics.redisUp.name).map((sample) => sample.value)).toEqual([1]);
    expect(samplesOf(scrape, Metrics.usageConsumerLag.name)).toEqual([{ name: Metrics.usageConsumerLag.name, labels: { service: 'control-plane', stream: 'usage' }, value: 0 }]);
    const deadLetters = samplesOf(scrape, Metrics.usageDeadLetters.name);
    expect(deadLetters.map((sample) => [sample.labels['reason'], sample.value])).toEqual(USAGE_DEAD_LETTER_REASONS.map((reason) => [reason, 0]));
  });
});
