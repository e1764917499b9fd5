import { Test } from '@nestjs/testing';
import { hashApiKey } from '@sluice/auth';
import type { TenantRow, UserRow } from '@sluice/control-plane/data-access';
import { randomUUID } from 'node:crypto';
import { TenantAccess } from '../auth/tenant-access';
import { fakeSeams, FakeDatabase, keyPrincipal, userPrincipal } from '../testing/fakes';
import { ApiKeyOwners } from './api-key-owners';
import { ApiKeyRestrictions } from './api-key-restrictions';
import { ApiKeysService } from './api-keys.service';
import { ListApiKeysQueryDto } from './dto/api-key.dto';

const NO_HEADERS = {};

describe('ApiKeysService', () => {
  let db: FakeDatabase;
  let service: ApiKeysService;
  let tenant: TenantRow;
  let owner: UserRow;
  let admin: UserRow;
  let member: UserRow;
  let viewer: UserRow;
  let outsider: UserRow;

  beforeEach(async () => {
    db = new FakeDatabase();
    const moduleRef = await Test.createTestingModule({
      providers: [ApiKeysService, TenantAccess, ApiKeyRestrictions, ApiKeyOwners, ...fakeSeams(db)],
    }).compile();
    service = moduleRef.get(ApiKeysService);
    db.plan({ id: 'basic', limits: { rpm: 100, max_keys: 10 } });
    tenant = db.tenant({ slug: 'acme' });
    owner = db.member(tenant, 'owner').user;
    admin = db.member(tenant, 'admin').user;
    member = db.member(tenant, 'member').user;
    viewer = db.member(tenant, 'viewer').user;
    outsider = db.member(db.tenant({ slug: 'other' }), 'owner').user;
  });

  const as = (user: UserRow) => userPrincipal(user);

  describe('create', () => {
    it('gives a member an inference key of its own; the secret is in the answer only, stored and audited as its hash', async () => {
      const created = await service.create(as(member), { name: 'ci', tenant: 'acme' }, NO_HEADERS);

      const row = db.apiKey(created.id);
      expect(row).toMatchObject({ created_by: member.id, scopes: ['inference'], key_hash: hashApiKey(created.key), status: 'active' });
      expect(JSON.stringify(row)).not.toContain(created.key);
      expect(JSON.stringify(db.audit)).not.toContain(created.key);
      expect(db.auditTypes()).toEqual(['api_key.created']);
      expect(db.projected).toEqual([{ kind: 'api_key', id: row.key_hash }]);
    });

    it('refuses a viewer', async () => {
      await expect(service.create(as(viewer), { name: 'k', tenant: 'acme' }, NO_HEADERS)).rejects.toMatchObject({ code: 'forbidden' });
      expect(db.tables.apiKeys.size).toBe(0);
    });

    it('lets no one give a key a scope above their own role', async () => {
      await expect(service.create(as(member), { name: 'k', tenant: 'acme', scopes: ['write'] }, NO_HEADERS)).rejects.toMatchObject({ code: 'forbidden' });
      await expect(service.create(as(admin), { name: 'k', tenant: 'acme', scopes: ['write'] }, NO_HEADERS)).resolves.toMatchObject({ scopes: ['write'] });
    });

    it('creates service keys, owned by no user, for owners and admins only', async () => {
      await expect(service.create(as(member), { name: 'svc', tenant: 'acme', service: true }, NO_HEADERS)).rejects.toMatchObject({ code: 'forbidden' });
      const created = await service.create(as(admin), { name: 'svc', tenant: 'acme', service: true, scopes: ['write'] }, NO_HEADERS);
      expect(db.apiKey(created.id).created_by).toBeNull();
    });

    it('lets a service key create only service keys', async () => {
      const serviceKey = db.key(tenant, { scopes: ['write'] });
      await expect(service.create(keyPrincipal(serviceKey, 'admin'), { name: 'k', scopes: ['read'] }, NO_HEADERS)).rejects.toMatchObject({
        code: 'validation_error',
        param: 'service',
      });
      await expect(service.create(keyPrincipal(serviceKey, 'admin'), { name: 'k', service: true }, NO_HEADERS)).resolves.toMatchObject({ name: 'k' });
    });

    it("gives a key created by a user's key to that user", async () => {
      const adminsKey = db.key(tenant, { created_by: admin.id, scopes: ['write'] });
      const created = await service.create(keyPrincipal(adminsKey, 'admin'), { name: 'child' }, NO_HEADERS);
      expect(db.apiKey(created.id).created_by).toBe(admin.id);
    });

    it("stops at the tenant's max_keys, counting neither revoked nor expired keys, and writes nothing then", async () => {
      db.tables.tenants.set(tenant.id, { ...tenant, quota_overrides: { max_keys: 2 } });
      db.key(tenant, { status: 'revoked' });
      db.key(tenant, { expires_at: new Date(Date.now() - 1000) });
      db.key(tenant);

      await service.create(as(admin), { name: 'second', tenant: 'acme' }, NO_HEADERS);
      const audited = db.audit.length;
      await expect(service.create(as(admin), { name: 'third', tenant: 'acme' }, NO_HEADERS)).rejects.toMatchObject({
        code: 'key_limit_reached',
        details: { max_keys: 2 },
      });
      expect(db.tables.apiKeys.size).toBe(4);
      expect(db.audit).toHaveLength(audited);
    });

    it('takes max_keys from the plan when the tenant has no override', async () => {
      db.plan({ id: 'basic', limits: { max_keys: 1 } });
      await service.create(as(admin), { name: 'first', tenant: 'acme' }, NO_HEADERS);
      await expect(service.create(as(admin), { name: 'second', tenant: 'acme' }, NO_HEADERS)).rejects.toMatchObject({ code: 'key_limit_reached' });
    });

    it('reports every restriction problem at once and creates nothing', async () => {
      const foreignTeam = db.team(db.tenant());
      await expect(
        service.create(
          as(admin),
          {
            name: 'k',
            tenant: 'acme',
            expires_at: new Date(Date.now() - 60_000).toISOString(),
            allowed_models: ['nothing-*'],
            allowed_regions: ['mars'],
            team: foreignTeam.id,
            limits: { rpm: 1000 },
          },
          NO_HEADERS,
        ),
      ).rejects.toMatchObject({
        code: 'validation_error',
        details: {
          expires_at: ['must be in the future'],
          allowed_models: ['nothing-* matches no model in the catalog'],
          allowed_regions: ['mars is not a known region'],
          team: ['is not a team of this tenant'],
          'limits.rpm': ["must not exceed the tenant's limit of 100"],
        },
      });
      expect(db.tables.apiKeys.size).toBe(0);
    });

    it("accepts restrictions that match the catalog and only tighten the tenant's and the team's limits", async () => {
      db.model({ id: 'gpt-4o' });
      db.region('eu-west');
      const team = db.team(tenant, { limits: { rpm: 50 } });
      await expect(
        service.create(as(admin), { name: 'k', tenant: 'acme', allowed_models: ['gpt-*'], allowed_regions: ['eu-west'], team: team.id, limits: { rpm: 60 } }, NO_HEADERS),
      ).rejects.toMatchObject({ details: { 'limits.rpm': ["must not exceed the team's limit of 50"] } });

      const created = await service.create(as(admin), { name: 'k', tenant: 'acme', allowed_models: ['gpt-*'], allowed_regions: ['eu-west'], team: team.id, limits: { rpm: 50 } }, NO_HEADERS);
      expect(db.apiKey(created.id)).toMatchObject({ team_id: team.id, allowed_models: ['gpt-*'], limits: { rpm: 50 } });
    });

    it("answers 404 for a tenant the caller does not belong to", async () => {
      await expect(service.create(as(outsider), { name: 'k', tenant: 'acme' }, NO_HEADERS)).rejects.toMatchObject({ code: 'not_found' });
    });
  });

  describe('update', () => {
    it('lets members change only the keys they created; admins change any', async () => {
      const adminsKey = db.key(tenant, { created_by: admin.id });
      const membersKey = db.key(tenant, { created_by: member.id });
      await expect(service.update(as(member), adminsKey.id, { name: 'mine now' })).rejects.toMatchObject({ code: 'forbidden' });
      await expect(service.update(as(member), membersKey.id, { name: 'renamed' })).resolves.toMatchObject({ name: 'renamed' });
      await expect(service.update(as(admin), membersKey.id, { name: 'by admin' })).resolves.toMatchObject({ name: 'by admin' });
    });

    it("refuses scopes above the caller's role", async () => {
      const membersKey = db.key(tenant, { created_by: member.id });
      await expect(service.update(as(member), membersKey.id, { scopes: ['write'] })).rejects.toMatchObject({ code: 'forbidden' });
    });

    it("refuses scopes above the key owner's role, even from an admin", async () => {
      const membersKey = db.key(tenant, { created_by: member.id, scopes: ['inference'] });
      await expect(service.update(as(admin), membersKey.id, { scopes: ['read', 'write'] })).rejects.toMatchObject({ code: 'validation_error', param: 'scopes' });
      expect(db.apiKey(membersKey.id).scopes).toEqual(['inference']);
    });

    it('refuses any scopes on a key whose owner left the tenant', async () => {
      const leaver = db.member(tenant, 'admin').user;
      const key = db.key(tenant, { created_by: leaver.id });
      for (const [id, row] of db.tables.memberships) if (row.user_id === leaver.id) db.tables.memberships.delete(id);
      await expect(service.update(as(admin), key.id, { scopes: ['inference'] })).rejects.toMatchObject({
        code: 'validation_error',
        message: expect.stringContaining('no longer a member'),
      });
    });

    it('lets a service key hold any scope an admin may grant', async () => {
      const serviceKey = db.key(tenant);
      await expect(service.update(as(admin), serviceKey.id, { scopes: ['write'] })).resolves.toMatchObject({ scopes: ['write'] });
    });

    it("answers 404, never 403, for another tenant's key or an id that is no key", async () => {
      const key = db.key(tenant, { created_by: owner.id });
      await expect(service.update(as(outsider), key.id, { name: 'x' })).rejects.toMatchObject({ code: 'not_found' });
      await expect(service.update(as(owner), 'not-a-uuid', { name: 'x' })).rejects.toMatchObject({ code: 'not_found' });
      await expect(service.update(as(owner), randomUUID(), { name: 'x' })).rejects.toMatchObject({ code: 'not_found' });
    });
  });

  describe('revoke', () => {
    it('revokes once, stopping a rotated-out secret too; revoking again changes nothing', async () => {
      const key = db.key(tenant, { created_by: member.id, previous_key_hash: 'old-hash', previous_key_expires_at: new Date(Date.now() + 60_000) });
      const revoked = await service.revoke(as(member), key.id);
      expect(revoked.status).toBe('revoked');
      expect(db.projected).toEqual([
        { kind: 'api_key', id: key.key_hash },
        { kind: 'api_key', id: 'old-hash' },
      ]);

      await service.revoke(as(member), key.id);
      expect(db.auditTypes()).toEqual(['api_key.revoked']);
    });

    it('refuses a viewer', async () => {
      const key = db.key(tenant, { created_by: owner.id });
      await expect(service.revoke(as(viewer), key.id)).rejects.toMatchObject({ code: 'forbidden' });
      expect(db.apiKey(key.id).status).toBe('active');
    });
  });

  describe('remove', () => {
    it('revokes, marks deleted, audits and projects both secrets in one go; the key is then gone for every read and change', async () => {
      const key = db.key(tenant, { created_by: member.id, previous_key_hash: 'old-hash', previous_key_expires_at: new Date(Date.now() + 60_000) });
      await service.remove(as(member), key.id);
      expect(db.apiKey(key.id)).toMatchObject({ status: 'revoked', revoked_at: expect.any(Date), deleted_at: expect.any(Date) });
      expect(db.auditTypes()).toEqual(['api_key.deleted']);
      expect(db.tables.webhookEvents.map(({ type, data }) => [type, data['id']])).toEqual([['key.deleted', key.id]]);
      expect(db.projected).toEqual([
        { kind: 'api_key', id: key.key_hash },
        { kind: 'api_key', id: 'old-hash' },
      ]);
      for (const attempt of [service.get(as(owner), key.id), service.remove(as(owner), key.id), service.update(as(owner), key.id, { name: 'x' }), service.rotate(as(owner), key.id, {})]) {
        await expect(attempt).rejects.toMatchObject({ code: 'not_found' });
      }
      expect((await service.list(as(owner), Object.assign(new ListApiKeysQueryDto(), { tenant: 'acme' }), NO_HEADERS)).results.map((row) => row.id)).not.toContain(key.id);
    });

    it("keeps a revoked key's revocation time", async () => {
      const revokedAt = new Date(Date.now() - 60_000);
      const key = db.key(tenant, { created_by: owner.id, status: 'revoked', revoked_at: revokedAt });
      await service.remove(as(owner), key.id);
      expect(db.apiKey(key.id).revoked_at).toEqual(revokedAt);
    });

    it("refuses a viewer and another member's key, and answers 404 to another tenant", async () => {
      const key = db.key(tenant, { created_by: owner.id });
      await expect(service.remove(as(viewer), key.id)).rejects.toMatchObject({ code: 'forbidden' });
      await expect(service.remove(as(member), key.id)).rejects.toMatchObject({ code: 'forbidden' });
      await expect(service.remove(as(outsider), key.id)).rejects.toMatchObject({ code: 'not_found' });
      expect(db.apiKey(key.id)).toMatchObject({ status: 'active', deleted_at: null });
      expect(db.auditTypes()).toEqual([]);
    });
  });

  describe('rotate', () => {
    it('keeps the old secret working for the grace period only, and drops it at once without one', async () => {
      const key = db.key(tenant, { created_by: member.id });
      const before = Date.now();
      const rotated = await service.rotate(as(member), key.id, { grace_seconds: 60 });

      const row = db.apiKey(key.id);
      expect(row.key_hash).toBe(hashApiKey(rotated.key));
      expect(rotated.key).not.toBe(key.secret);
      expect(row.previous_key_hash).toBe(key.key_hash);
      expect(row.previous_key_expires_at?.getTime()).toBeGreaterThanOrEqual(before + 60_000);
      expect(row.previous_key_expires_at?.getTime()).toBeLessThanOrEqual(Date.now() + 60_000);

      await service.rotate(as(member), key.id, {});
      expect(db.apiKey(key.id)).toMatchObject({ previous_key_hash: null, previous_key_expires_at: null });
      // The secret still in grace from the first rotation is rewritten in the projection (to nothing).
      expect(db.projected).toContainEqual({ kind: 'api_key', id: key.key_hash });
    });

    it('refuses a revoked key (409)', async () => {
      const key = db.key(tenant, { created_by: member.id, status: 'revoked' });
      await expect(service.rotate(as(member), key.id, {})).rejects.toMatchObject({ code: 'conflict' });
    });
  });

  describe('bulkRotate', () => {
    it('takes either ids or a tenant', async () => {
      await expect(service.bulkRotate(as(admin), {})).rejects.toMatchObject({ code: 'validation_error', param: 'ids' });
      await expect(service.bulkRotate(as(admin), { ids: [], tenant: 'acme' })).rejects.toMatchObject({ code: 'validation_error' });
    });

    it("rotates a whole tenant's usable keys, for admins only", async () => {
      const active = db.key(tenant);
      db.key(tenant, { status: 'revoked' });
      db.key(tenant, { expires_at: new Date(Date.now() - 1000) });
      await expect(service.bulkRotate(as(member), { tenant: 'acme' })).rejects.toMatchObject({ code: 'forbidden' });

      const result = await service.bulkRotate(as(admin), { tenant: 'acme' });
      expect(result.results.map((key) => key.id)).toEqual([active.id]);
    });

    it('is all or nothing: a revoked key among the ids rotates none', async () => {
      const first = db.key(tenant, { created_by: admin.id });
      const revoked = db.key(tenant, { created_by: admin.id, status: 'revoked' });
      await expect(service.bulkRotate(as(admin), { ids: [first.id, revoked.id] })).rejects.toMatchObject({ code: 'conflict' });
      expect(db.apiKey(first.id).key_hash).toBe(first.key_hash);
      expect(db.audit).toHaveLength(0);
    });

    it('rotates by id only keys the caller may manage', async () => {
      const adminsKey = db.key(tenant, { created_by: admin.id });
      await expect(service.bulkRotate(as(member), { ids: [adminsKey.id] })).rejects.toMatchObject({ code: 'forbidden' });
    });
  });
});
