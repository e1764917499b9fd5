import { isSandboxEnvironment, isUuid, type KeyEnvironment } from '@sluice/contracts';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { BillingRepository, PlansRepository, StatementsRepository, UnitOfWork, type NewLine, type StatementLineRow, type StatementRow } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import { pageWindow, type PaginationQueryDto } from '@sluice/platform/openapi';
import type Stripe from 'stripe';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { TenantAccess } from '../auth/tenant-access';
import { currentQuotaPeriod, QUOTA_PERIOD_DAYS } from '../common/quota-rules';
import { STRIPE } from './stripe-client';

const MICROS_PER_CENT = 10_000n;
const INVOICE_BATCH = 100;
/** Stripe keeps an idempotency key 24 hours; past 23 since the close, a line is looked up before it is created. */
export const IDEMPOTENCY_KEY_TRUST_MS = 23 * 3_600_000;
/** Our clock and Stripe's may disagree by this much when listing what was created since a close. */
const CLOCK_SKEW_S = 600;

export interface StatementLineView {
  id: string;
  kind: StatementLineRow['kind'];
  model: string | null;
  environment: string | null;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  amount_micros: number;
  amount_usd: number;
  stripe_invoice_item_id: string | null;
}

export interface StatementView {
  id: string;
  tenant: string;
  period_start: string;
  period_end: string;
  plan: string;
  billing_mode: StatementRow['billing_mode'];
  requests: number;
  usage_cost_micros: number;
  plan_fee_micros: number;
  credits_used_micros: number;
  total_micros: number;
  total_usd: number;
  closed_at: string;
  lines?: StatementLineView[];
}

/**
 * Period statements (docs/billing.md): the period-close job writes one per
 * tenant and completed period, with every usage event on exactly one of them;
 * postpaid usage lines then reach Stripe as invoice items, each once (its id
 * is the idempotency key, so a rerun after a crash gets Stripe's first answer).
 */
@Injectable()
export class StatementsService {
  private readonly logger = new Logger('Billing');

  constructor(
    private readonly statements: StatementsRepository,
    private readonly billing: BillingRepository,
    private readonly plans: PlansRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditService,
    private readonly access: TenantAccess,
    @Inject(STRIPE) private readonly stripe: Stripe | null,
  ) {}

  /** The repeatable job's step: closes every due period, then sends what Stripe is owed. */
  async closeDuePeriods(now = new Date()): Promise<{ closed: number; invoiced: number }> {
    let closed = 0;
    for (const { id } of await this.statements.tenantsToClose()) {
      if (await this.closeTenant(id, now)) closed++;
    }
    return { closed, invoiced: await this.invoicePending() };
  }

  /**
   * Closes the tenant's last completed period if it has no statement yet. The
   * statement covers from the previous statement's end (or the tenant's period
   * start) to the start of the current period.
   */
  async closeTenant(tenantId: string, now = new Date()): Promise<boolean> {
    return this.unitOfWork.run(async (tx) => {
      const tenant = await this.billing.lockTenant(tx, tenantId);
      if (!tenant) return false;
      const plan = await this.plans.findById(tenant.subscription_tier, tx);
      const periodDays = plan?.period_days ?? QUOTA_PERIOD_DAYS;
      const current = currentQuotaPeriod(tenant.last_reset_at, periodDays, now);
      const last = await this.statements.lastPeriodEnd(tx, tenantId);
      const length = periodDays * 86_400_000;
      const start = last ? last.period_end : new Date(Math.max(tenant.last_reset_at.getTime(), current.start.getTime() - length));
      const end = current.start;
      if (end.getTime() <= start.getTime()) return false;
      const billingMode = plan?.billing_mode ?? 'postpaid';
      const statementId = await this.statements.create(tx, tenantId, { start, end }, { id: tenant.subscription_tier, billing_mode: billingMode });
      await this.statements.assignUsage(tx, statementId, tenantId, end);
      const lines: NewLine[] = (await this.statements.usageGroups(tx, statementId, start)).map((group) => ({
        kind: group.late ? 'adjustment' : 'usage',
        model: group.model,
        environment: group.environment,
        requests: Number(group.requests),
        promptTokens: Number(group.prompt_tokens),
        completionTokens: Number(group.completion_tokens),
        amountMicros: BigInt(group.cost_micros),
        invoiceable: billingMode === 'postpaid' && isBilled(group.environment) && BigInt(group.cost_micros) > 0n,
      }));
      // The fee is billed by the Stripe subscription itself: listed, not invoiced again.
      const planFee = billingMode === 'postpaid' ? BigInt(plan?.price_monthly_cents ?? 0) * MICROS_PER_CENT : 0n;
      if (planFee > 0n) lines.push({ kind: 'plan_fee', model: null, environment: null, requests: 0, promptTokens: 0, completionTokens: 0, amountMicros: planFee, invoiceable: false });
      for (const line of lines) await this.statements.addLine(tx, statementId, line);
      const usage = lines.filter((line) => line.kind !== 'plan_fee');
      const usageCost = usage.reduce((sum, line) => sum + line.amountMicros, 0n);
      // Live and staging usage is paid for; test and development keys reach sandbox models only and are never charged.
      const liveCost = usage.filter((line) => isBilled(line.environment)).reduce((sum, line) => sum + line.amountMicros, 0n);
      const totals = {
        requests: usage.reduce((sum, line) => sum + line.requests, 0),
        usageCost,
        planFee,
        creditsUsed: billingMode === 'prepaid' ? liveCost : 0n,
        total: planFee + (billingMode === 'postpaid' ? liveCost : 0n),
      };
      await this.statements.setTotals(tx, statementId, totals);
      await this.audit.record(tx, {
        tenantId,
        eventType: 'statement.closed',
        resourceType: 'statement',
        resourceId: statementId,
        new: { period_start: start, period_end: end, requests: totals.requests, total_micros: Number(totals.total) },
      });
      return true;
    });
  }

  /**
   * Sends each owed line to Stripe once; a failure leaves it for the next run.
   * A line still unsent close to a day after its statement closed may have
   * reached Stripe under an idempotency key Stripe has since forgotten (it
   * keeps them 24 hours): the customer's invoice items are searched for the
   * line's id first, and only a line found nowhere is created.
   */
  async invoicePending(now = new Date()): Promise<number> {
    if (!this.stripe) return 0;
    const stripe = this.stripe;
    const sentEarlier = new Map<string, Promise<Map<string, string>>>();
    let sent = 0;
    for (const line of await this.statements.toInvoice(INVOICE_BATCH)) {
      try {
        if (now.getTime() - line.closed_at.getTime() >= IDEMPOTENCY_KEY_TRUST_MS) {
          const key = `${line.stripe_customer_id} ${line.closed_at.getTime()}`;
          if (!sentEarlier.has(key)) sentEarlier.set(key, this.invoiceItemsByLine(stripe, line.stripe_customer_id, line.closed_at));
          const existing = (await sentEarlier.get(key))?.get(line.id);
          if (existing) {
            await this.statements.markInvoiced(line.id, existing);
            sent++;
            continue;
          }
        }
        const cents = (BigInt(line.amount_micros) + MICROS_PER_CENT / 2n) / MICROS_PER_CENT;
        const item = await stripe.invoiceItems.create(
          {
            customer: line.stripe_customer_id,
            amount: Number(cents),
            currency: 'usd',
            description: `${line.kind === 'adjustment' ? 'Late usage' : 'Usage'}: ${line.model} (${line.environment}), ${line.requests} requests, period from ${line.period_start.toISOString().slice(0, 10)}`,
            metadata: { statement_line_id: line.id, statement_id: line.statement_id, tenant_id: line.tenant_id },
          },
          { idempotencyKey: `statement-line-${line.id}` },
        );
        await this.statements.markInvoiced(line.id, item.id);
        sent++;
      } catch (error) {
        this.logger.warn(`Statement line ${line.id} not sent to Stripe yet, will retry: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return sent;
  }

  /** The customer's invoice items created since the statement closed, by the statement line they carry. */
  private async invoiceItemsByLine(stripe: Stripe, customer: string, since: Date): Promise<Map<string, string>> {
    const byLine = new Map<string, string>();
    const created = Math.floor(since.getTime() / 1000) - CLOCK_SKEW_S;
    for await (const item of stripe.invoiceItems.list({ customer, created: { gte: created }, limit: 100 })) {
      const lineId = item.metadata?.['statement_line_id'];
      if (lineId && !byLine.has(lineId)) byLine.set(lineId, item.id);
    }
    return byLine;
  }

  async list(principal: Principal, reference: string, query: PaginationQueryDto): Promise<{ count: number; results: StatementView[] }> {
    const { tenant } = await this.access.authorize(principal, reference, 'admin');
    const window = pageWindow(query);
    const [count, rows] = await Promise.all([this.statements.count(tenant.id), this.statements.list(tenant.id, window.limit, window.offset)]);
    return { count, results: rows.map((row) => statementView(row, tenant.slug)) };
  }

  async get(principal: Principal, reference: string, id: string): Promise<StatementView> {
    const { tenant } = await this.access.authorize(principal, reference, 'admin');
    const row = isUuid(id) ? await this.statements.find(tenant.id, id) : null;
    if (!row) throw new SluiceException('not_found', 'No such statement');
    return { ...statementView(row, tenant.slug), lines: (await this.statements.lines(tenant.id, row.id)).map(lineView) };
  }

  async csv(principal: Principal, reference: string, id: string): Promise<string> {
    const statement = await this.get(principal, reference, id);
    const header = 'kind,model,environment,requests,prompt_tokens,completion_tokens,amount_usd,stripe_invoice_item_id';
    const rows = (statement.lines ?? []).map((line) =>
      [line.kind, line.model ?? '', line.environment ?? '', line.requests, line.prompt_tokens, line.completion_tokens, line.amount_usd.toFixed(6), line.stripe_invoice_item_id ?? ''].map(csvField).join(','),
    );
    const total = ['total', '', '', statement.requests, '', '', (statement.total_micros / 1e6).toFixed(6), ''].map(csvField).join(',');
    return [header, ...rows, total].join('\r\n') + '\r\n';
  }
}

function csvField(value: string | number): string {
  const text = String(value);
  // A leading formula character is neutralised so a spreadsheet never evaluates a model name.
  const safe = /^[=+\-@]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function statementView(row: StatementRow, slug: string): StatementView {
  return {
    id: row.id,
    tenant: slug,
    period_start: row.period_start.toISOString(),
    period_end: row.period_end.toISOString(),
    plan: row.plan_id,
    billing_mode: row.billing_mode,
    requests: Number(row.requests),
    usage_cost_micros: Number(row.usage_cost_micros),
    plan_fee_micros: Number(row.plan_fee_micros),
    credits_used_micros: Number(row.credits_used_micros),
    total_micros: Number(row.total_micros),
    total_usd: Number(row.total_micros) / 1e6,
    closed_at: row.closed_at.toISOString(),
  };
}

function lineView(row: StatementLineRow): StatementLineView {
  return {
    id: row.id,
    kind: row.kind,
    model: row.model,
    environment: row.environment,
    requests: Number(row.requests),
    prompt_tokens: Number(row.prompt_tokens),
    completion_tokens: Number(row.completion_tokens),
    amount_micros: Number(row.amount_micros),
    amount_usd: Number(row.amount_micros) / 1e6,
    stripe_invoice_item_id: row.stripe_invoice_item_id,
  };
}

/** Usage lines of live and staging keys are charged (docs/limits.md, Environments). */
function isBilled(environment: string | null): boolean {
  return environment !== null && !isSandboxEnvironment(environment as KeyEnvironment);
}
