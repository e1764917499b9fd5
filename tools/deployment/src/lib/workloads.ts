import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import { TARGETS, type Target } from './apps';
import { parseImage, renderKustomization, type Manifest } from './kustomize';
import { repoPath } from './repo';

/** Typed views of rendered manifests, for the k8s tests (after schema validation). */

export type Render = 'base' | 'dev' | 'prod';
export const RENDERS: readonly Render[] = ['base', 'dev', 'prod'];

const renders = new Map<Render, Manifest[]>();
export function render(name: Render): Manifest[] {
  let manifests = renders.get(name);
  if (!manifests) {
    manifests = renderKustomization(repoPath('k8s', name === 'base' ? 'base' : `overlays/${name}`));
    renders.set(name, manifests);
  }
  return structuredClone(manifests);
}

export function ofKind<T>(manifests: Manifest[], kind: string): (Manifest & T)[] {
  return manifests.filter((manifest) => manifest.kind === kind) as (Manifest & T)[];
}

export interface Workload {
  id: string;
  kind: 'Deployment' | 'Job';
  name: string;
  template: IPodTemplateSpec;
}

export function workloads(manifests: Manifest[]): Workload[] {
  return [
    ...ofKind<IDeployment>(manifests, 'Deployment').map((deployment) => ({
      id: `Deployment ${deployment.metadata.name}`,
      kind: 'Deployment' as const,
      name: deployment.metadata.name,
      template: deployment.spec?.template ?? {},
    })),
    ...ofKind<IJob>(manifests, 'Job').map((job) => ({
      id: `Job ${job.metadata.name}`,
      kind: 'Job' as const,
      name: job.metadata.name,
      template: job.spec?.template ?? {},
    })),
  ];
}

export function containersOf(workload: Workload): IContainer[] {
  return [...(workload.template.spec?.initContainers ?? []), ...(workload.template.spec?.containers ?? [])];
}

/** The Dockerfile target of a container, from its image `sluice/<target>[:tag]`. */
export function targetOf(container: IContainer): Target {
  const name = parseImage(container.image ?? '').name;
  const target = TARGETS.find((candidate) => name === `sluice/${candidate}`);
  if (!target) throw new Error(`container ${container.name}: image ${container.image} is not sluice/<${TARGETS.join('|')}>`);
  return target;
}

export interface EnvEntry {
  name: string;
  /** Where it comes from: `ConfigMap sluice-config`, `Secret sluice-secrets`, `env`. */
  source: string;
  /** The value, when the manifests hold it. */
  value?: string;
}

/**
 * The variables a container gets from its manifests. A Secret the render does
 * not include (prod's comes from a secret manager) is read from `external`,
 * the base template that documents its keys.
 */
export function containerEnv(container: IContainer, manifests: Manifest[], external: Manifest[] = []): EnvEntry[] {
  const entries: EnvEntry[] = [];
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) {
      const name = from.configMapRef.name ?? '';
      const configMap = findNamed<IConfigMap>(manifests, 'ConfigMap', name);
      if (!configMap) throw new Error(`container ${container.name}: ConfigMap ${name} is not rendered`);
      for (const [key, value] of Object.entries(configMap.data ?? {})) entries.push({ name: `${from.prefix ?? ''}${key}`, source: `ConfigMap ${name}`, value });
    }
    if (from.secretRef) {
      const name = from.secretRef.name ?? '';
      const secret = findNamed<ISecret>(manifests, 'Secret', name) ?? findNamed<ISecret>(external, 'Secret', name);
      if (!secret) throw new Error(`container ${container.name}: Secret ${name} is neither rendered nor documented`);
      for (const [key, value] of Object.entries(secretData(secret))) entries.push({ name: `${from.prefix ?? ''}${key}`, source: `Secret ${name}`, value });
    }
  }
  for (const variable of container.env ?? []) {
    entries.push({ name: variable.name, source: 'env', ...(variable.value !== undefined && { value: variable.value }) });
  }
  return entries;
}

export function findNamed<T>(manifests: Manifest[], kind: string, name: string): (Manifest & T) | undefined {
  return manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name) as (Manifest & T) | undefined;
}

/** A Secret's values, from stringData or (base64) data. */
export function secretData(secret: Pick<ISecret, 'data' | 'stringData'>): Record<string, string> {
  const decoded = Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
  return { ...decoded, ...(secret.stringData ?? {}) };
}

/** The value of a variable as the container sees it: the last definition wins, as in Kubernetes. */
export function envValue(entries: EnvEntry[], name: string): string | undefined {
  return entries.filter((entry) => entry.name === name).at(-1)?.value;
}
