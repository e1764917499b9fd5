import { expectErrorShape } from '@sluice/testing';
import { PERSONAS, startIdentityWorld, type IdentityWorld, type Persona } from './identity-fixture';

/** Expected status for owner, admin, member, viewer, outsider, platform admin, anonymous. */
export type Expected = [owner: number, admin: number, member: number, viewer: number, outsider: number, platformAdmin: number, anonymous: number];

export interface MatrixCase {
  action: string;
  expected: Expected;
  /** Runs before each persona's call; its result reaches `request`. */
  prepare?: (world: IdentityWorld) => Promise<Record<string, string>>;
  request: (world: IdentityWorld, prepared: Record<string, string>) => { method: string; path: string; body?: unknown };
  /** Undoes a successful call, so the next persona starts from the same state. */
  cleanup?: (world: IdentityWorld) => Promise<void>;
}

const ERROR_CODES: Record<number, string> = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found' };

/** One test per case and persona, against one running control plane with a user per role. */
export function describeRoleMatrix(title: string, cases: MatrixCase[]): void {
  describe(title, () => {
    let world: IdentityWorld;
    beforeAll(async () => {
      world = await startIdentityWorld();
    });
    afterAll(() => world?.app.close());

    const rows = cases.flatMap((testCase) => PERSONAS.map((persona, i) => [testCase.action, persona, testCase.expected[i], testCase] as const));

    it.each(rows)('%s as %s → %i', async (_action, persona: Persona, expected, testCase) => {
      const prepared = testCase.prepare ? await testCase.prepare(world) : {};
      const { method, path, body } = testCase.request(world, prepared);
      const response = await world.call(method, path, { token: world.tokens[persona], body });
      expect({ status: response.status, body: response.body }).toEqual(expect.objectContaining({ status: expected }));
      if (expected >= 400) expectErrorShape(response.body, ERROR_CODES[expected]);
      if (expected < 300 && testCase.cleanup) await testCase.cleanup(world);
    });
  });
}
