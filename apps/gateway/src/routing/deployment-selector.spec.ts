import type { DeploymentRecord } from '@sluice/contracts';
import { DeploymentSelector, isInAllowedRegions, type DeploymentFilter, type RandomSource } from './deployment-selector';

/** mulberry32: a small seeded PRNG, so the distribution test is deterministic. */
function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function deployment(id: string, weight: number, region: string | null = null): DeploymentRecord {
  return { id, provider: 'mock', base_url: 'http://127.0.0.1:1', upstream_model: 'mock-fast', credential_env: null, weight, region, timeout_ms: 1000 };
}

const ANYWHERE: DeploymentFilter = { allowedRegions: null, isAvailable: () => true };

describe('DeploymentSelector', () => {
  it('picks deployments in proportion to their weights', () => {
    const selector = new DeploymentSelector(seededRandom(42));
    const deployments = [deployment('a', 1), deployment('b', 3)];
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 10_000; i++) counts[selector.pick(deployments, ANYWHERE)?.id as 'a' | 'b']++;
    expect(counts.a + counts.b).toBe(10_000);
    expect(counts.b / 10_000).toBeGreaterThan(0.73);
    expect(counts.b / 10_000).toBeLessThan(0.77);
  });

  it('is deterministic for a given random source', () => {
    const deployments = [deployment('a', 1), deployment('b', 2), deployment('c', 3)];
    const orders = (seed: number) => {
      const selector = new DeploymentSelector(seededRandom(seed));
      return Array.from({ length: 20 }, () => selector.order(deployments, ANYWHERE).map((d) => d.id).join());
    };
    expect(orders(7)).toEqual(orders(7));
    expect(new Set(orders(7)).size).toBeGreaterThan(1);
  });

  it('orders every qualifying deployment exactly once, drawing by weight among those left', () => {
    // random() = 0.5 of total 6 lands in c's share [3, 6); then 0.5 of 3 lands in b's share [1, 3).
    const selector = new DeploymentSelector(() => 0.5);
    const order = selector.order([deployment('a', 1), deployment('b', 2), deployment('c', 3)], ANYWHERE);
    expect(order.map((d) => d.id)).toEqual(['c', 'b', 'a']);
  });

  it('leaves out deployments of weight 0 and those not available', () => {
    const selector = new DeploymentSelector(seededRandom(1));
    const filter: DeploymentFilter = { allowedRegions: null, isAvailable: (d) => d.id !== 'down' };
    const order = selector.order([deployment('drained', 0), deployment('down', 5), deployment('up', 1)], filter);
    expect(order.map((d) => d.id)).toEqual(['up']);
    expect(selector.pick([deployment('down', 5)], filter)).toBeUndefined();
  });

  it('keeps to the allowed regions, excluding deployments with no region', () => {
    const selector = new DeploymentSelector(seededRandom(3));
    const deployments = [deployment('us', 10, 'us-east'), deployment('eu', 1, 'eu-west'), deployment('nowhere', 10, null)];
    const filter: DeploymentFilter = { allowedRegions: ['eu-west'], isAvailable: () => true };
    for (let i = 0; i < 50; i++) expect(selector.pick(deployments, filter)?.id).toBe('eu');
    expect(selector.order(deployments, { allowedRegions: ['ap-south'], isAvailable: () => true })).toEqual([]);
    expect(selector.order(deployments, ANYWHERE)).toHaveLength(3);
  });

  it('treats a null region list as anywhere and an empty one as nowhere', () => {
    expect(isInAllowedRegions(deployment('a', 1, null), null)).toBe(true);
    expect(isInAllowedRegions(deployment('a', 1, 'eu-west'), [])).toBe(false);
  });
});
