import { Metrics, USAGE_DEAD_LETTER_REASONS } from '@sluice/contracts';
import { expectExportedAsDefined, metricsExportedBy, parsePrometheusText, samplesOf, waitUntil, type Scrape } from '@sluice/testing';
import { startControlPlane, type ControlPlaneUnderTest } from './control-plane-harness';

const EXPORTED_HERE = metricsExportedBy('control-plane');

describe('GET /metrics of the control plane (its metrics port)', () => {
  let controlPlane: ControlPlaneUnderTest;
  let scrape: Scrape;

  beforeAll(async () => {
    controlPlane = await startControlPlane();
    expect((await fetch(`${controlPlane.url}/health/live`)).status).toBe(200);
    // The consumer's gauges have series once it has created its group, just after start.
    await waitUntil(
      async () => {
        scrape = parsePrometheusText(await (await fetch(controlPlane.metricsUrl)).text());
        return samplesOf(scrape, Metrics.usageConsumerLag.name).length > 0 && samplesOf(scrape, Metrics.httpServerRequestDuration.name).length > 0;
      },
      10_000,
      'the usage consumer gauges and the request histogram',
    );
  });
  afterAll(() => controlPlane?.close());

  it.each(EXPORTED_HERE.map((definition) => [definition.name, definition] as const))('exports %s with its type and series', (_name, definition) => {
    expectExportedAsDefined(scrape, definition, 'control-plane');
  });

  it('reports Redis up, an empty backlog and no dead letter yet', () => {
    expect(samplesOf(scrape, Metrics.redisUp.name).map((sample) => sample.value)).toEqual([1]);
    expect(samplesOf(scrape, Metrics.usageConsumerLag.name)).toEqual([{ name: Metrics.usageConsumerLag.name, labels: { service: 'control-plane', stream: 'usage' }, value: 0 }]);
    const deadLetters = samplesOf(scrape, Metrics.usageDeadLetters.name);
    expect(deadLetters.map((sample) => [sample.labels['reason'], sample.value])).toEqual(USAGE_DEAD_LETTER_REASONS.map((reason) => [reason, 0]));
  });
});
