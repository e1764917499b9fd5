import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startControlPlane, type ControlPlaneUnderTest } from './control-plane-harness';

interface Row {
  seed: string;
  older: string;
  route: string;
  status: string;
}

const STATUSES = ['served', 'gateway', 'planned', 'none'];

/** The rows of the table in docs/seeds.md. */
function seedRows(): Row[] {
  const doc = readFileSync(join(__dirname, '../../../docs/seeds.md'), 'utf8');
  return doc
    .split('\n')
    .filter((line) => /^\| \d{3} \|/.test(line))
    .map((line) => {
      const [seed, older, route, status] = line.split('|').slice(1).map((cell) => cell.trim().replace(/`/g, ''));
      return { seed, older, route, status };
    });
}

/** `GET /api/tenants/{tenant}/` and `GET /api/tenants/{slug}` name the same operation. */
function normalise(route: string): string {
  const [method, path] = route.split(' ');
  return `${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, '{}').replace(/\/+$/, '') || '/'}`;
}

describe('docs/seeds.md: routes of the older API', () => {
  let app: ControlPlaneUnderTest;
  let operations: Set<string>;
  beforeAll(async () => {
    app = await startControlPlane();
    const document = (await (await fetch(`${app.url}/docs-json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    operations = new Set(Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => normalise(`${method} ${path}`))));
  });
  afterAll(() => app?.close());

  it('has a row for each seed, each with a known status', () => {
    const rows = seedRows();
    expect(new Set(rows.map((row) => row.seed))).toEqual(new Set(['000', '001', '002', '003', '004']));
    expect(rows.filter((row) => !STATUSES.includes(row.status))).toEqual([]);
  });

  it('names only routes that exist in the OpenAPI document when it says they are served', () => {
    const served = seedRows().filter((row) => row.status === 'served');
    expect(served.length).toBeGreaterThan(80);
    expect(served.filter((row) => !operations.has(normalise(row.route))).map((row) => `${row.seed} ${row.older} -> ${row.route}`)).toEqual([]);
  });

  it('flags planned rows whose route now exists, so they get flipped to served', () => {
    const landed = seedRows().filter((row) => row.status === 'planned' && operations.has(normalise(row.route)));
    expect(landed.map((row) => `${row.seed} ${row.older} -> ${row.route}`)).toEqual([]);
  });
});
