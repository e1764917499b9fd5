import { Injectable } from '@nestjs/common';
import { matchesGlob } from '@sluice/auth';
import { ModelsRepository, PlansRepository, RegionsRepository, TeamsRepository, type ApiKeyLimits, type TeamRow, type TenantRow } from '@sluice/control-plane/data-access';
import type { RateLimits } from '@sluice/contracts';
import { SluiceException } from '@sluice/platform';
import { productCeilingProblems } from '../billing/product-limits';
import { tenantLimits } from '../projection/tenant-limits';
import { limitProblems } from './key-rules';

export interface RequestedRestrictions {
  expires_at?: string | null;
  allowed_models?: string[] | null;
  allowed_regions?: string[] | null;
  team?: string | null;
  limits?: ApiKeyLimits;
}

/**
 * The checks on a key's restrictions that need the database: expiry in the
 * future, model globs that match a catalog model, known regions, a team of
 * the same tenant, and limits that only tighten the tenant's and team's.
 * All problems are reported at once, as a 400 with field details.
 */
@Injectable()
export class ApiKeyRestrictions {
  constructor(
    private readonly models: ModelsRepository,
    private readonly regions: RegionsRepository,
    private readonly teams: TeamsRepository,
    private readonly plans: PlansRepository,
  ) {}

  /** Returns the key's team (when it names one). `currentTeamId` applies when the request leaves the team as is. */
  async check(tenant: TenantRow, requested: RequestedRestrictions, currentTeamId: string | null = null): Promise<TeamRow | null> {
    const problems: Record<string, string[]> = {};
    const add = (field: string, message: string) => (problems[field] ??= []).push(message);
    if (requested.expires_at && new Date(requested.expires_at).getTime() <= Date.now()) add('expires_at', 'must be in the future');
    if (requested.allowed_models) {
      const names = (await this.models.all()).flatMap((model) => [model.id, ...model.aliases]);
      for (const glob of requested.allowed_models) {
        if (!names.some((name) => matchesGlob(name, glob))) add('allowed_models', `${glob} matches no model in the catalog`);
      }
    }
    if (requested.allowed_regions) {
      const known = new Set((await this.regions.all()).map((region) => region.id));
      for (const region of requested.allowed_regions) if (!known.has(region)) add('allowed_regions', `${region} is not a known region`);
    }
    const teamId = requested.team === undefined ? currentTeamId : requested.team;
    const team = teamId ? await this.teams.findById(tenant.id, teamId) : null;
    if (teamId && !team) add('team', 'is not a team of this tenant');
    if (requested.limits) {
      const plan = await this.plans.findById(tenant.subscription_tier);
      const ceilings: Array<{ owner: 'tenant' | 'team'; limits: RateLimits }> = [{ owner: 'tenant', limits: tenantLimits(tenant, plan) }];
      if (team) ceilings.push({ owner: 'team', limits: team.limits as RateLimits });
      Object.assign(problems, limitProblems(requested.limits, ceilings), productCeilingProblems(requested.limits, plan));
    }
    const fields = Object.keys(problems);
    if (fields.length > 0) throw new SluiceException('validation_error', `Invalid ${fields.join(', ')}`, problems, fields.length === 1 ? fields[0] : null);
    return team;
  }
}
