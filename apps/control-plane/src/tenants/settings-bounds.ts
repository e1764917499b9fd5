import { registerDecorator, type ValidationArguments } from 'class-validator';

/**
 * Bounds of a tenant's free-form `settings` object. Every change to it is
 * copied into the append-only audit chain, so an unbounded object would let
 * any tenant admin grow a table nobody may prune (docs/limits.md).
 */
export const SETTINGS_LIMITS = { maxBytes: 16 * 1024, maxDepth: 8, maxKeys: 100 } as const;

/** Why `settings` is out of bounds, or null: serialized size, nesting depth, keys counted at every level. */
export function settingsProblem(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'settings must be a JSON object';
  const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
  if (bytes > SETTINGS_LIMITS.maxBytes) return `settings must serialize to at most ${SETTINGS_LIMITS.maxBytes} bytes of JSON (got ${bytes})`;
  let keys = 0;
  const stack: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: unknown; depth: number };
    if (node === null || typeof node !== 'object') continue;
    if (depth > SETTINGS_LIMITS.maxDepth) return `settings may nest at most ${SETTINGS_LIMITS.maxDepth} levels deep`;
    const children = Array.isArray(node) ? node : Object.values(node as Record<string, unknown>);
    if (!Array.isArray(node)) keys += children.length;
    if (keys > SETTINGS_LIMITS.maxKeys) return `settings may hold at most ${SETTINGS_LIMITS.maxKeys} keys in all`;
    for (const child of children) stack.push({ node: child, depth: depth + 1 });
  }
  return null;
}

export function IsBoundedSettings(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isBoundedSettings',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => settingsProblem(value) === null,
        defaultMessage: (args: ValidationArguments) => settingsProblem(args.value) ?? 'settings is out of bounds',
      },
    });
}
