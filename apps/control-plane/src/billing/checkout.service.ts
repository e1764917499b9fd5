import { Inject, Injectable } from '@nestjs/common';
import { BillingRepository, PlansRepository, UnitOfWork, type PlanRow, type TenantRow } from '@sluice/control-plane/data-access';
import { SluiceException } from '@sluice/platform';
import type Stripe from 'stripe';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { TenantAccess } from '../auth/tenant-access';
import type { CheckoutQueryDto } from './dto/billing.dto';
import { billingNotConfigured, paymentProviderError, STRIPE } from './stripe-client';

export interface CheckoutView {
  id: string;
  url: string;
}

export interface PricingTableSessionView {
  pricing_table_id: string;
  client_reference_id: string;
  customer_session_client_secret: string;
}

/**
 * Stripe Checkout and the customer portal for a tenant's owner (or a platform
 * admin): the session says who pays (`client_reference_id` = tenant id) and
 * for what (`metadata.purpose`, `metadata.plan`), which is all the webhook
 * needs when the payment completes.
 */
@Injectable()
export class CheckoutService {
  constructor(
    @Inject(STRIPE) private readonly stripe: Stripe | null,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly access: TenantAccess,
    private readonly plans: PlansRepository,
    private readonly billing: BillingRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditService,
  ) {}

  async checkout(principal: Principal, reference: string, query: CheckoutQueryDto): Promise<CheckoutView> {
    // Who may bill this tenant is settled first: a tenant the caller may not see is 404 whether or not billing is configured.
    const { tenant } = await this.access.authorize(principal, reference, 'owner');
    const stripe = this.client();
    if (query.purpose === 'credits') {
      if (query.amount_usd === undefined) throw invalid('amount_usd', 'amount_usd is required for purpose=credits');
      if (query.plan !== undefined) throw invalid('plan', 'plan is only for purpose=plan');
      return this.creditsSession(stripe, tenant, Math.round(query.amount_usd * 100));
    }
    if (query.plan === undefined) throw invalid('plan', 'plan is required for purpose=plan');
    if (query.amount_usd !== undefined) throw invalid('amount_usd', 'amount_usd is only for purpose=credits; a plan has its price');
    return this.planSession(stripe, tenant, await this.billablePlan(query.plan));
  }

  async portal(principal: Principal, reference: string): Promise<{ url: string }> {
    // Who may bill this tenant is settled first: a tenant the caller may not see is 404 whether or not billing is configured.
    const { tenant } = await this.access.authorize(principal, reference, 'owner');
    const stripe = this.client();
    const customer = await this.customerOf(stripe, tenant);
    const session = await stripe.billingPortal.sessions.create({ customer, return_url: this.config.billing.successUrl }).catch((error: unknown) => {
      throw paymentProviderError(error);
    });
    return { url: session.url };
  }

  /**
   * The older team-based billing API's pricing-table session: with a pricing table set, what Stripe's
   * embedded table needs (a customer session for the tenant's customer);
   * without one, a subscription checkout for `plan` (default the current one).
   */
  async pricingTableSession(principal: Principal, reference: string, plan?: string): Promise<CheckoutView | PricingTableSessionView> {
    // Who may bill this tenant is settled first: a tenant the caller may not see is 404 whether or not billing is configured.
    const { tenant } = await this.access.authorize(principal, reference, 'owner');
    const stripe = this.client();
    const pricingTableId = await this.billing.setting('pricing_table_id');
    if (!pricingTableId) return this.planSession(stripe, tenant, await this.billablePlan(plan ?? tenant.subscription_tier));
    const customer = await this.customerOf(stripe, tenant);
    const session = await stripe.customerSessions.create({ customer, components: { pricing_table: { enabled: true } } }).catch((error: unknown) => {
      throw paymentProviderError(error);
    });
    return { pricing_table_id: pricingTableId, client_reference_id: tenant.id, customer_session_client_secret: session.client_secret };
  }

  private creditsSession(stripe: Stripe, tenant: TenantRow, cents: number): Promise<CheckoutView> {
    return this.session(stripe, tenant, {
      mode: 'payment',
      metadata: { purpose: 'credits', tenant_id: tenant.id },
      line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: cents, product_data: { name: `Sluice credits for ${tenant.slug}` } } }],
    });
  }

  private planSession(stripe: Stripe, tenant: TenantRow, plan: PlanRow): Promise<CheckoutView> {
    const metadata = { purpose: 'plan', plan: plan.id, tenant_id: tenant.id };
    return this.session(stripe, tenant, {
      mode: 'subscription',
      metadata,
      // The subscription carries the plan too: its later updates name the plan they move to.
      subscription_data: { metadata },
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: 'usd',
            unit_amount: plan.price_monthly_cents,
            recurring: { interval: 'day', interval_count: plan.period_days },
            product_data: { name: `Sluice ${plan.name}` },
          },
        },
      ],
    });
  }

  private async session(stripe: Stripe, tenant: TenantRow, params: Stripe.Checkout.SessionCreateParams): Promise<CheckoutView> {
    const customer = await this.customerOf(stripe, tenant);
    const session = await stripe.checkout.sessions
      .create({ ...params, customer, client_reference_id: tenant.id, success_url: this.config.billing.successUrl, cancel_url: this.config.billing.cancelUrl })
      .catch((error: unknown) => {
        throw paymentProviderError(error);
      });
    if (!session.url) throw new SluiceException('payment_provider_error', 'Stripe returned a checkout session without a URL');
    return { id: session.id, url: session.url };
  }

  /**
   * The tenant's Stripe customer, created on first use. The idempotency key
   * names the tenant, so two first clicks at once get one customer.
   */
  private async customerOf(stripe: Stripe, tenant: TenantRow): Promise<string> {
    if (tenant.stripe_customer_id) return tenant.stripe_customer_id;
    const created = await stripe.customers
      .create(
        { name: tenant.name, email: tenant.billing_email || tenant.contact_email || undefined, metadata: { tenant_id: tenant.id, tenant_slug: tenant.slug } },
        { idempotencyKey: `sluice-customer-${tenant.id}` },
      )
      .catch((error: unknown) => {
        throw paymentProviderError(error);
      });
    return this.unitOfWork.run(async (tx) => {
      const customer = await this.billing.adoptCustomer(tx, tenant.id, created.id);
      if (!customer) throw new SluiceException('conflict', `Stripe customer ${created.id} belongs to another tenant`);
      if (customer === created.id) {
        await this.audit.record(tx, { tenantId: tenant.id, eventType: 'billing.customer_created', resourceType: 'tenant', resourceId: tenant.id, new: { stripe_customer_id: customer } });
      }
      return customer;
    });
  }

  private async billablePlan(id: string): Promise<PlanRow> {
    const plan = await this.plans.findById(id);
    if (!plan) throw invalid('plan', `Unknown plan ${id}`);
    if (!plan.active) throw invalid('plan', `Plan ${id} is retired and cannot be bought`);
    if (plan.price_monthly_cents <= 0) throw invalid('plan', `Plan ${id} is free: there is nothing to pay`);
    return plan;
  }

  private client(): Stripe {
    if (!this.stripe) throw billingNotConfigured('STRIPE_SECRET_KEY');
    return this.stripe;
  }
}

function invalid(param: string, message: string): SluiceException {
  return new SluiceException('validation_error', message, { [param]: [message] }, param);
}
