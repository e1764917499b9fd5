const patterns = new Map<string, RegExp>();

/**
 * Whether `modelId` matches `glob`: `*` is any run of characters (`/`
 * included: model ids are not paths), `?` one character, the rest literal.
 * The gateway checks keys and tenants with it; the control plane checks that
 * a key's globs match some catalog model with the same rule.
 */
export function matchesGlob(modelId: string, glob: string): boolean {
  return patternOf(glob).test(modelId);
}

/** Whether `modelId` matches one of `globs`; no globs match nothing. */
export function matchesAnyGlob(modelId: string, globs: readonly string[]): boolean {
  for (const glob of globs) if (matchesGlob(modelId, glob)) return true;
  return false;
}

function patternOf(glob: string): RegExp {
  let pattern = patterns.get(glob);
  if (pattern === undefined) {
    const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    pattern = new RegExp(`^${source}$`);
    // Globs come from a handful of plans and keys; the bound only guards against a pathological catalog.
    if (patterns.size < 10_000) patterns.set(glob, pattern);
  }
  return pattern;
}
