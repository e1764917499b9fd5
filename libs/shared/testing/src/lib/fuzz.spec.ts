import fc from 'fast-check';
import { fuzzRoute, type FuzzRequest, type FuzzResponse, type FuzzTarget } from './fuzz';

const REFUSED: FuzzResponse = { status: 400, text: JSON.stringify({ error: { code: 'validation_error', message: 'no', type: 'invalid_request_error', param: null, details: {} } }) };
const ACCEPTED: FuzzResponse = { status: 200, text: '{}' };

/**
 * A route over in-memory state: request `n` (from 0) is answered by
 * `answer(n)`, which may change the state. Counts the snapshots taken.
 */
function fakeRoute(answer: (n: number, state: Set<string>) => FuzzResponse): { target: FuzzTarget<number>; snapshots: () => number } {
  const state = new Set<string>(['table:1']);
  let sent = 0;
  let snapshots = 0;
  const target: FuzzTarget<number> = {
    name: 'POST /things',
    inputs: fc.nat(),
    toRequest: (): FuzzRequest => ({ method: 'POST', url: '/things', token: null, mutation: 'test' }),
    send: async () => answer(sent++, state),
    snapshot: async () => {
      snapshots += 1;
      return [...state].sort();
    },
  };
  return { target, snapshots: () => snapshots };
}

describe('fuzzRoute', () => {
  it('takes one snapshot per refused request: the state after one is the state before the next', async () => {
    const { target, snapshots } = fakeRoute(() => REFUSED);
    expect(await fuzzRoute(target, 20)).toBeNull();
    expect(snapshots()).toBe(21);
  });

  it('reports a refused request that changed state, after other refused requests too', async () => {
    const { target } = fakeRoute((n, state) => {
      if (n === 5) state.add('table:2');
      return REFUSED;
    });
    expect(await fuzzRoute(target, 20)).toMatch(/refused with 400 but changed state: .*after table:2/);
  });

  it('takes a fresh snapshot after an accepted request, whose changes are allowed', async () => {
    const { target } = fakeRoute((n, state) => {
      if (n % 3 === 0) {
        state.add(`row:${n}`);
        return ACCEPTED;
      }
      return REFUSED;
    });
    expect(await fuzzRoute(target, 20)).toBeNull();
  });

  it('reports a refused request that changed state right after an accepted one', async () => {
    const { target } = fakeRoute((n, state) => {
      if (n === 3) {
        state.add('accepted');
        return ACCEPTED;
      }
      if (n === 4) state.add('leaked');
      return REFUSED;
    });
    expect(await fuzzRoute(target, 20)).toMatch(/changed state: .*after leaked$/);
  });
});
