const patterns = new Map<string, RegExp>();

/**
 * Whether `modelId` matches one of `globs`: `*` is any run of characters
 * (`/` included: model ids are not paths), `?` one character, the rest literal.
 */
export function matchesAnyGlob(modelId: string, globs: readonly string[]): boolean {
  for (const glob of globs) if (patternOf(glob).test(modelId)) return true;
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
