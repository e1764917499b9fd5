import { Injectable } from '@nestjs/common';
import type { TenantRole } from '@sluice/auth';
import { ApiKeysRepository, isUniqueViolation, MembershipsRepository, TeamsRepository, UnitOfWork, type TeamRow, type Transaction } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import { pageWindow } from '@sluice/platform/openapi';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { membershipView, type MembershipView } from '../memberships/membership-view';
import { secretHashes } from '../projection/projection-records';
import { Projector } from '../projection/projector';
import { notFound, TenantAccess } from '../auth/tenant-access';
import { isUuid } from '@sluice/contracts';
import type { CreateTeamDto, ListTeamsQueryDto, UpdateTeamDto } from './dto/team.dto';

type Headers = Record<string, string | string[] | undefined>;

export interface TeamView {
  id: string;
  tenant: string;
  name: string;
  description: string;
  limits: TeamRow['limits'];
  member_count: number;
  created_at: string;
  updated_at: string;
}

/** Teams group a tenant's members (and later its keys) under shared limits (docs/limits.md). */
@Injectable()
export class TeamsService {
  constructor(
    private readonly teams: TeamsRepository,
    private readonly memberships: MembershipsRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly access: TenantAccess,
    private readonly audit: AuditService,
    private readonly apiKeys: ApiKeysRepository,
    private readonly projector: Projector,
  ) {}

  async list(principal: Principal, query: ListTeamsQueryDto, headers: Headers): Promise<{ count: number; results: TeamView[] }> {
    const tenantIds = await this.access.visibleTenantIds(principal, query.tenant, headers);
    const slice = await this.teams.list(tenantIds, query.search, { ...pageWindow(query), ordering: query.ordering });
    return { count: slice.count, results: slice.rows.map(teamView) };
  }

  async get(principal: Principal, id: string): Promise<TeamView> {
    return teamView(await this.load(principal, id, 'viewer'));
  }

  async create(principal: Principal, dto: CreateTeamDto, headers: Headers): Promise<TeamView> {
    const { tenant } = await this.access.resolve(principal, dto.tenant, headers, 'admin');
    return teamView(
      await this.write(dto.name, async (tx) => {
        const team = await this.teams.create(tx, tenant.id, { name: dto.name, description: dto.description, limits: compact(dto.limits) });
        await this.audit.record(tx, { tenantId: tenant.id, eventType: 'team.created', resourceType: 'team', resourceId: team.id, new: teamView(team) });
        return team;
      }),
    );
  }

  async update(principal: Principal, id: string, dto: UpdateTeamDto): Promise<TeamView> {
    const team = await this.load(principal, id, 'admin');
    return teamView(
      await this.write(dto.name, async (tx) => {
        const updated = await this.teams.update(tx, team.tenant_id, id, {
          name: dto.name,
          description: dto.description,
          limits: dto.limits ? compact({ ...team.limits, ...dto.limits }) : undefined,
        });
        await this.audit.record(tx, { tenantId: team.tenant_id, eventType: 'team.updated', resourceType: 'team', resourceId: id, old: teamView(team), new: teamView(updated) });
        if (dto.limits) await this.reprojectKeys(tx, team);
        return updated;
      }),
    );
  }

  async remove(principal: Principal, id: string): Promise<void> {
    const team = await this.load(principal, id, 'admin');
    await this.unitOfWork.run(async (tx) => {
      await this.reprojectKeys(tx, team);
      await this.teams.delete(tx, team.tenant_id, id);
      await this.audit.record(tx, { tenantId: team.tenant_id, eventType: 'team.deleted', resourceType: 'team', resourceId: id, old: teamView(team) });
    });
    await this.projector.flush();
  }

  /** A member belongs to at most one team: adding moves it here. */
  async setMember(principal: Principal, teamId: string, membershipId: string, add: boolean): Promise<MembershipView> {
    const team = await this.load(principal, teamId, 'admin');
    const membership = isUuid(membershipId) ? await this.memberships.findById(team.tenant_id, membershipId) : null;
    if (!membership) throw notFound('Tenant user');
    if (!add && membership.team_id !== teamId) throw notFound('Team member');
    const updated = await this.unitOfWork.run(async (tx) => {
      const row = await this.memberships.update(tx, team.tenant_id, membership.id, { team_id: add ? teamId : null });
      await this.audit.record(tx, {
        tenantId: team.tenant_id,
        eventType: add ? 'team.member_added' : 'team.member_removed',
        resourceType: 'team',
        resourceId: teamId,
        old: { member: membership.id, team: membership.team_id },
        new: { member: membership.id, team: row.team_id },
      });
      return row;
    });
    return membershipView(updated);
  }

  async members(principal: Principal, teamId: string): Promise<MembershipView[]> {
    const team = await this.load(principal, teamId, 'viewer');
    const slice = await this.memberships.list([team.tenant_id], { teamId }, { limit: 1000, offset: 0 });
    return slice.rows.map(membershipView);
  }

  private async load(principal: Principal, id: string, required: TenantRole): Promise<TeamRow> {
    const tenantId = isUuid(id) ? await this.teams.tenantOf(id) : null;
    await this.access.checkResource(principal, tenantId, required, 'Team');
    const team = await this.teams.findById(tenantId as string, id);
    if (!team) throw notFound('Team');
    return team;
  }

  /** A key's projection record carries its team's limits: rewrite them with the team's. */
  private async reprojectKeys(tx: Transaction, team: TeamRow): Promise<void> {
    const keys = await this.apiKeys.ofTeam(team.tenant_id, team.id, tx);
    await this.projector.enqueue(tx, keys.flatMap((key) => secretHashes(key).map((hash) => ({ kind: 'api_key' as const, id: hash }))));
  }

  private async write(name: string | undefined, work: Parameters<UnitOfWork['run']>[0]): Promise<TeamRow> {
    try {
      const team = (await this.unitOfWork.run(work)) as TeamRow;
      await this.projector.flush();
      return team;
    } catch (error) {
      if (isUniqueViolation(error, 'teams_name_per_tenant')) throw new SluiceException('conflict', `A team named ${name} already exists in this tenant`, {}, 'name');
      throw error;
    }
  }
}

function compact(limits: object | undefined): TeamRow['limits'] {
  return Object.fromEntries(Object.entries(limits ?? {}).filter(([, value]) => value !== null && value !== undefined));
}

function teamView(team: TeamRow): TeamView {
  return {
    id: team.id,
    tenant: team.tenant_id,
    name: team.name,
    description: team.description,
    limits: team.limits,
    member_count: team.member_count,
    created_at: team.created_at.toISOString(),
    updated_at: team.updated_at.toISOString(),
  };
}
