import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { load } from 'js-yaml';
import { renderKustomization } from './lib/kustomize';
import { definedMetrics, definitionOf, METRIC_NAMES_FILE, PROMETHEUS_SERIES, TARGET_LABELS, type DefinedMetric } from './lib/metrics';
import { checkPromql, type PromqlReferences } from './lib/promql';
import { isObject, readRepoFile, repoPath, type JsonObject, type JsonValue } from './lib/repo';

const RULES_FILE = 'deploy/observability/prometheus-rules.yaml';
const DASHBOARD_FILE = 'deploy/observability/grafana-dashboard.json';
const OPERATIONS_DOC = 'docs/operations.md';

/** Prometheus durations (`for`, `keep_firing_for`, `interval`). */
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const SEVERITIES = ['critical', 'warning', 'info'];

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

function asStringMap(value: JsonValue | undefined, where: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isObject(value) || Object.values(value).some((item) => typeof item !== 'string')) throw new Error(`${where} must map names to strings`);
  return value as Record<string, string>;
}

function onlyKeys(object: JsonObject, allowed: string[], where: string): void {
  const unknown = Object.keys(object).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw new Error(`${where}: unknown field(s) ${unknown.join(', ')}`);
}

/**
 * The PrometheusRule, validated against the CRD's structure (kubernetes-models
 * has no schema for it): groups with unique names, each rule an alert or a
 * recording rule with an expression, durations that parse, no unknown fields.
 */
function loadRules(): { document: JsonObject; alerts: AlertRule[]; expressions: string[] } {
  const document: unknown = load(readRepoFile(RULES_FILE));
  if (!isObject(document)) throw new Error(`${RULES_FILE} is not a mapping`);
  onlyKeys(document, ['apiVersion', 'kind', 'metadata', 'spec'], RULES_FILE);
  const { metadata, spec } = document;
  if (!isObject(metadata) || typeof metadata['name'] !== 'string') throw new Error('metadata.name is required');
  if (!isObject(spec) || !Array.isArray(spec['groups']) || spec['groups'].length === 0) throw new Error('spec.groups must be a non-empty list');
  onlyKeys(spec, ['groups'], 'spec');
  const alerts: AlertRule[] = [];
  const expressions: string[] = [];
  const groupNames = new Set<string>();
  for (const [groupIndex, group] of spec['groups'].entries()) {
    const where = `spec.groups[${groupIndex}]`;
    if (!isObject(group)) throw new Error(`${where} must be a mapping`);
    onlyKeys(group, ['name', 'interval', 'rules', 'limit', 'partial_response_strategy', 'query_offset'], where);
    if (typeof group['name'] !== 'string' || groupNames.has(group['name'])) throw new Error(`${where}.name must be a unique string`);
    groupNames.add(group['name']);
    if (group['interval'] !== undefined && !DURATION.test(String(group['interval']))) throw new Error(`${where}.interval is not a duration`);
    if (!Array.isArray(group['rules']) || group['rules'].length === 0) throw new Error(`${where}.rules must be a non-empty list`);
    for (const [ruleIndex, rule] of group['rules'].entries()) {
      const at = `${where}.rules[${ruleIndex}]`;
      if (!isObject(rule)) throw new Error(`${at} must be a mapping`);
      onlyKeys(rule, ['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'], at);
      if ((typeof rule['alert'] === 'string') === (typeof rule['record'] === 'string')) throw new Error(`${at} needs exactly one of alert and record`);
      if (typeof rule['expr'] !== 'string' || rule['expr'].trim() === '') throw new Error(`${at}.expr must be a non-empty string`);
      for (const field of ['for', 'keep_firing_for']) {
        if (rule[field] !== undefined && !DURATION.test(String(rule[field]))) throw new Error(`${at}.${field} is not a duration`);
      }
      expressions.push(rule['expr']);
      if (typeof rule['alert'] === 'string') {
        alerts.push({
          alert: rule['alert'],
          expr: rule['expr'],
          ...(typeof rule['for'] === 'string' && { for: rule['for'] }),
          labels: asStringMap(rule['labels'], `${at}.labels`),
          annotations: asStringMap(rule['annotations'], `${at}.annotations`),
        });
      }
    }
  }
  return { document, alerts, expressions };
}

interface DashboardPanel {
  title: string;
  type: string;
  datasource?: JsonValue;
  targets: { expr: string; refId: string }[];
}

function loadDashboard(): { dashboard: JsonObject; panels: DashboardPanel[] } {
  const dashboard: unknown = JSON.parse(readRepoFile(DASHBOARD_FILE));
  if (!isObject(dashboard) || !Array.isArray(dashboard['panels'])) throw new Error(`${DASHBOARD_FILE} has no panels`);
  const flatten = (panels: JsonValue[]): JsonObject[] => panels.filter(isObject).flatMap((panel) => [panel, ...flatten(Array.isArray(panel['panels']) ? panel['panels'] : [])]);
  const panels = flatten(dashboard['panels']).map((panel) => ({
    title: String(panel['title']),
    type: String(panel['type']),
    datasource: panel['datasource'],
    targets: (Array.isArray(panel['targets']) ? panel['targets'] : []).filter(isObject).map((target) => ({ expr: String(target['expr'] ?? ''), refId: String(target['refId'] ?? '') })),
  }));
  return { dashboard, panels };
}

/** `label_values(metric, label)` of the dashboard's query variables. */
function templatingQueries(dashboard: JsonObject): { metric: string; label: string }[] {
  const templating = dashboard['templating'];
  const list = isObject(templating) && Array.isArray(templating['list']) ? templating['list'].filter(isObject) : [];
  return list
    .filter((variable) => variable['type'] === 'query')
    .map((variable) => {
      const query = isObject(variable['query']) ? variable['query']['query'] : variable['query'];
      const match = /^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$/.exec(String(query));
      if (!match) throw new Error(`variable ${String(variable['name'])}: only label_values(metric, label) queries are checked`);
      return { metric: match[1], label: match[2] };
    });
}

/** Series and labels an expression uses that metric-names.ts does not define. */
function undefinedReferences(references: PromqlReferences, metrics: DefinedMetric[]): string[] {
  const problems: string[] = [];
  const used: DefinedMetric[] = [];
  for (const series of references.metrics) {
    if (PROMETHEUS_SERIES.has(series)) continue;
    const definition = definitionOf(series, metrics);
    if (definition) used.push(definition);
    else problems.push(`metric ${series}`);
  }
  const known = new Set([...TARGET_LABELS, ...used.flatMap((metric) => metric.labels), ...(used.some((metric) => metric.type === 'histogram') ? ['le'] : [])]);
  for (const label of references.labels) if (!known.has(label)) problems.push(`label ${label}`);
  return problems;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function headingAnchors(markdown: string): Set<string> {
  return new Set(
    markdown
      .split('\n')
      .filter((line) => /^#{1,6} /.test(line))
      .map((line) =>
        line
          .replace(/^#+ /, '')
          .trim()
          .toLowerCase()
          .replace(/[^\p{L}\p{N} _-]/gu, '')
          .replace(/ /g, '-'),
      ),
  );
}

function typeScriptSources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    if (statSync(path).isDirectory()) return typeScriptSources(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('metric-names.ts', () => {
  const metrics = () => definedMetrics();

  it('is read completely (so that the checks below cannot pass vacuously)', () => {
    const source = readRepoFile(METRIC_NAMES_FILE);
    expect(metrics().length).toBe((source.slice(source.indexOf('export const Metrics = {')).match(/^\s+name: '/gm) ?? []).length);
    expect(metrics().map((metric) => metric.name)).toEqual(
      expect.arrayContaining(['http_server_request_duration_seconds', 'sluice_gateway_time_to_first_token_seconds', 'sluice_usage_consumer_lag', 'sluice_redis_up']),
    );
  });

  it('follows the Prometheus naming conventions', () => {
    for (const metric of metrics()) {
      expect(metric.name).toMatch(/^[a-z][a-z0-9_]*$/);
      if (metric.type === 'counter') expect(metric.name).toMatch(/_total$/);
      else expect(metric.name).not.toMatch(/_total$/);
      if (metric.type === 'histogram') expect(metric.name).toMatch(/_(seconds|bytes)$/);
      for (const label of metric.labels) expect(label).toMatch(/^[a-z][a-z0-9_]*$/);
    }
    const names = metrics().map((metric) => metric.name);
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
  });

  it('never labels by tenant, key, user or anything else unbounded', () => {
    for (const metric of metrics()) {
      expect({ metric: metric.name, unbounded: metric.labels.filter((label) => /tenant|key|user|request|email|url|path|ip/.test(label)) }).toEqual({
        metric: metric.name,
        unbounded: [],
      });
    }
  });

  it('defines every metric the apps and libraries register by name', () => {
    const registered = ['apps', 'libs'].flatMap((dir) =>
      typeScriptSources(repoPath(dir)).flatMap((file) =>
        [...readRepoFile(relative(repoPath(), file)).matchAll(/new\s+(?:Counter|Gauge|Histogram|SeriesHistogram|Summary)(?:<[^>]*>)?\(\s*\{\s*name:\s*['"`]([^'"`]+)['"`]/g)].map((match) => ({
          file: relative(repoPath(), file),
          name: match[1],
        })),
      ),
    );
    expect(registered.map((metric) => metric.name)).toContain('http_server_request_duration_seconds');
    const names = new Set(metrics().map((metric) => metric.name));
    expect(registered.filter((metric) => !names.has(metric.name))).toEqual([]);
  });
});

describe('the PromQL checker', () => {
  it('returns the metrics, labels and functions an expression uses', () => {
    expect(checkPromql('histogram_quantile(0.99, sum by (le, provider) (rate(x_seconds_bucket{stream="false", route!~"/health.*"}[5m]))) > 1')).toEqual({
      metrics: new Set(['x_seconds_bucket']),
      labels: new Set(['le', 'provider', 'stream', 'route']),
      functions: new Set(['histogram_quantile', 'sum', 'rate']),
    });
    expect(checkPromql('sum(a) + sum(b) > 0 and sum(rate(c_total[$__rate_interval])) == 0').metrics).toEqual(new Set(['a', 'b', 'c_total']));
    expect(checkPromql('-1 * up{job=~"$job"}').metrics).toEqual(new Set(['up']));
  });

  it('flags metrics and labels that metric-names.ts does not define', () => {
    const references = checkPromql('sum by (tenant_id) (rate(sluice_gateway_tokens_total[5m])) + rate(sluice_gateway_tokens_totl[5m]) + up');
    expect(undefinedReferences(references, definedMetrics())).toEqual(['metric sluice_gateway_tokens_totl', 'label tenant_id']);
    expect(undefinedReferences(checkPromql('sluice_gateway_upstream_duration_seconds_bucket{le="1"}'), definedMetrics())).toEqual([]);
    expect(undefinedReferences(checkPromql('sluice_redis_up{le="1"}'), definedMetrics())).toEqual(['label le']);
  });

  it.each([
    ['sum(rate(x_total[5m])', /unclosed/],
    ['sum(rate(x_total[5m])))', /unbalanced/],
    ['rate(x_total[five])', /not a range duration/],
    ['x{job="a}', /unterminated string/],
    ['x{job=a}', /quoted value/],
    ['x{job~"a"}', /unexpected|match operator/],
    ['x{job=~"("}', /regular expression/],
    ['rates(x_total[5m])', /unknown function rates/],
    ['sum(x) >', /right operand/],
    ['sum(x) > > 1', /operand/],
    ['x offset 5m', /offset/],
  ])('refuses %s', (expr, message) => {
    expect(() => checkPromql(expr)).toThrow(message);
  });
});

describe('deploy/observability/prometheus-rules.yaml', () => {
  const metrics = () => definedMetrics();

  it('is a PrometheusRule of the Prometheus Operator, with the sluice labels', () => {
    const { document } = loadRules();
    expect(document['apiVersion']).toBe('monitoring.coreos.com/v1');
    expect(document['kind']).toBe('PrometheusRule');
    expect((document['metadata'] as JsonObject)['labels']).toEqual(expect.objectContaining({ 'app.kubernetes.io/part-of': 'sluice' }));
  });

  it('has expressions that parse and use only metrics and labels metric-names.ts defines', () => {
    const { expressions } = loadRules();
    expect(expressions.length).toBeGreaterThan(0);
    for (const expr of expressions) {
      let problems: string[];
      try {
        problems = undefinedReferences(checkPromql(expr), metrics());
      } catch (error) {
        problems = [`does not parse: ${(error as Error).message}`];
      }
      expect({ expr, problems }).toEqual({ expr, problems: [] });
    }
  });

  it('names each alert once, with a severity, a summary, a description and a runbook in docs/operations.md', () => {
    const { alerts } = loadRules();
    const names = alerts.map((alert) => alert.alert);
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
    const anchors = headingAnchors(readRepoFile(OPERATIONS_DOC));
    for (const alert of alerts) {
      expect(alert.alert).toMatch(/^Sluice[A-Z][A-Za-z]+$/);
      expect(SEVERITIES).toContain(alert.labels['severity']);
      expect(Object.keys(alert.annotations).sort()).toEqual(['description', 'runbook_url', 'summary']);
      const [file, anchor] = alert.annotations['runbook_url'].split('#');
      expect({ alert: alert.alert, file, anchor: anchors.has(anchor) }).toEqual({ alert: alert.alert, file: OPERATIONS_DOC, anchor: true });
      expect(anchor).toBe(alert.alert.toLowerCase());
    }
  });

  it('covers what on-call needs: errors, p99 latency, consumer lag, stalled metering, dead letters, Redis down', () => {
    const { alerts } = loadRules();
    const using = (predicate: (references: PromqlReferences, expr: string) => boolean) =>
      alerts.filter((alert) => predicate(checkPromql(alert.expr), alert.expr)).map((alert) => alert.alert);
    expect(using((refs, expr) => refs.metrics.has('http_server_request_duration_seconds_count') && expr.includes('5..'))).not.toEqual([]);
    expect(using((refs, expr) => refs.functions.has('histogram_quantile') && expr.includes('0.99'))).not.toEqual([]);
    expect(using((refs) => refs.metrics.has('sluice_usage_consumer_lag'))).not.toEqual([]);
    expect(using((refs) => refs.metrics.has('sluice_usage_events_processed_total'))).not.toEqual([]);
    expect(using((refs) => refs.metrics.has('sluice_usage_dead_letters_total'))).not.toEqual([]);
    expect(using((refs) => refs.metrics.has('sluice_redis_up'))).not.toEqual([]);
    const critical = alerts.filter((alert) => alert.labels['severity'] === 'critical').map((alert) => alert.alert);
    expect(critical).toEqual(expect.arrayContaining(['SluiceHighErrorRate', 'SluiceRedisDown', 'SluiceUsageConsumerStalled']));
  });

  it('is applied by deploy/observability/kustomization.yaml with the ServiceMonitor whose job names the alerts expect', () => {
    const manifests = renderKustomization(repoPath('deploy/observability'));
    expect(manifests.map((manifest) => `${manifest.kind}/${manifest.metadata.name}`).sort()).toEqual(['PrometheusRule/sluice-alerts', 'ServiceMonitor/sluice']);
    const monitor = manifests.find((manifest) => manifest.kind === 'ServiceMonitor') as JsonObject;
    const spec = monitor['spec'] as JsonObject;
    expect(spec['endpoints']).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
    const services = renderKustomization(repoPath('k8s/base')).filter((manifest) => manifest.kind === 'Service');
    const selected = services.filter((service) => {
      const labels = (service.metadata['labels'] ?? {}) as Record<string, string>;
      const selector = spec['selector'] as { matchLabels: Record<string, string>; matchExpressions: { key: string; operator: string; values: string[] }[] };
      return (
        Object.entries(selector.matchLabels).every(([key, value]) => labels[key] === value) &&
        selector.matchExpressions.every((expression) => expression.operator === 'In' && expression.values.includes(labels[expression.key]))
      );
    });
    expect(selected.map((service) => service.metadata.name).sort()).toEqual(['control-plane', 'gateway']);
    // The Services' metrics port is named as the ServiceMonitor expects (k8s.spec.ts checks it reaches the app's metrics listener).
    for (const service of selected) expect(((service['spec'] as JsonObject)['ports'] as JsonObject[]).map((port) => port['name'])).toContain('metrics');
  });
});

describe('deploy/observability/grafana-dashboard.json', () => {
  const metrics = () => definedMetrics();

  it('is a Grafana dashboard with a uid, a datasource variable and panels that use it', () => {
    const { dashboard, panels } = loadDashboard();
    expect(dashboard['uid']).toBe('sluice-overview');
    expect(typeof dashboard['title']).toBe('string');
    const graphs = panels.filter((panel) => panel.type !== 'row');
    expect(graphs.length).toBeGreaterThan(10);
    for (const panel of graphs) {
      expect({ panel: panel.title, datasource: panel.datasource }).toEqual({ panel: panel.title, datasource: { type: 'prometheus', uid: '${datasource}' } });
      expect(panel.targets.length).toBeGreaterThan(0);
      const refIds = panel.targets.map((target) => target.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
    }
  });

  it('queries only metrics and labels metric-names.ts defines, with expressions that parse', () => {
    const { dashboard, panels } = loadDashboard();
    for (const panel of panels) {
      for (const { expr } of panel.targets) {
        let problems: string[];
        try {
          problems = undefinedReferences(checkPromql(expr), metrics());
        } catch (error) {
          problems = [`does not parse: ${(error as Error).message}`];
        }
        expect({ panel: panel.title, expr, problems }).toEqual({ panel: panel.title, expr, problems: [] });
      }
    }
    for (const { metric, label } of templatingQueries(dashboard)) {
      expect(undefinedReferences({ metrics: new Set([metric]), labels: new Set([label]), functions: new Set() }, metrics())).toEqual([]);
    }
  });

  it('shows every metric the apps define (process metrics aside)', () => {
    const { panels } = loadDashboard();
    const shown = new Set(panels.flatMap((panel) => panel.targets.flatMap(({ expr }) => [...checkPromql(expr).metrics]).map((series) => definitionOf(series, metrics())?.name)));
    const missing = metrics()
      .filter((metric) => !metric.name.startsWith('process_') && !metric.name.startsWith('nodejs_'))
      .filter((metric) => !shown.has(metric.name))
      .map((metric) => metric.name);
    expect(missing).toEqual([]);
  });
});
