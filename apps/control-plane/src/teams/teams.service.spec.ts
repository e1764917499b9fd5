import { Test } from '@nestjs/testing';
import type { TenantRow, UserRow } from '@sluice/control-plane/data-access';
import { TenantAccess } from '../auth/tenant-access';
import { fakeSeams, FakeDatabase, userPrincipal } from '../testing/fakes';
import { TeamsService } from './teams.service';

const NO_HEADERS = {};

describe('TeamsService', () => {
  let db: FakeDatabase;
  let service: TeamsService;
  let tenant: TenantRow;
  let admin: UserRow;
  let member: UserRow;

  beforeEach(async () => {
    db = new FakeDatabase();
    const moduleRef = await Test.createTestingModule({ providers: [TeamsService, TenantAccess, ...fakeSeams(db)] }).compile();
    service = moduleRef.get(TeamsService);
    tenant = db.tenant({ slug: 'acme' });
    admin = db.member(tenant, 'admin').user;
    member = db.member(tenant, 'member').user;
  });

  const as = (user: UserRow) => userPrincipal(user);

  describe('create', () => {
    it('needs a tenant admin, and keeps only the limits that are set', async () => {
      await expect(service.create(as(member), { tenant: 'acme', name: 'ml' }, NO_HEADERS)).rejects.toMatchObject({ code: 'forbidden' });
      const team = await service.create(as(admin), { tenant: 'acme', name: 'ml', limits: { rpm: 10, tpm: null } }, NO_HEADERS);
      expect(team).toMatchObject({ name: 'ml', limits: { rpm: 10 } });
      expect(db.auditTypes()).toEqual(['team.created']);
    });

    it('refuses a name the tenant already uses (409), writing nothing', async () => {
      db.team(tenant, { name: 'ml' });
      await expect(service.create(as(admin), { tenant: 'acme', name: 'ml' }, NO_HEADERS)).rejects.toMatchObject({ code: 'conflict', param: 'name' });
      expect(db.tables.teams.size).toBe(1);
      expect(db.audit).toHaveLength(0);
    });
  });

  describe('update', () => {
    it("merges limits, null clearing one, and rewrites the projection of the team's keys and their secrets in grace", async () => {
      const team = db.team(tenant, { limits: { rpm: 10, tpm: 1000 } });
      const key = db.key(tenant, { team_id: team.id, previous_key_hash: 'in-grace', previous_key_expires_at: new Date(Date.now() + 60_000) });
      db.key(tenant);

      const updated = await service.update(as(admin), team.id, { limits: { rpm: 20, tpm: null } });
      expect(updated.limits).toEqual({ rpm: 20 });
      expect(db.projected).toEqual([
        { kind: 'api_key', id: key.key_hash },
        { kind: 'api_key', id: 'in-grace' },
      ]);
    });

    it('leaves the projection alone when the limits stay', async () => {
      const team = db.team(tenant);
      db.key(tenant, { team_id: team.id });
      await service.update(as(admin), team.id, { description: 'research' });
      expect(db.projected).toEqual([]);
    });

    it('needs a tenant admin', async () => {
      const team = db.team(tenant);
      await expect(service.update(as(member), team.id, { name: 'mine' })).rejects.toMatchObject({ code: 'forbidden' });
    });
  });

  it("re-projects the team's keys when it is deleted", async () => {
    const team = db.team(tenant);
    const key = db.key(tenant, { team_id: team.id });
    await service.remove(as(admin), team.id);
    expect(db.tables.teams.has(team.id)).toBe(false);
    expect(db.projected).toEqual([{ kind: 'api_key', id: key.key_hash }]);
  });

  describe('members', () => {
    it('moves a member from its team to this one: a member belongs to at most one team', async () => {
      const first = db.team(tenant);
      const second = db.team(tenant);
      const { membership } = db.member(tenant, 'viewer');
      await service.setMember(as(admin), first.id, membership.id, true);
      await service.setMember(as(admin), second.id, membership.id, true);
      expect(db.membership(membership.id)?.team_id).toBe(second.id);
      expect((await service.members(as(member), first.id)).map((row) => row.id)).toEqual([]);
      expect((await service.members(as(member), second.id)).map((row) => row.id)).toEqual([membership.id]);
    });

    it('removes only a member of this team', async () => {
      const team = db.team(tenant);
      const { membership } = db.member(tenant, 'viewer');
      await expect(service.setMember(as(admin), team.id, membership.id, false)).rejects.toMatchObject({ code: 'not_found', message: 'Team member not found' });
      await service.setMember(as(admin), team.id, membership.id, true);
      await expect(service.setMember(as(admin), team.id, membership.id, false)).resolves.toMatchObject({ team: null });
    });

    it("never adds another tenant's member", async () => {
      const team = db.team(tenant);
      const { membership } = db.member(db.tenant(), 'viewer');
      await expect(service.setMember(as(admin), team.id, membership.id, true)).rejects.toMatchObject({ code: 'not_found', message: 'Tenant user not found' });
      expect(db.membership(membership.id)?.team_id).toBeNull();
    });
  });

  it("answers 404 for another tenant's team", async () => {
    const team = db.team(tenant);
    const outsider = db.member(db.tenant(), 'owner').user;
    await expect(service.get(as(outsider), team.id)).rejects.toMatchObject({ code: 'not_found', message: 'Team not found' });
    await expect(service.remove(as(outsider), team.id)).rejects.toMatchObject({ code: 'not_found' });
    expect(db.tables.teams.has(team.id)).toBe(true);
  });
});
