import type { ModelFields, RegionRow } from '@sluice/control-plane/data-access';

/** Field → problems, in the shape of SPEC 2's validation `details`. */
export type CatalogProblems = Record<string, string[]>;

/**
 * Whole-catalog rules that one model's DTO cannot check: fallbacks name
 * existing models (not themselves) and never loop, aliases do not shadow
 * another model, deployments run in known regions. `models` is the catalog
 * as it would be after the change; only problems of `changed` are reported.
 */
export function catalogProblems(models: ModelFields[], regions: Pick<RegionRow, 'id'>[], changed: string[]): CatalogProblems {
  const problems: CatalogProblems = {};
  const add = (field: string, message: string) => (problems[field] ??= []).push(message);
  const byId = new Map(models.map((model) => [model.id, model]));
  const regionIds = new Set(regions.map((region) => region.id));
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
    });
  }
  return problems;
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
