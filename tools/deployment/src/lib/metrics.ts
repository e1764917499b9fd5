import { readRepoFile } from './repo';

/**
 * The metric definitions of libs/shared/contracts/src/lib/metric-names.ts,
 * read from its source (tools may not import the libraries).
 */

export const METRIC_NAMES_FILE = 'libs/shared/contracts/src/lib/metric-names.ts';

export interface DefinedMetric {
  key: string;
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  labels: string[];
  help: string;
}

export function definedMetrics(): DefinedMetric[] {
  const source = readRepoFile(METRIC_NAMES_FILE);
  const body = source.slice(source.indexOf('export const Metrics = {'));
  const entries = [...body.matchAll(/^ {2}(\w+): \{\n([\s\S]*?)\n {2}\},$/gm)];
  return entries.map(([, key, block]) => {
    const name = /^\s*name: '([^']+)',$/m.exec(block)?.[1];
    const type = /^\s*type: '(counter|gauge|histogram)',$/m.exec(block)?.[1] as DefinedMetric['type'] | undefined;
    const labels = /^\s*labels: \[([^\]]*)\],$/m.exec(block)?.[1];
    const help = /^\s*help:\s*(['`])(.+)\1,$/m.exec(block)?.[2];
    if (!name || !type || labels === undefined || !help) throw new Error(`${METRIC_NAMES_FILE}: cannot read ${key} (name, type, labels and help, one per line)`);
    return { key, name, type, help, labels: [...labels.matchAll(/'([^']+)'/g)].map((match) => match[1]) };
  });
}

/** Labels every series has without being declared: the registry's `service`, Prometheus's target labels. */
export const TARGET_LABELS = ['service', 'instance', 'job', 'namespace', 'pod', 'container', 'endpoint'];

/** Prometheus's own series, which no app exports. */
export const PROMETHEUS_SERIES = new Set(['up']);

/**
 * The definition a series name belongs to: itself, or for a histogram its
 * `_bucket`, `_sum` and `_count` series.
 */
export function definitionOf(series: string, metrics: DefinedMetric[]): DefinedMetric | undefined {
  return (
    metrics.find((metric) => metric.name === series) ??
    metrics.find((metric) => metric.type === 'histogram' && ['_bucket', '_sum', '_count'].some((suffix) => series === `${metric.name}${suffix}`))
  );
}
