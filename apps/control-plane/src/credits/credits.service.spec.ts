import { Test } from '@nestjs/testing';
import { RedisKeys } from '@sluice/contracts';
import type { CreditTotals, TenantRow, UserRow } from '@sluice/control-plane/data-access';
import { REDIS } from '@sluice/platform';
import { TenantAccess } from '../auth/tenant-access';
import { fakeSeams, FakeDatabase, userPrincipal } from '../testing/fakes';
import { CreditBalanceSync } from './credit-balance-sync';
import { CreditsService } from './credits.service';

/** The gateway's balance store, as far as the service reads it; `down` makes it refuse like an unreachable Redis. */
class FakeRedis {
  readonly values = new Map<string, string>();
  down = false;

  async get(key: string): Promise<string | null> {
    if (this.down) throw new Error('Connection is closed.');
    return this.values.get(key) ?? null;
  }
}

class FakeBalanceSync implements Pick<CreditBalanceSync, 'sync'> {
  readonly synced: CreditTotals[] = [];
  down = false;

  constructor(private readonly db: FakeDatabase) {}

  async sync(totals: CreditTotals): Promise<'applied'> {
    // The gateway may only see committed top-ups.
    if (this.db.openTransaction) throw new Error('balance synced before the commit');
    if (this.down) throw new Error('Connection is closed.');
    this.synced.push(totals);
    return 'applied';
  }
}

describe('CreditsService', () => {
  let db: FakeDatabase;
  let redis: FakeRedis;
  let balances: FakeBalanceSync;
  let service: CreditsService;
  let tenant: TenantRow;
  let platformAdmin: UserRow;
  let owner: UserRow;
  let admin: UserRow;
  let member: UserRow;

  beforeEach(async () => {
    db = new FakeDatabase();
    redis = new FakeRedis();
    balances = new FakeBalanceSync(db);
    const moduleRef = await Test.createTestingModule({
      providers: [CreditsService, TenantAccess, ...fakeSeams(db), { provide: CreditBalanceSync, useValue: balances }, { provide: REDIS, useValue: redis }],
    }).compile();
    service = moduleRef.get(CreditsService);
    db.plan({ id: 'prepaid', billing_mode: 'prepaid' });
    tenant = db.tenant({ slug: 'acme', subscription_tier: 'prepaid' });
    platformAdmin = db.user({ is_platform_admin: true });
    owner = db.member(tenant, 'owner').user;
    admin = db.member(tenant, 'admin').user;
    member = db.member(tenant, 'member').user;
  });

  const as = (user: UserRow) => userPrincipal(user);

  describe('topUp', () => {
    it("is for platform admins only, even against a tenant's owner", async () => {
      await expect(service.topUp(as(owner), 'acme', { amount_usd: 10, reason: 'gift' })).rejects.toMatchObject({ code: 'forbidden' });
      expect(db.tables.credits).toHaveLength(0);
    });

    it.each([
      [19.99, 19_990_000],
      [8.2, 8_200_000],
      [1.005, 1_005_000],
      [0.000001, 1],
      [123.456789, 123_456_789],
      [999_999_999.999999, 999_999_999_999_999],
    ])('books %d USD as exactly %d micro-dollars', async (usd, micros) => {
      const result = await service.topUp(as(platformAdmin), 'acme', { amount_usd: usd, reason: 'invoice' });
      expect(result.entry.amount_micros).toBe(micros);
      expect(result.balance_micros).toBe(micros);
      expect(db.tables.credits[0].amount_micros).toBe(String(micros));
    });

    it('appends to the ledger, moves the balance, audits it, and syncs the gateway after the commit', async () => {
      await service.topUp(as(platformAdmin), 'acme', { amount_usd: 10, reason: 'first' });
      const result = await service.topUp(as(platformAdmin), 'acme', { amount_usd: 2.5, reason: 'second' });

      expect(result).toMatchObject({ tenant: 'acme', billing_mode: 'prepaid', balance_micros: 12_500_000, balance_usd: 12.5, entry: { kind: 'top_up', reason: 'second', created_by: platformAdmin.id } });
      expect(db.audit.map((record) => record.new)).toEqual([
        { amount_micros: 10_000_000, reason: 'first', balance_micros: 10_000_000 },
        { amount_micros: 2_500_000, reason: 'second', balance_micros: 12_500_000 },
      ]);
      expect(balances.synced.map((totals) => totals.top_ups_micros)).toEqual(['10000000', '12500000']);
    });

    it('keeps a committed top-up when the gateway cannot be told (the next sync applies it)', async () => {
      balances.down = true;
      redis.down = true;
      const result = await service.topUp(as(platformAdmin), 'acme', { amount_usd: 5, reason: 'while Redis is down' });
      expect(result).toMatchObject({ balance_micros: 5_000_000, live_balance_micros: null });
      expect(db.tables.credits).toHaveLength(1);
    });

    it("answers 404 for a tenant that does not exist", async () => {
      await expect(service.topUp(as(platformAdmin), 'nowhere', { amount_usd: 1, reason: 'x' })).rejects.toMatchObject({ code: 'not_found' });
    });
  });

  describe('get', () => {
    it("shows the balance and ledger to the tenant's admins only", async () => {
      await service.topUp(as(platformAdmin), 'acme', { amount_usd: 1, reason: 'one' });
      await service.topUp(as(platformAdmin), 'acme', { amount_usd: 2, reason: 'two' });
      await expect(service.get(as(member), 'acme', { page: 1, page_size: 50 })).rejects.toMatchObject({ code: 'forbidden' });

      const view = await service.get(as(admin), 'acme', { page: 1, page_size: 50 });
      expect(view).toMatchObject({ balance_micros: 3_000_000, count: 2 });
      expect(view.results.map((entry) => entry.reason)).toEqual(['two', 'one']);
    });

    it("reads the live balance from the gateway's store, null when it is unreachable", async () => {
      redis.values.set(RedisKeys.credits(tenant.id), '2500000');
      expect(await service.get(as(admin), 'acme', { page: 1, page_size: 50 })).toMatchObject({ live_balance_micros: 2_500_000 });
      redis.down = true;
      expect(await service.get(as(admin), 'acme', { page: 1, page_size: 50 })).toMatchObject({ live_balance_micros: null });
    });

    it('reports postpaid billing when the plan is gone', async () => {
      db.tables.tenants.set(tenant.id, { ...tenant, subscription_tier: 'retired' });
      expect(await service.get(as(admin), 'acme', { page: 1, page_size: 50 })).toMatchObject({ billing_mode: 'postpaid', balance_micros: 0 });
    });

    it("answers 404 to a caller outside the tenant", async () => {
      const outsider = db.member(db.tenant(), 'owner').user;
      await expect(service.get(as(outsider), 'acme', { page: 1, page_size: 50 })).rejects.toMatchObject({ code: 'not_found' });
    });
  });
});
