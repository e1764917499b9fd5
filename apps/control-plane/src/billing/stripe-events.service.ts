import { Inject, Injectable, Logger } from '@nestjs/common';
import { BillingRepository, CreditsRepository, PlansRepository, UnitOfWork, type BillingChanges, type CreditTotals, type StripeEventOutcome, type TenantRow, type Transaction } from '@sluice/control-plane/data-access';
import type Stripe from 'stripe';
import { AuditService } from '../audit/audit.service';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { CreditBalanceSync } from '../credits/credit-balance-sync';
import { PAYMENT_OVERDUE } from '../tenants/tenant-billing-status';
import { SIGNUP_PLAN } from '../tenants/tenant-plans';
import { Projector } from '../projection/projector';
import { WebhookOutbox } from '../webhooks/webhook-outbox';
import { tenantStatusEvent } from '../webhooks/webhook-payloads';

/** Where a tenant goes when its subscription ends (docs/billing.md). */
export const PLAN_AFTER_CANCELLATION = SIGNUP_PLAN;

/** What one event changed, for the steps after its commit. */
interface Effect {
  outcome: StripeEventOutcome;
  tenantId: string | null;
  objectId: string | null;
  credits?: CreditTotals;
  /** The tenant's projection record changed (status or plan): flush it to the gateway. */
  projection?: boolean;
  /** A payment failed at this time: suspend after the grace period unless paid before. */
  pastDueSince?: Date;
  /** A payment succeeded: a pending suspension is void. */
  cancelSuspension?: boolean;
}

export type SuspendOutcome = { kind: 'suspended' } | { kind: 'not_overdue' } | { kind: 'early'; dueAt: Date };

export interface HandledEvent {
  id: string;
  duplicate: boolean;
  outcome: StripeEventOutcome;
}

/** The hooks dunning gives the event handler (BullMQ's delayed suspension job). */
export interface DunningHooks {
  /** Suspend the tenant once the grace period from `pastDueSince` has passed, unless it pays first. */
  schedule(tenantId: string, pastDueSince: Date): Promise<void>;
  cancel(tenantId: string): Promise<void>;
}

/**
 * Applies verified Stripe events (docs/billing.md): each exactly once by its
 * id, in the transaction of its effect; an event older than the newest one
 * applied to the same state changes nothing; the effect comes from the signed
 * payload alone, never from a call to Stripe.
 */
@Injectable()
export class StripeEventsService {
  private readonly logger = new Logger('Billing');
  private dunning: DunningHooks | null = null;

  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly billing: BillingRepository,
    private readonly credits: CreditsRepository,
    private readonly plans: PlansRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditService,
    private readonly projector: Projector,
    private readonly balances: CreditBalanceSync,
    private readonly webhookEvents: WebhookOutbox,
  ) {}

  useDunning(hooks: DunningHooks): void {
    this.dunning = hooks;
  }

  async handle(event: Stripe.Event): Promise<HandledEvent> {
    const effect = await this.unitOfWork.run(async (tx) => {
      if (!(await this.billing.beginEvent(tx, event))) return null;
      const applied = await this.apply(tx, event);
      await this.billing.finishEvent(tx, event.id, applied.outcome, applied.tenantId, applied.objectId);
      return applied;
    });
    if (!effect) return { id: event.id, duplicate: true, outcome: (await this.billing.findEvent(event.id))?.outcome ?? 'applied' };
    await this.afterCommit(event, effect);
    return { id: event.id, duplicate: false, outcome: effect.outcome };
  }

  /** Redis and the job queue follow the committed state; each has its own catch-up if this fails. */
  private async afterCommit(event: Stripe.Event, effect: Effect): Promise<void> {
    const steps: Array<[string, () => Promise<unknown>]> = [];
    if (effect.credits) steps.push(['credit balance', () => this.balances.sync(effect.credits as CreditTotals)]);
    if (effect.projection) steps.push(['projection', () => this.projector.flush()]);
    if (effect.tenantId && effect.pastDueSince && this.dunning) steps.push(['suspension job', () => (this.dunning as DunningHooks).schedule(effect.tenantId as string, effect.pastDueSince as Date)]);
    if (effect.tenantId && effect.cancelSuspension && this.dunning) steps.push(['suspension job', () => (this.dunning as DunningHooks).cancel(effect.tenantId as string)]);
    for (const [what, step] of steps) {
      try {
        await step();
      } catch (error) {
        this.logger.warn(`Stripe event ${event.id} committed; ${what} update deferred: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private apply(tx: Transaction, event: Stripe.Event): Promise<Effect> {
    switch (event.type) {
      case 'checkout.session.completed':
        return this.checkoutCompleted(tx, event, event.data.object);
      case 'invoice.payment_succeeded':
        return this.paymentSucceeded(tx, event, event.data.object);
      case 'invoice.payment_failed':
        return this.paymentFailed(tx, event, event.data.object);
      case 'customer.subscription.updated':
      case 'customer.subscription.deleted':
        return this.subscriptionChanged(tx, event, event.data.object);
      default:
        return Promise.resolve({ outcome: 'ignored', tenantId: null, objectId: objectIdOf(event) });
    }
  }

  private async checkoutCompleted(tx: Transaction, event: Stripe.Event, session: Stripe.Checkout.Session): Promise<Effect> {
    const tenant = await this.billing.lockTenant(tx, session.client_reference_id);
    const base = { tenantId: tenant?.id ?? null, objectId: session.id };
    if (!tenant) return { ...base, outcome: 'unknown_tenant' };
    const customer = customerId(session.customer);
    if (customer && tenant.stripe_customer_id !== customer) {
      if (tenant.stripe_customer_id === null) await this.billing.adoptCustomer(tx, tenant.id, customer);
      else this.logger.warn(`Checkout ${session.id} paid by customer ${customer}, but tenant ${tenant.slug} is ${tenant.stripe_customer_id}: kept`);
    }
    if (session.payment_status === 'unpaid') return { ...base, outcome: 'unpaid' };
    const purpose = session.metadata?.['purpose'];
    if (purpose === 'credits') {
      const amountMicros = BigInt(session.amount_total ?? 0) * 10_000n;
      if (amountMicros <= 0n) return { ...base, outcome: 'ignored' };
      const entry = await this.credits.appendTopUp(tx, tenant.id, { amountMicros, reason: `Stripe checkout ${session.id}`, createdBy: null });
      const totals = await this.credits.totals(tenant.id, tx);
      await this.record(tx, event, tenant, 'credits.purchased', 'credit_ledger', entry.id, null, {
        amount_micros: Number(amountMicros),
        checkout_session: session.id,
        balance_micros: Number(totals.balance_micros),
      });
      await this.webhookEvents.emit(tx, tenant.id, 'billing.credits_added', { tenant: tenant.id, amount_micros: Number(amountMicros), balance_micros: Number(totals.balance_micros), checkout_session: session.id });
      return { ...base, outcome: 'applied', credits: totals };
    }
    if (purpose === 'plan') {
      const subscription = typeof session.subscription === 'string' ? session.subscription : (session.subscription?.id ?? null);
      return this.changePlan(tx, event, tenant, session.metadata?.['plan'] ?? '', { stripe_subscription_id: subscription ?? undefined }, base);
    }
    return { ...base, outcome: 'ignored' };
  }

  private async paymentSucceeded(tx: Transaction, event: Stripe.Event, invoice: Stripe.Invoice): Promise<Effect> {
    const tenant = await this.billing.lockTenantByCustomer(tx, customerId(invoice.customer));
    const base = { tenantId: tenant?.id ?? null, objectId: invoice.id ?? null };
    if (!tenant) return { ...base, outcome: 'unknown_tenant' };
    if (!(await this.billing.claimNewest(tx, `payment:${tenant.id}`, event.created, event.id))) return { ...base, outcome: 'stale' };
    const paidAt = new Date((invoice.status_transitions?.paid_at ?? event.created) * 1000);
    const changes: BillingChanges = { last_payment: paidAt, billing_status: 'current', past_due_since: null };
    const restore = tenant.status === 'suspended' && tenant.suspension_reason === PAYMENT_OVERDUE;
    if (restore) Object.assign(changes, { status: 'active', suspended_at: null, suspension_reason: '' });
    const updated = await this.billing.update(tx, tenant.id, changes);
    await this.record(tx, event, tenant, 'billing.payment_succeeded', 'tenant', tenant.id, { billing_status: tenant.billing_status, last_payment: tenant.last_payment }, {
      billing_status: updated.billing_status,
      last_payment: updated.last_payment,
      invoice: invoice.id,
      amount_paid_cents: invoice.amount_paid,
    });
    await this.webhookEvents.emit(tx, tenant.id, 'billing.payment_succeeded', { tenant: tenant.id, invoice: invoice.id ?? null, amount_paid_cents: invoice.amount_paid, paid_at: paidAt.toISOString() });
    if (restore) await this.record(tx, event, tenant, 'tenant.restored', 'tenant', tenant.id, { status: tenant.status, suspension_reason: tenant.suspension_reason }, { status: 'active' });
    if (restore) await this.projector.enqueue(tx, [{ kind: 'tenant', id: tenant.id }]);
    if (restore) await this.webhookEvents.emit(tx, tenant.id, 'tenant.restored', tenantStatusEvent(updated));
    return { ...base, outcome: 'applied', projection: restore, cancelSuspension: true };
  }

  private async paymentFailed(tx: Transaction, event: Stripe.Event, invoice: Stripe.Invoice): Promise<Effect> {
    const tenant = await this.billing.lockTenantByCustomer(tx, customerId(invoice.customer));
    const base = { tenantId: tenant?.id ?? null, objectId: invoice.id ?? null };
    if (!tenant) return { ...base, outcome: 'unknown_tenant' };
    if (!(await this.billing.claimNewest(tx, `payment:${tenant.id}`, event.created, event.id))) return { ...base, outcome: 'stale' };
    const since = tenant.past_due_since ?? new Date(event.created * 1000);
    const updated = await this.billing.update(tx, tenant.id, { billing_status: 'past_due', past_due_since: since });
    await this.record(tx, event, tenant, 'billing.payment_failed', 'tenant', tenant.id, { billing_status: tenant.billing_status }, {
      billing_status: 'past_due',
      past_due_since: since,
      invoice: invoice.id,
      amount_due_cents: invoice.amount_due,
    });
    await this.webhookEvents.emit(tx, tenant.id, 'billing.payment_failed', { tenant: tenant.id, invoice: invoice.id ?? null, amount_due_cents: invoice.amount_due, past_due_since: since.toISOString() });
    // No grace period: the suspension is part of this event's effect.
    if (this.config.billing.gracePeriodMs === 0 && updated.status === 'active') {
      await this.suspendInTransaction(tx, updated, event.id);
      return { ...base, outcome: 'applied', projection: true };
    }
    return { ...base, outcome: 'applied', pastDueSince: since };
  }

  /**
   * The dunning job's step: suspends the tenant for non-payment if it is still
   * past due and active once the grace period has passed; a tenant that paid,
   * or that an admin suspended meanwhile, is left alone.
   */
  async suspendOverdue(tenantId: string, gracePeriodMs: number, now = new Date()): Promise<SuspendOutcome> {
    const outcome = await this.unitOfWork.run(async (tx): Promise<SuspendOutcome> => {
      const tenant = await this.billing.lockTenant(tx, tenantId);
      if (!tenant || tenant.billing_status !== 'past_due' || tenant.status !== 'active' || !tenant.past_due_since) return { kind: 'not_overdue' };
      const dueAt = new Date(tenant.past_due_since.getTime() + gracePeriodMs);
      if (dueAt > now) return { kind: 'early', dueAt };
      await this.suspendInTransaction(tx, tenant, null);
      return { kind: 'suspended' };
    });
    if (outcome.kind === 'suspended') await this.projector.flush();
    return outcome;
  }

  private async suspendInTransaction(tx: Transaction, tenant: TenantRow, stripeEventId: string | null): Promise<void> {
    const updated = await this.billing.update(tx, tenant.id, { status: 'suspended', suspended_at: new Date(), suspension_reason: PAYMENT_OVERDUE });
    await this.audit.record(tx, {
      tenantId: tenant.id,
      eventType: 'tenant.suspended',
      resourceType: 'tenant',
      resourceId: tenant.id,
      old: { status: tenant.status, suspension_reason: tenant.suspension_reason },
      new: { status: updated.status, suspension_reason: PAYMENT_OVERDUE, past_due_since: tenant.past_due_since, stripe_event_id: stripeEventId },
    });
    await this.webhookEvents.emit(tx, tenant.id, 'tenant.suspended', tenantStatusEvent(updated));
    await this.projector.enqueue(tx, [{ kind: 'tenant', id: tenant.id }]);
  }

  private async subscriptionChanged(tx: Transaction, event: Stripe.Event, subscription: Stripe.Subscription): Promise<Effect> {
    const tenant = await this.billing.lockTenantByCustomer(tx, customerId(subscription.customer));
    const base = { tenantId: tenant?.id ?? null, objectId: subscription.id };
    if (!tenant) return { ...base, outcome: 'unknown_tenant' };
    // A subscription other than the tenant's current one (an old one ending late) does not move its plan.
    if (tenant.stripe_subscription_id && tenant.stripe_subscription_id !== subscription.id) return { ...base, outcome: 'ignored' };
    const ended = event.type === 'customer.subscription.deleted' || ['canceled', 'incomplete_expired'].includes(subscription.status);
    const plan = ended ? PLAN_AFTER_CANCELLATION : (subscription.metadata?.['plan'] ?? '');
    return this.changePlan(tx, event, tenant, plan, { stripe_subscription_id: ended ? null : subscription.id }, base);
  }

  /** Plan state is one per tenant: checkout and subscription events order against each other. */
  private async changePlan(tx: Transaction, event: Stripe.Event, tenant: TenantRow, planId: string, changes: BillingChanges, base: Pick<Effect, 'tenantId' | 'objectId'>): Promise<Effect> {
    if (!planId || !(await this.plans.findById(planId, tx))) return { ...base, outcome: 'unknown_plan' };
    if (!(await this.billing.claimNewest(tx, `plan:${tenant.id}`, event.created, event.id))) return { ...base, outcome: 'stale' };
    const updated = await this.billing.update(tx, tenant.id, { ...changes, subscription_tier: planId });
    await this.record(tx, event, tenant, 'tenant.plan_changed', 'tenant', tenant.id, { subscription_tier: tenant.subscription_tier, stripe_subscription_id: tenant.stripe_subscription_id }, {
      subscription_tier: updated.subscription_tier,
      stripe_subscription_id: updated.stripe_subscription_id,
    });
    await this.webhookEvents.emit(tx, tenant.id, 'billing.plan_changed', { tenant: tenant.id, previous_plan: tenant.subscription_tier, plan: updated.subscription_tier });
    await this.projector.enqueue(tx, [{ kind: 'tenant', id: tenant.id }]);
    return { ...base, outcome: 'applied', projection: true };
  }

  /** Audited as the system (no principal on the webhook), naming the Stripe event. */
  private async record(tx: Transaction, event: Stripe.Event, tenant: TenantRow, eventType: string, resourceType: string, resourceId: string, old: object | null, next: object): Promise<void> {
    await this.audit.record(tx, { tenantId: tenant.id, eventType, resourceType, resourceId, old, new: { ...next, stripe_event_id: event.id, stripe_event_type: event.type } });
  }
}

function customerId(customer: string | { id: string } | null | undefined): string | null {
  if (!customer) return null;
  return typeof customer === 'string' ? customer : customer.id;
}

function objectIdOf(event: Stripe.Event): string | null {
  const object = event.data.object as { id?: unknown };
  return typeof object.id === 'string' ? object.id : null;
}
