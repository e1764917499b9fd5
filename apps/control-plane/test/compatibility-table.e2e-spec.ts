import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startControlPlane, type ControlPlaneUnderTest } from './control-plane-harness';

interface Row {
  api: string;
  older: string;
  route: string;
  status: string;
}

const APIS = ['tenants', 'users', 'account', 'teams', 'envelope'];
const STATUSES = ['served', 'gateway', 'planned', 'none'];

/** The rows of the table in docs/compatibility.md: a lowercase older API's name, then a route in backticks. */
function tableRows(): Row[] {
  const doc = readFileSync(join(__dirname, '../../../docs/compatibility.md'), 'utf8');
  return doc
    .split('\n')
    .filter((line) => /^\| [a-z]+ +\| `/.test(line))
    .map((line) => {
      const [api, older, route, status] = line.split('|').slice(1).map((cell) => cell.trim().replace(/`/g, ''));
      return { api, older, route, status };
    });
}

/** `GET /api/tenants/{tenant}/` and `GET /api/tenants/{slug}` name the same operation. */
function normalise(route: string): string {
  const [method, path] = route.split(' ');
  return `${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, '{}').replace(/\/+$/, '') || '/'}`;
}

describe('docs/compatibility.md: routes of the older APIs', () => {
  let app: ControlPlaneUnderTest;
  let operations: Set<string>;
  beforeAll(async () => {
    app = await startControlPlane();
    const document = (await (await fetch(`${app.url}/docs-json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    operations = new Set(Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => normalise(`${method} ${path}`))));
  });
  afterAll(() => app?.close());

  it('has rows for each older API and no other, each with a known status', () => {
    const rows = tableRows();
    expect(new Set(rows.map((row) => row.api))).toEqual(new Set(APIS));
    expect(rows.filter((row) => !STATUSES.includes(row.status))).toEqual([]);
  });

  it('names only routes that exist in the OpenAPI document when it says they are served', () => {
    const served = tableRows().filter((row) => row.status === 'served');
    expect(served.length).toBeGreaterThan(80);
    expect(served.filter((row) => !operations.has(normalise(row.route))).map((row) => `${row.api} ${row.older} -> ${row.route}`)).toEqual([]);
  });

  it('flags planned rows whose route now exists, so they get flipped to served', () => {
    const landed = tableRows().filter((row) => row.status === 'planned' && operations.has(normalise(row.route)));
    expect(landed.map((row) => `${row.api} ${row.older} -> ${row.route}`)).toEqual([]);
  });
});
