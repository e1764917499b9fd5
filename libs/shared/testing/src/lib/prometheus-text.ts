import { METRIC_DEFINITIONS, type MetricDefinition } from '@sluice/contracts';

/** One sample of a Prometheus text exposition. */
export interface MetricSample {
  /** The sample's name: a histogram's carry `_bucket`, `_sum` or `_count`. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  /** `# TYPE` of each metric family, by family name. */
  types: Map<string, string>;
  samples: MetricSample[];
}

/** Parses what `GET /metrics` answers (the text format prom-client writes). */
export function parsePrometheusText(text: string): Scrape {
  const types = new Map<string, string>();
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1], type[2]);
    if (line === '' || line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`Not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[name] = value;
    samples.push({ name: sample[1], labels, value: Number(sample[3]) });
  }
  return { types, samples };
}

/** The samples of one metric family: a histogram's buckets, sum and count, or a counter's or gauge's series. */
export function samplesOf(scrape: Scrape, family: string): MetricSample[] {
  const names = scrape.types.get(family) === 'histogram' ? [`${family}_bucket`, `${family}_sum`, `${family}_count`] : [family];
  return scrape.samples.filter((sample) => names.includes(sample.name));
}

/** What an app's scrape must hold: the metrics defined as its own, both apps', and the process's. */
export function metricsExportedBy(service: 'ai-gateway' | 'control-plane'): MetricDefinition[] {
  return METRIC_DEFINITIONS.filter((definition) => [service, 'both', 'process'].includes(definition.exportedBy));
}

/**
 * One defined metric in a scrape: its type, at least one series, each carrying
 * the app's `service` label and (but for the process metrics) no label the
 * definition does not name, so no unbounded label sneaks in.
 */
export function expectExportedAsDefined(scrape: Scrape, definition: MetricDefinition, service: string): void {
  expect(scrape.types.get(definition.name)).toBe(definition.type);
  const samples = samplesOf(scrape, definition.name);
  expect(samples.length).toBeGreaterThan(0);
  for (const sample of samples) expect(sample.labels['service']).toBe(service);
  if (definition.exportedBy === 'process') return;
  const allowed = new Set([...definition.labels, 'service', ...(definition.type === 'histogram' ? ['le'] : [])]);
  for (const sample of samples) expect(Object.keys(sample.labels).filter((label) => !allowed.has(label))).toEqual([]);
}
