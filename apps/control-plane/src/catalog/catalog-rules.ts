import type { ModelFields, RegionRow } from '@sluice/control-plane/data-access';

/** What the deployment's own environment allows, from the control plane's configuration. */
export interface DeploymentPolicy {
  /** PROVIDER_CREDENTIAL_ENVS: the only variables a `credential_env` may name (the gateway reads no others). */
  credentialEnvs: readonly string[];
}

/** Field → problems, in the shape of a validation error's `details` (docs/decisions.md, HTTP conventions). */
export type CatalogProblems = Record<string, string[]>;

/**
 * Whole-catalog rules that one model's DTO cannot check: fallbacks name
 * existing models (not themselves) and never loop, aliases do not shadow
 * another model, deployments run in known regions, take their credential
 * from a listed variable and, unless they are mock or sandbox deployments,
 * speak https. `models` is the catalog as it would be after the change; only
 * problems of `changed` are reported.
 */
export function catalogProblems(models: ModelFields[], regions: Pick<RegionRow, 'id'>[], changed: string[], policy: DeploymentPolicy): CatalogProblems {
  const problems: CatalogProblems = {};
  const add = (field: string, message: string) => (problems[field] ??= []).push(message);
  const byId = new Map(models.map((model) => [model.id, model]));
  const regionIds = new Set(regions.map((region) => region.id));
  const credentialEnvs = new Set(policy.credentialEnvs);
  for (const id of changed) {
    const model = byId.get(id);
    if (!model) continue;
    for (const fallback of model.fallbacks) {
      if (fallback === model.id) add('fallbacks', `${fallback} cannot be its own fallback`);
      else if (!byId.has(fallback)) add('fallbacks', `${fallback} is not a model in the catalog`);
    }
    const cycle = fallbackCycle(byId, model.id);
    if (cycle) add('fallbacks', `fallbacks form a cycle: ${cycle.join(' → ')}`);
    for (const alias of model.aliases) {
      const owner = models.find((other) => other.id !== model.id && (other.id === alias || other.aliases.includes(alias)));
      if (alias === model.id || owner) add('aliases', `${alias} already names ${owner?.id ?? 'this model'}`);
    }
    model.deployments.forEach((deployment, index) => {
      if (deployment.region && !regionIds.has(deployment.region)) add(`deployments.${index}.region`, `${deployment.region} is not a known region`);
      if (!(deployment.weight > 0)) add(`deployments.${index}.weight`, 'weight must be positive');
      const variable = deployment.credential_env;
      if (variable !== null && variable !== undefined && !credentialEnvs.has(variable)) {
        add(`deployments.${index}.credential_env`, `${variable} is not a provider credential variable (PROVIDER_CREDENTIAL_ENVS: ${policy.credentialEnvs.join(', ')})`);
      }
      if (!model.sandbox && deployment.provider !== 'mock' && !isHttps(deployment.base_url)) {
        add(`deployments.${index}.base_url`, 'base_url must be an https:// URL (only mock and sandbox deployments may use http://)');
      }
    });
  }
  return problems;
}

function isHttps(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}

/** A fallback path from `start` back to itself, if there is one. */
function fallbackCycle(byId: Map<string, ModelFields>, start: string): string[] | null {
  const visit = (id: string, path: string[], seen: Set<string>): string[] | null => {
    for (const next of byId.get(id)?.fallbacks ?? []) {
      if (next === start && path.length > 1) return [...path, next];
      if (next === start || seen.has(next) || !byId.has(next)) continue;
      seen.add(next);
      const found = visit(next, [...path, next], seen);
      if (found) return found;
    }
    return null;
  };
  return visit(start, [start], new Set([start]));
}
