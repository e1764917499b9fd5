import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
import { SeriesHistogram } from './series-histogram';

const CONFIG = { name: 'spec_duration_seconds', help: 'spec', labelNames: ['endpoint', 'status_code'] as const, buckets: [0.0005, 0.001, 0.25, 1, 5, 10, 60] };
/** On a bound, between bounds, above the last, zero, integer-like bounds and fractional ones. */
const VALUES = [0, 0.0004, 0.0005, 0.0007, 0.25, 0.3, 1, 4.9999, 5, 10, 59.9, 60, 61, 1e6];

function pair(): { plain: Histogram<'endpoint' | 'status_code'>; series: SeriesHistogram<'endpoint' | 'status_code'>; plainRegistry: Registry; seriesRegistry: Registry } {
  const plainRegistry = new Registry();
  const seriesRegistry = new Registry();
  plainRegistry.setDefaultLabels({ service: 'spec' });
  seriesRegistry.setDefaultLabels({ service: 'spec' });
  return {
    plain: new Histogram({ ...CONFIG, labelNames: [...CONFIG.labelNames], registers: [plainRegistry] }),
    series: new SeriesHistogram({ ...CONFIG, labelNames: [...CONFIG.labelNames], registers: [seriesRegistry] }),
    plainRegistry,
    seriesRegistry,
  };
}

describe('SeriesHistogram', () => {
  it('exposes what prom-client’s Histogram exposes for the same observations, as text and as JSON', async () => {
    const { plain, series, plainRegistry, seriesRegistry } = pair();
    for (const [index, value] of VALUES.entries()) {
      const labels = { endpoint: index % 2 === 0 ? 'chat_completions' : 'messages', status_code: String(200 + (index % 3)) };
      plain.observe(labels, value);
      series.series(labels).observe(value);
    }
    expect(await seriesRegistry.metrics()).toBe(await plainRegistry.metrics());
    expect(await seriesRegistry.getMetricsAsJSON()).toEqual(await plainRegistry.getMetricsAsJSON());
  });

  it('adds to a series prom-client’s observe started, and the other way round', async () => {
    const { plain, series, plainRegistry, seriesRegistry } = pair();
    const labels = { endpoint: 'chat_completions', status_code: '200' };
    series.observe(labels, 0.1);
    plain.observe(labels, 0.1);
    series.series({ ...labels }).observe(2);
    plain.observe(labels, 2);
    series.observe(labels, 7);
    plain.observe(labels, 7);
    expect(await seriesRegistry.metrics()).toBe(await plainRegistry.metrics());
  });

  it('keeps counting after reset, remove and zero', async () => {
    const { plain, series, plainRegistry, seriesRegistry } = pair();
    const labels = { endpoint: 'messages', status_code: '429' };
    const bound = series.series(labels);
    bound.observe(0.5);
    series.reset();
    plain.reset();
    bound.observe(0.7);
    plain.observe(labels, 0.7);
    series.remove(labels);
    plain.remove(labels);
    bound.observe(3);
    plain.observe(labels, 3);
    series.zero(labels);
    plain.zero(labels);
    bound.observe(0.0001);
    plain.observe(labels, 0.0001);
    expect(await seriesRegistry.metrics()).toBe(await plainRegistry.metrics());
  });

  it('refuses a value that is not a finite number and a label it does not have, as prom-client does', () => {
    const { series } = pair();
    expect(() => series.series({ endpoint: 'messages', status_code: '200' }).observe(Number.NaN)).toThrow(TypeError);
    expect(() => series.series({ endpoint: 'messages', status_code: '500', tenant: 't' } as never)).toThrow(/not included in initial labelset/);
  });

  it('sums across workers as the cluster primary aggregates them', async () => {
    const workers = [pair(), pair()];
    workers.forEach(({ plain, series }, worker) => {
      for (const value of VALUES) {
        plain.observe({ endpoint: 'chat_completions', status_code: '200' }, value * (worker + 1));
        series.series({ endpoint: 'chat_completions', status_code: '200' }).observe(value * (worker + 1));
      }
    });
    const plainTotal = AggregatorRegistry.aggregate(await Promise.all(workers.map(({ plainRegistry }) => plainRegistry.getMetricsAsJSON())));
    const seriesTotal = AggregatorRegistry.aggregate(await Promise.all(workers.map(({ seriesRegistry }) => seriesRegistry.getMetricsAsJSON())));
    expect(await seriesTotal.metrics()).toBe(await plainTotal.metrics());
  });
});
