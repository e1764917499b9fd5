import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const SOURCES = ['apps/control-plane/src', 'libs/shared/platform/src'];

/**
 * The OpenAPI document names a DTO's schema after its class (or its
 * `@ApiSchema({ name })`), and keeps one schema per name: two DTOs with the
 * same name make one of them describe the other's routes, with nothing to
 * warn. Every schema name of the control plane's DTOs must be unique.
 */
function schemaNames(): Array<{ name: string; file: string }> {
  return SOURCES.flatMap((source) =>
    readdirSync(path.join(ROOT, source), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
      .flatMap((file) => {
        const text = readFileSync(path.join(ROOT, source, file), 'utf8');
        return [...text.matchAll(/(?:@ApiSchema\(\{\s*name:\s*'(\w+)'[^)]*\)\s*\n)?export class (\w+Dto)\b/g)].map(([, schema, className]) => ({
          name: schema ?? className,
          file: `${source}/${file.split(path.sep).join('/')}`,
        }));
      }),
  );
}

describe('OpenAPI schema names', () => {
  it('are unique across the control plane (else the document silently keeps one of the DTOs)', () => {
    const names = schemaNames();
    expect(names.length).toBeGreaterThan(100);
    const files = new Map<string, string[]>();
    for (const { name, file } of names) files.set(name, [...(files.get(name) ?? []), file]);
    expect([...files].filter(([, where]) => where.length > 1)).toEqual([]);
  });
});
