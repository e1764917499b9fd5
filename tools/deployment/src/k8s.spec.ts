import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import { commonEnvNumberDefault, knownVariables, nestGetRoutes, TARGETS, type Target } from './lib/apps';
import { envVariables, loadDockerfile, stageChain, stageNamed } from './lib/dockerfile';
import { manifestId, parseImage, type Manifest } from './lib/kustomize';
import { parseQuantity, selects, validateManifest } from './lib/kubernetes';
import { readRepoFile } from './lib/repo';
import {
  containerEnv,
  containersOf,
  envValue,
  findNamed,
  ofKind,
  render,
  RENDERS,
  secretData,
  targetOf,
  workloads,
  type Render,
  type Workload,
} from './lib/workloads';

/** What the base's Secret template documents: the keys an external secret manager must provide. */
const secretTemplate = (): Manifest[] => ofKind<ISecret>(render('base'), 'Secret');

/** What must be left of a pod's termination grace period after the pause and the app's drain. */
const MIN_SPARE_MS = 2_000;

/** The apps that serve HTTP, with the variable that sets their port. */
const SERVERS: Partial<Record<Target, { app: 'control-plane' | 'gateway'; portVariable: string; metricsPortVariable: string }>> = {
  'control-plane': { app: 'control-plane', portVariable: 'CONTROL_PLANE_PORT', metricsPortVariable: 'CONTROL_PLANE_METRICS_PORT' },
  gateway: { app: 'gateway', portVariable: 'GATEWAY_PORT', metricsPortVariable: 'GATEWAY_METRICS_PORT' },
};

/** The Prometheus Operator's pods: the only ones admitted to the metrics ports. */
const PROMETHEUS_PEER = { namespaceSelector: {}, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } };

function portNumber(container: IContainer, port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return container.ports?.some((declared) => declared.containerPort === port) ? port : undefined;
  return container.ports?.find((declared) => declared.name === port)?.containerPort;
}

function httpProbe(probe: IProbe | undefined): { path?: string; port?: number | string } | undefined {
  return probe?.httpGet ? { path: probe.httpGet.path, port: probe.httpGet.port } : undefined;
}

/** The fewest replicas a Deployment runs: its HPA's minimum, or spec.replicas (default 1). */
function minimumReplicas(manifests: Manifest[], deployment: IDeployment & Manifest): number {
  const hpa = ofKind<IHorizontalPodAutoscaler>(manifests, 'HorizontalPodAutoscaler').find(
    (candidate) => candidate.spec?.scaleTargetRef.kind === 'Deployment' && candidate.spec.scaleTargetRef.name === deployment.metadata.name,
  );
  return hpa ? (hpa.spec?.minReplicas ?? 1) : (deployment.spec?.replicas ?? 1);
}

function deploymentsSelectedBy(manifests: Manifest[], matchLabels: Record<string, string> | undefined): (IDeployment & Manifest)[] {
  return ofKind<IDeployment>(manifests, 'Deployment').filter((deployment) => selects(matchLabels, deployment.spec?.template.metadata?.labels));
}

function workloadsSelectedBy(manifests: Manifest[], matchLabels: Record<string, string> | undefined): Workload[] {
  return workloads(manifests).filter((workload) => selects(matchLabels, workload.template.metadata?.labels));
}

function secretPlaceholderRules(): { jwtMinLength: number; secretsKey: RegExp; databaseUrl: RegExp } {
  const source = readRepoFile('apps/control-plane/src/config/control-plane.config.ts');
  const decorators = (variable: string) => source.slice(0, source.indexOf(`readonly ${variable}`)).split('readonly').at(-1) ?? '';
  const jwt = /@MinLength\((\d+)/.exec(decorators('JWT_SECRET'));
  const secretsKey = /@Matches\(\/(.+)\/([a-z]*),/.exec(decorators('SECRETS_KEY'));
  const databaseUrl = /@Matches\(\/(.+)\/([a-z]*),/.exec(decorators('DATABASE_URL'));
  if (!jwt || !secretsKey || !databaseUrl) throw new Error('cannot read the JWT_SECRET, SECRETS_KEY and DATABASE_URL rules from the control plane schema');
  return { jwtMinLength: Number(jwt[1]), secretsKey: new RegExp(secretsKey[1], secretsKey[2]), databaseUrl: new RegExp(databaseUrl[1], databaseUrl[2]) };
}

describe.each(RENDERS)('k8s %s', (name: Render) => {
  const manifests = () => render(name);
  const deployments = () => ofKind<IDeployment>(manifests(), 'Deployment');

  describe('manifests', () => {
    it('validate against their Kubernetes schemas, with no unknown fields', () => {
      const problems = Object.fromEntries(manifests().map((manifest) => [manifestId(manifest), validateManifest(manifest)]).filter(([, errors]) => errors.length > 0));
      expect(problems).toEqual({});
    });

    it('have unique kinds and names', () => {
      const ids = manifests().map((manifest) => `${manifest.kind}/${manifest.metadata.name}`);
      expect(ids.filter((id, index) => ids.indexOf(id) !== index)).toEqual([]);
    });

    it('include both Deployments, their Services, the migration Job, the HPA and the NetworkPolicies', () => {
      const ids = new Set(manifests().map((manifest) => `${manifest.kind}/${manifest.metadata.name}`));
      for (const id of [
        'ConfigMap/sluice-config',
        'Deployment/control-plane',
        'Deployment/gateway',
        'Service/control-plane',
        'Service/gateway',
        'Job/sluice-migrate',
        'HorizontalPodAutoscaler/gateway',
        'NetworkPolicy/control-plane',
        'NetworkPolicy/gateway',
      ]) {
        expect(ids).toContain(id);
      }
    });

    it('carry the app.kubernetes.io labels (name and component on everything but the shared ConfigMap and Secret)', () => {
      for (const manifest of manifests()) {
        const labels = (manifest.metadata['labels'] ?? {}) as Record<string, string>;
        expect({ id: manifestId(manifest), partOf: labels['app.kubernetes.io/part-of'] }).toEqual({ id: manifestId(manifest), partOf: 'sluice' });
        if (manifest.kind === 'ConfigMap' || manifest.kind === 'Secret') continue;
        expect(Object.keys(labels)).toEqual(expect.arrayContaining(['app.kubernetes.io/name', 'app.kubernetes.io/component']));
      }
      for (const workload of workloads(manifests())) {
        expect(Object.keys(workload.template.metadata?.labels ?? {})).toEqual(
          expect.arrayContaining(['app.kubernetes.io/name', 'app.kubernetes.io/component', 'app.kubernetes.io/part-of']),
        );
      }
    });
  });

  describe('Deployments', () => {
    it('select their own pod template', () => {
      for (const deployment of deployments()) {
        expect(selects(deployment.spec?.selector.matchLabels, deployment.spec?.template.metadata?.labels)).toBe(true);
        // No two Deployments' selectors overlap.
        expect(deploymentsSelectedBy(manifests(), deployment.spec?.selector.matchLabels)).toHaveLength(1);
      }
    });

    it('probe /health/live (startup, liveness) and /health/ready (readiness) on the port the app listens on', () => {
      for (const deployment of deployments()) {
        for (const container of deployment.spec?.template.spec?.containers ?? []) {
          const server = SERVERS[targetOf(container)];
          if (!server) throw new Error(`${deployment.metadata.name}: ${container.name} is not an HTTP app`);
          const routes = nestGetRoutes(server.app);
          const listens = Number(envValue(containerEnv(container, manifests(), secretTemplate()), server.portVariable));
          const probes = { startup: httpProbe(container.startupProbe), liveness: httpProbe(container.livenessProbe), readiness: httpProbe(container.readinessProbe) };
          expect({ container: container.name, paths: { startup: probes.startup?.path, liveness: probes.liveness?.path, readiness: probes.readiness?.path } }).toEqual({
            container: container.name,
            paths: { startup: '/health/live', liveness: '/health/live', readiness: '/health/ready' },
          });
          for (const probe of Object.values(probes)) {
            expect(routes).toContain(probe?.path);
            expect({ container: container.name, port: portNumber(container, probe?.port) }).toEqual({ container: container.name, port: listens });
          }
        }
      }
    });

    it('declare a `metrics` port where the app serves /metrics (its *_METRICS_PORT), and their Service exposes it under that name', () => {
      for (const deployment of deployments()) {
        for (const container of deployment.spec?.template.spec?.containers ?? []) {
          const server = SERVERS[targetOf(container)];
          const metricsPort = Number(envValue(containerEnv(container, manifests(), secretTemplate()), server?.metricsPortVariable ?? ''));
          expect({ container: container.name, metrics: portNumber(container, 'metrics') }).toEqual({ container: container.name, metrics: metricsPort });
          expect(metricsPort).not.toBe(portNumber(container, 'http'));
          const service = findNamed<IService>(manifests(), 'Service', deployment.metadata.name);
          expect(service?.spec?.ports).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'metrics', targetPort: 'metrics' })]));
        }
      }
    });

    it('declare the container port that the Dockerfile stage exposes', () => {
      const stages = loadDockerfile();
      for (const deployment of deployments()) {
        for (const container of deployment.spec?.template.spec?.containers ?? []) {
          const exposed = stageChain(stages, stageNamed(stages, targetOf(container)))
            .flatMap((stage) => stage.instructions)
            .filter((instruction) => instruction.keyword === 'EXPOSE')
            .flatMap((instruction) => instruction.args.split(/\s+/).map((port) => Number.parseInt(port, 10)));
          expect(container.ports?.map((port) => port.containerPort)).toEqual(exposed);
        }
      }
    });

    it('fit the preStop pause, the drain delay and the shutdown grace in the termination grace period', () => {
      for (const deployment of deployments()) {
        const terminationGraceMs = (deployment.spec?.template.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
        for (const container of deployment.spec?.template.spec?.containers ?? []) {
          const command = container.lifecycle?.preStop?.exec?.command ?? [];
          expect(command).toEqual(['sleep', expect.stringMatching(/^\d+$/)]);
          const env = containerEnv(container, manifests(), secretTemplate());
          const setting = (variable: string) => Number(envValue(env, variable) ?? commonEnvNumberDefault(variable));
          const budget = {
            container: container.name,
            pauseMs: Number(command[1]) * 1000,
            drainDelayMs: setting('SHUTDOWN_DRAIN_DELAY_MS'),
            graceMs: setting('SHUTDOWN_GRACE_MS'),
          };
          // A pause before the listener closes, so that endpoints stop routing here first.
          expect(budget.pauseMs + budget.drainDelayMs).toBeGreaterThan(0);
          // The app exits (forced, at worst) before the kubelet's SIGKILL, with time to spare.
          const spareMs = terminationGraceMs - budget.pauseMs - budget.drainDelayMs - budget.graceMs;
          expect({ ...budget, spareMs, enough: spareMs >= MIN_SPARE_MS }).toEqual({ ...budget, spareMs, enough: true });
        }
      }
    });

    it('spread their pods over nodes and zones', () => {
      for (const deployment of deployments()) {
        const constraints = deployment.spec?.template.spec?.topologySpreadConstraints ?? [];
        expect(constraints.map((constraint) => constraint.topologyKey).sort()).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
        for (const constraint of constraints) {
          expect(selects(constraint.labelSelector?.matchLabels, deployment.spec?.template.metadata?.labels)).toBe(true);
        }
      }
    });

    it('turn Service links off (a Service named gateway would set GATEWAY_PORT=tcp://...)', () => {
      for (const workload of workloads(manifests())) expect({ id: workload.id, enableServiceLinks: workload.template.spec?.enableServiceLinks }).toEqual({ id: workload.id, enableServiceLinks: false });
    });

    it('leave spec.replicas to the HPA when one targets them', () => {
      for (const hpa of ofKind<IHorizontalPodAutoscaler>(manifests(), 'HorizontalPodAutoscaler')) {
        const target = findNamed<IDeployment>(manifests(), 'Deployment', hpa.spec?.scaleTargetRef.name ?? '');
        expect(target?.spec?.replicas).toBeUndefined();
      }
    });
  });

  describe('pods (Deployments and the Job)', () => {
    it('run as the node user, non-root, read-only, without privilege escalation or capabilities, with RuntimeDefault seccomp', () => {
      for (const workload of workloads(manifests())) {
        expect({ id: workload.id, pod: workload.template.spec?.securityContext }).toEqual({
          id: workload.id,
          pod: expect.objectContaining({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } }),
        });
        expect(workload.template.spec?.automountServiceAccountToken).toBe(false);
        for (const container of containersOf(workload)) {
          expect({ id: workload.id, container: container.name, securityContext: container.securityContext }).toEqual({
            id: workload.id,
            container: container.name,
            securityContext: expect.objectContaining({
              runAsNonRoot: true,
              runAsUser: 1000,
              readOnlyRootFilesystem: true,
              allowPrivilegeEscalation: false,
              capabilities: { drop: ['ALL'] },
              seccompProfile: { type: 'RuntimeDefault' },
            }),
          });
          expect(container.securityContext?.privileged).not.toBe(true);
        }
      }
    });

    it('mount an emptyDir on /tmp (the root filesystem is read-only)', () => {
      for (const workload of workloads(manifests())) {
        const volumes = workload.template.spec?.volumes ?? [];
        for (const container of containersOf(workload)) {
          const mount = container.volumeMounts?.find((candidate) => candidate.mountPath === '/tmp');
          expect({ id: workload.id, emptyDir: volumes.find((volume) => volume.name === mount?.name)?.emptyDir !== undefined }).toEqual({ id: workload.id, emptyDir: true });
        }
      }
    });

    it('request and limit CPU and memory in every container, requests within limits', () => {
      for (const workload of workloads(manifests())) {
        for (const container of containersOf(workload)) {
          const { requests = {}, limits = {} } = container.resources ?? {};
          for (const resource of ['cpu', 'memory']) {
            const where = `${workload.id} ${container.name} ${resource}`;
            expect({ where, request: requests[resource] !== undefined, limit: limits[resource] !== undefined }).toEqual({ where, request: true, limit: true });
            expect(parseQuantity(requests[resource])).toBeLessThanOrEqual(parseQuantity(limits[resource]));
          }
        }
      }
    });

    it('keep the image command (node as PID 1 from the Dockerfile CMD)', () => {
      for (const workload of workloads(manifests())) {
        for (const container of containersOf(workload)) expect({ id: workload.id, command: container.command, args: container.args }).toEqual({ id: workload.id, command: undefined, args: undefined });
      }
    });

    it(`use sluice/<Dockerfile target> images ${name === 'base' ? 'without a tag (overlays pin it)' : 'pinned to one tag'}`, () => {
      const stages = loadDockerfile();
      const images = workloads(manifests()).flatMap(containersOf).map((container) => ({ target: targetOf(container), ...parseImage(container.image ?? '') }));
      for (const image of images) expect(stages.map((stage) => stage.name)).toContain(image.target);
      const tags = new Set(images.map((image) => image.tag));
      if (name === 'base') expect([...tags]).toStrictEqual([undefined]);
      if (name === 'dev') expect([...tags]).toStrictEqual(['dev']);
      if (name === 'prod') {
        expect(tags.size).toBe(1);
        expect([...tags][0]).toMatch(/^\d+\.\d+\.\d+$/);
      }
    });
  });

  describe('Services', () => {
    it('select one Deployment and target a port its containers declare', () => {
      const services = ofKind<IService>(manifests(), 'Service');
      expect(services.map((service) => service.metadata.name).sort()).toEqual(['control-plane', 'gateway']);
      for (const service of services) {
        expect(service.spec?.type ?? 'ClusterIP').toBe('ClusterIP');
        const [deployment, ...others] = deploymentsSelectedBy(manifests(), service.spec?.selector);
        expect({ service: service.metadata.name, deployment: deployment?.metadata.name, others: others.length }).toEqual({
          service: service.metadata.name,
          deployment: service.metadata.name,
          others: 0,
        });
        for (const port of service.spec?.ports ?? []) {
          const target = port.targetPort ?? port.port;
          const resolved = (deployment.spec?.template.spec?.containers ?? []).map((container) => portNumber(container, target)).find((found) => found !== undefined);
          expect({ service: service.metadata.name, port: port.port, targetPort: resolved }).toEqual({ service: service.metadata.name, port: port.port, targetPort: expect.any(Number) });
        }
      }
    });
  });

  describe('HorizontalPodAutoscaler', () => {
    it('scales the gateway on 70% CPU, whose containers request CPU', () => {
      const hpas = ofKind<IHorizontalPodAutoscaler>(manifests(), 'HorizontalPodAutoscaler');
      expect(hpas).toHaveLength(1);
      for (const hpa of hpas) {
        const { scaleTargetRef, minReplicas = 1, maxReplicas, metrics } = hpa.spec ?? { scaleTargetRef: { kind: '', name: '' }, maxReplicas: 0 };
        expect(scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'gateway' });
        const target = findNamed<IDeployment>(manifests(), 'Deployment', scaleTargetRef.name);
        expect(target).toBeDefined();
        expect(metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
        for (const container of target?.spec?.template.spec?.containers ?? []) expect(container.resources?.requests?.['cpu']).toBeDefined();
        expect(minReplicas).toBeLessThanOrEqual(maxReplicas);
        if (name === 'base') expect({ minReplicas, maxReplicas }).toEqual({ minReplicas: 2, maxReplicas: 20 });
      }
    });
  });

  describe('PodDisruptionBudgets', () => {
    it(name === 'dev' ? 'are removed (single replicas: minAvailable 1 would block node drains)' : 'keep one pod of each Deployment and still let a node drain', () => {
      const budgets = ofKind<IPodDisruptionBudget>(manifests(), 'PodDisruptionBudget');
      if (name === 'dev') {
        expect(budgets).toEqual([]);
        return;
      }
      expect(budgets.map((budget) => budget.metadata.name).sort()).toEqual(['control-plane', 'gateway']);
      for (const budget of budgets) {
        expect(budget.spec?.minAvailable).toBe(1);
        const selected = deploymentsSelectedBy(manifests(), budget.spec?.selector?.matchLabels);
        expect(selected.map((deployment) => deployment.metadata.name)).toEqual([budget.metadata.name]);
        expect(minimumReplicas(manifests(), selected[0])).toBeGreaterThan(Number(budget.spec?.minAvailable));
      }
    });
  });

  describe('replicas', () => {
    const expected: Record<Render, number> = { base: 2, dev: 1, prod: 3 };
    it(`run at least ${expected[name]} of each Deployment`, () => {
      for (const deployment of deployments()) expect({ deployment: deployment.metadata.name, replicas: minimumReplicas(manifests(), deployment) }).toEqual({ deployment: deployment.metadata.name, replicas: expected[name] });
    });
  });

  describe('NetworkPolicies', () => {
    const policies = () => ofKind<INetworkPolicy>(manifests(), 'NetworkPolicy');
    const ports = (rules: { ports?: { protocol?: string; port?: number | string }[] }[] | undefined) =>
      (rules ?? []).flatMap((rule) => (rule.ports ?? []).map((port) => `${port.port}/${port.protocol ?? 'TCP'}`)).sort();
    const configPort = (url: string | undefined, fallback: number) => (url ? Number(new URL(url).port || fallback) : fallback);

    it('select existing pods, and every workload has one', () => {
      for (const policy of policies()) expect({ policy: policy.metadata.name, selects: workloadsSelectedBy(manifests(), policy.spec?.podSelector.matchLabels).length }).toEqual({ policy: policy.metadata.name, selects: 1 });
      for (const workload of workloads(manifests())) {
        const covering = policies().filter((policy) => selects(policy.spec?.podSelector.matchLabels, workload.template.metadata?.labels));
        expect({ workload: workload.id, policies: covering.length }).toEqual({ workload: workload.id, policies: 1 });
      }
    });

    it('restrict both directions', () => {
      for (const policy of policies()) expect(policy.spec?.policyTypes?.sort()).toEqual(['Egress', 'Ingress']);
    });

    it('admit traffic from anywhere to the API port, from Prometheus only to the metrics port, and nothing else', () => {
      for (const policy of policies()) {
        const [workload] = workloadsSelectedBy(manifests(), policy.spec?.podSelector.matchLabels);
        const declared = (name: string) =>
          containersOf(workload).flatMap((container) => (container.ports ?? []).filter((port) => port.name === name).map((port) => `${port.containerPort}/${port.protocol ?? 'TCP'}`));
        const open = (policy.spec?.ingress ?? []).filter((rule) => rule.from === undefined);
        const prometheus = (policy.spec?.ingress ?? []).filter((rule) => rule.from !== undefined);
        expect({ policy: policy.metadata.name, open: ports(open), prometheus: ports(prometheus) }).toEqual({ policy: policy.metadata.name, open: declared('http'), prometheus: declared('metrics') });
        for (const rule of prometheus) expect(rule.from).toEqual([PROMETHEUS_PEER]);
      }
    });

    it('let each workload reach DNS and what its configuration points at, and nothing else', () => {
      const config = findNamed<IConfigMap>(manifests(), 'ConfigMap', 'sluice-config');
      const secrets = secretData(findNamed<ISecret>(secretTemplate(), 'Secret', 'sluice-secrets') ?? {});
      // With REDIS_CLUSTER_NODES set the apps reach those nodes, never REDIS_URL; every node must share the one opened port.
      const clusterNodes = config?.data?.['REDIS_CLUSTER_NODES'];
      const redisPorts = clusterNodes ? new Set(clusterNodes.split(',').map((node) => configPort(`redis://${node.trim()}`, 6379))) : new Set([configPort(config?.data?.['REDIS_URL'], 6379)]);
      expect(redisPorts.size).toBe(1);
      const [redis] = redisPorts;
      const postgres = configPort(secrets['DATABASE_URL'], 5432);
      const dns = ['53/TCP', '53/UDP'];
      const expected: Record<string, string[]> = {
        'control-plane': [...dns, `${redis}/TCP`, `${postgres}/TCP`],
        gateway: [...dns, `${redis}/TCP`, '443/TCP'], // + LLM providers over HTTPS
        migrate: [...dns, `${postgres}/TCP`],
      };
      for (const policy of policies()) {
        const [workload] = workloadsSelectedBy(manifests(), policy.spec?.podSelector.matchLabels);
        const target = targetOf(containersOf(workload)[0]);
        expect({ policy: policy.metadata.name, egress: ports(policy.spec?.egress) }).toEqual({ policy: policy.metadata.name, egress: expected[target].sort() });
      }
    });

    it('send the gateway to HTTPS on the internet only, not to private ranges or the metadata address', () => {
      const gateway = policies().find((policy) => selects(policy.spec?.podSelector.matchLabels, findNamed<IDeployment>(manifests(), 'Deployment', 'gateway')?.spec?.template.metadata?.labels));
      const https = gateway?.spec?.egress?.find((rule) => rule.ports?.some((port) => port.port === 443));
      expect(https?.to).toEqual([{ ipBlock: { cidr: '0.0.0.0/0', except: expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16']) } }]);
    });
  });

  describe('migration Job', () => {
    it('runs the migrate image with its default command, a few retries and both config sources', () => {
      const jobs = ofKind<IJob>(manifests(), 'Job');
      expect(jobs.map((job) => job.metadata.name)).toEqual(['sluice-migrate']);
      const [job] = jobs;
      expect(job.spec?.backoffLimit).toBe(3);
      expect(['Never', 'OnFailure']).toContain(job.spec?.template.spec?.restartPolicy);
      const [container, ...others] = job.spec?.template.spec?.containers ?? [];
      expect(others).toEqual([]);
      expect(targetOf(container)).toBe('migrate');
      expect(container.envFrom).toEqual([{ configMapRef: { name: 'sluice-config' } }, { secretRef: { name: 'sluice-secrets' } }]);
    });
  });

  describe('configuration', () => {
    it('sets production defaults in the ConfigMap', () => {
      const data = findNamed<IConfigMap>(manifests(), 'ConfigMap', 'sluice-config')?.data ?? {};
      // dev's secrets are published in this repository: production mode would refuse them.
      expect(data).toEqual(expect.objectContaining({ NODE_ENV: name === 'dev' ? 'development' : 'production', MIGRATE_ON_START: 'false', LOG_LEVEL: name === 'dev' ? 'debug' : 'info' }));
      // The ingress's hop: a hop count or proxy CIDRs, never `true` (any client would choose its address).
      expect(data['TRUST_PROXY']).toMatch(/^([1-9]|[0-9a-f.:]+(\/\d+)?(,[0-9a-f.:]+(\/\d+)?)*)$/);
      expect(Object.keys(data).sort()).toEqual(
        [
          'CONTROL_PLANE_METRICS_PORT',
          'CONTROL_PLANE_PORT',
          'GATEWAY_METRICS_PORT',
          'GATEWAY_PORT',
          'LOG_LEVEL',
          'MIGRATE_ON_START',
          'NODE_ENV',
          'REDIS_KEY_PREFIX',
          'REDIS_URL',
          // prod shows the Redis Cluster set-up, with the usage stream spread over its masters.
          ...(name === 'prod' ? ['REDIS_CLUSTER_NODES', 'USAGE_STREAM_SHARDS'] : []),
          'SHUTDOWN_DRAIN_DELAY_MS',
          'SHUTDOWN_GRACE_MS',
          'TRUST_PROXY',
        ].sort(),
      );
    });

    it('references ConfigMaps that are rendered and Secret keys that are rendered or documented in the base template', () => {
      for (const workload of workloads(manifests())) {
        for (const container of containersOf(workload)) {
          expect(() => containerEnv(container, manifests(), secretTemplate())).not.toThrow();
          for (const variable of container.env ?? []) {
            const ref = variable.valueFrom?.secretKeyRef ?? variable.valueFrom?.configMapKeyRef;
            if (!ref) continue;
            const kind = variable.valueFrom?.secretKeyRef ? 'Secret' : 'ConfigMap';
            const keys =
              kind === 'Secret'
                ? Object.keys(secretData(findNamed<ISecret>(manifests(), 'Secret', ref.name ?? '') ?? findNamed<ISecret>(secretTemplate(), 'Secret', ref.name ?? '') ?? {}))
                : Object.keys(findNamed<IConfigMap>(manifests(), 'ConfigMap', ref.name ?? '')?.data ?? {});
            expect({ where: `${workload.id} ${variable.name}`, key: keys.includes(ref.key) }).toEqual({ where: `${workload.id} ${variable.name}`, key: true });
          }
        }
      }
    });

    it('gives the whole Secret only to the control plane and the migration; the gateway gets JWT_SECRET alone', () => {
      for (const workload of workloads(manifests())) {
        for (const container of containersOf(workload)) {
          const fromSecret = containerEnv(container, manifests(), secretTemplate())
            .filter((entry) => entry.source.startsWith('Secret') || container.env?.find((variable) => variable.name === entry.name)?.valueFrom?.secretKeyRef)
            .map((entry) => entry.name)
            .sort();
          const expected = targetOf(container) === 'gateway' ? ['JWT_SECRET'] : ['DATABASE_URL', 'JWT_SECRET', 'SECRETS_KEY'];
          expect({ workload: workload.id, fromSecret }).toEqual({ workload: workload.id, fromSecret: expected });
        }
      }
    });

    it(
      {
        base: 'holds a Secret template whose placeholders the apps refuse',
        dev: 'replaces the Secret template with development values the apps accept outside production',
        prod: 'does not render the Secret template (a secret manager owns sluice-secrets)',
      }[name],
      () => {
        const rules = secretPlaceholderRules();
        const secret = findNamed<ISecret>(manifests(), 'Secret', 'sluice-secrets');
        const values = secretData(secret ?? {});
        if (name === 'prod') {
          expect(secret).toBeUndefined();
          return;
        }
        expect(Object.keys(values).sort()).toEqual(['DATABASE_URL', 'JWT_SECRET', 'SECRETS_KEY']);
        if (name === 'base') {
          for (const value of Object.values(values)) expect(value).toContain('REPLACE_ME');
          expect(values['JWT_SECRET'].length).toBeLessThan(rules.jwtMinLength);
          expect(values['SECRETS_KEY']).not.toMatch(rules.secretsKey);
          expect(values['DATABASE_URL']).toMatch(rules.databaseUrl); // shaped like the real one...
          expect(new URL(values['DATABASE_URL']).hostname).toMatch(/\.invalid$/); // ...but never resolves
        } else {
          for (const value of Object.values(values)) expect(value).not.toContain('REPLACE_ME');
          expect(values['JWT_SECRET'].length).toBeGreaterThanOrEqual(rules.jwtMinLength);
          expect(values['SECRETS_KEY']).toMatch(rules.secretsKey);
          expect(values['DATABASE_URL']).toMatch(rules.databaseUrl);
        }
      },
    );

    it('gives each app only variables it knows (a shared ConfigMap key: one of the apps that load it)', () => {
      const loadedBy = new Map<string, Set<Target>>(); // "ConfigMap sluice-config" → targets loading it
      const given: { where: string; target: Target; entry: { name: string; source: string } }[] = [];
      for (const workload of workloads(manifests())) {
        for (const container of containersOf(workload)) {
          const target = targetOf(container);
          for (const entry of containerEnv(container, manifests(), secretTemplate())) {
            given.push({ where: `${workload.id} ${container.name}`, target, entry });
            if (entry.source !== 'env') loadedBy.set(entry.source, new Set([...(loadedBy.get(entry.source) ?? []), target]));
          }
        }
      }
      const unknown = given
        .filter(({ target, entry }) => {
          if (knownVariables(target).has(entry.name)) return false;
          if (entry.source === 'env') return true;
          return ![...(loadedBy.get(entry.source) ?? [])].some((other) => knownVariables(other).has(entry.name));
        })
        .map(({ where, entry }) => `${where}: ${entry.name} (from ${entry.source})`);
      expect(unknown).toEqual([]);
    });
  });
});

describe('k8s Dockerfile targets', () => {
  it('has a Dockerfile stage for every target the manifests may use', () => {
    const stages = loadDockerfile().map((stage) => stage.name);
    for (const target of TARGETS) expect(stages).toContain(target);
  });

  it('sets in each app stage the port the Deployment uses', () => {
    const stages = loadDockerfile();
    for (const [target, server] of Object.entries(SERVERS)) {
      const env = Object.assign({}, ...stageNamed(stages, target).instructions.filter((instruction) => instruction.keyword === 'ENV').map((instruction) => envVariables(instruction.args)));
      const config = findNamed<IConfigMap>(render('base'), 'ConfigMap', 'sluice-config')?.data ?? {};
      expect({ target, port: env[server?.portVariable ?? ''] }).toEqual({ target, port: config[server?.portVariable ?? ''] });
      expect(knownVariables(target as Target).has(server?.portVariable ?? '')).toBe(true);
    }
  });
});
