import type { DeploymentRecord } from '@sluice/contracts';

/** Uniform in [0, 1), like `Math.random`; tests pass a seeded one. */
export type RandomSource = () => number;

export interface DeploymentFilter {
  /** The key's `allowed_regions`; null = anywhere. */
  allowedRegions: readonly string[] | null;
  /** Whether the deployment may be tried now (its circuit breaker lets it). */
  isAvailable: (deployment: DeploymentRecord) => boolean;
}

/**
 * Data residency: with a region list, only deployments in one of those
 * regions qualify; one without a region cannot prove where it runs.
 */
export function isInAllowedRegions(deployment: DeploymentRecord, allowedRegions: readonly string[] | null): boolean {
  return allowedRegions === null || (deployment.region !== null && allowedRegions.includes(deployment.region));
}

/**
 * Weighted random choice among the deployments that qualify: weight > 0 (0
 * drains a deployment), in an allowed region, available.
 */
export class DeploymentSelector {
  constructor(private readonly random: RandomSource = Math.random) {}

  /** One deployment, chosen with probability proportional to its weight; undefined when none qualifies. */
  pick(deployments: readonly DeploymentRecord[], filter: DeploymentFilter): DeploymentRecord | undefined {
    return this.order(deployments, filter)[0];
  }

  /**
   * Every qualifying deployment in the order to try them: each next one drawn
   * by weight among those left, so retries spread the way first picks do.
   */
  order(deployments: readonly DeploymentRecord[], filter: DeploymentFilter): DeploymentRecord[] {
    const left = deployments.filter((d) => d.weight > 0 && isInAllowedRegions(d, filter.allowedRegions) && filter.isAvailable(d));
    if (left.length <= 1) return left;
    let total = 0;
    for (const deployment of left) total += deployment.weight;
    const ordered: DeploymentRecord[] = [];
    while (left.length > 1) {
      const index = this.drawIndex(left, total);
      const [chosen] = left.splice(index, 1);
      ordered.push(chosen);
      total -= chosen.weight;
    }
    ordered.push(left[0]);
    return ordered;
  }

  private drawIndex(candidates: readonly DeploymentRecord[], total: number): number {
    let point = this.random() * total;
    for (let i = 0; i < candidates.length; i++) {
      point -= candidates[i].weight;
      if (point < 0) return i;
    }
    // Floating-point rounding can leave a sliver past the last weight.
    return candidates.length - 1;
  }
}
