import { Inject, Injectable, Logger } from '@nestjs/common';
import { RedisKeys } from '@sluice/contracts';
import { CreditsRepository, PlansRepository, UnitOfWork, type CreditLedgerRow } from '@sluice/control-plane/data-access';
import { REDIS } from '@sluice/platform';
import { pageWindow, type PaginationQueryDto } from '@sluice/platform/openapi';
import type Redis from 'ioredis';
import { AuditService } from '../audit/audit.service';
import { requirePlatformAdmin, userIdOf, type Principal } from '../auth/principal';
import { TenantAccess } from '../auth/tenant-access';
import { CreditBalanceSync } from './credit-balance-sync';
import { creditEntryView, microsToUsd, usdToMicros, type CreditEntryView } from './credits-view';
import type { TopUpCreditsDto } from './dto/credits.dto';

export interface CreditBalanceView {
  tenant: string;
  billing_mode: 'prepaid' | 'postpaid';
  /** The ledger's balance: top-ups minus the usage metered so far. */
  balance_micros: number;
  balance_usd: number;
  /** What the gateway admits against now (Redis); ahead of the ledger by usage not yet metered. Null when Redis is unavailable. */
  live_balance_micros: number | null;
}

export interface TopUpView extends CreditBalanceView {
  entry: CreditEntryView;
}

/** Prepaid credits (docs/limits.md, Credits): top-ups by platform admins, balance and ledger for the tenant's admins. */
@Injectable()
export class CreditsService {
  private readonly logger = new Logger('Credits');

  constructor(
    private readonly credits: CreditsRepository,
    private readonly plans: PlansRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly access: TenantAccess,
    private readonly audit: AuditService,
    private readonly balances: CreditBalanceSync,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /** Ledger entry, balance and audit in one transaction; the Redis balance after the commit. */
  async topUp(principal: Principal, reference: string, dto: TopUpCreditsDto): Promise<TopUpView> {
    const { tenant } = await this.access.authorize(principal, reference, 'viewer');
    requirePlatformAdmin(principal);
    const amountMicros = usdToMicros(dto.amount_usd);
    const { entry, totals } = await this.unitOfWork.run(async (tx) => {
      const row = await this.credits.appendTopUp(tx, tenant.id, { amountMicros, reason: dto.reason, createdBy: userIdOf(principal) });
      const after = await this.credits.totals(tenant.id, tx);
      await this.audit.record(tx, {
        tenantId: tenant.id,
        eventType: 'credits.topped_up',
        resourceType: 'credit_ledger',
        resourceId: row.id,
        new: { amount_micros: Number(amountMicros), reason: dto.reason, balance_micros: Number(after.balance_micros) },
      });
      return { entry: row, totals: after };
    });
    try {
      await this.balances.sync(totals);
    } catch (error) {
      // Committed: the sync on Redis's return (or the next start) applies it, once.
      this.logger.warn(`Top-up ${entry.id} committed; Redis balance update deferred: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { ...(await this.balance(tenant.id, tenant.slug, tenant.subscription_tier)), entry: creditEntryView(entry) };
  }

  async get(principal: Principal, reference: string, query: PaginationQueryDto): Promise<CreditBalanceView & { count: number; results: CreditEntryView[] }> {
    const { tenant } = await this.access.authorize(principal, reference, 'admin');
    const [balance, ledger] = await Promise.all([
      this.balance(tenant.id, tenant.slug, tenant.subscription_tier),
      this.credits.ledger(tenant.id, pageWindow(query)),
    ]);
    return { ...balance, count: ledger.count, results: ledger.rows.map((row: CreditLedgerRow) => creditEntryView(row)) };
  }

  private async balance(tenantId: string, slug: string, planId: string): Promise<CreditBalanceView> {
    const [totals, plan, live] = await Promise.all([this.credits.totals(tenantId), this.plans.findById(planId), this.liveBalance(tenantId)]);
    const balance = Number(totals.balance_micros);
    return {
      tenant: slug,
      billing_mode: plan?.billing_mode ?? 'postpaid',
      balance_micros: balance,
      balance_usd: microsToUsd(balance),
      live_balance_micros: live,
    };
  }

  private async liveBalance(tenantId: string): Promise<number | null> {
    try {
      const value = await this.redis.get(RedisKeys.credits(tenantId));
      return value === null ? null : Number(value);
    } catch {
      return null;
    }
  }
}
