import { Injectable } from '@nestjs/common';
import type { TenantRole } from '@sluice/auth';
import { MembershipsRepository, UsersRepository, type MembershipRow, type Transaction } from '@sluice/control-plane/data-access';
import { ApiKeyOwners } from '../api-keys/api-key-owners';
import { AuditService } from '../audit/audit.service';
import { WebhookOutbox } from '../webhooks/webhook-outbox';
import type { EventRow } from './events.repository';
import type { ProviderRow } from './providers.repository';

/** A failure worth retrying (the user may sign up in between); the message lands in the event's `error`. */
export class EventNotApplicable extends Error {
  override readonly name = 'EventNotApplicable';
}

/** Roles an inbound event may give: never admin or owner, which only people inside Sluice grant. */
const MAPPABLE_ROLES: readonly TenantRole[] = ['member', 'viewer'];

/**
 * What each inbound event type does inside Sluice (docs/integrations.md,
 * Event types). One function per event family, each running in the
 * transaction that marks the event processed, so its effect and the
 * `processed` status commit together (once, however often the job runs).
 * Returns the outcome recorded on the event.
 */
@Injectable()
export class EventEffects {
  constructor(
    private readonly users: UsersRepository,
    private readonly memberships: MembershipsRepository,
    private readonly audit: AuditService,
    private readonly keyOwners: ApiKeyOwners,
    private readonly webhookEvents: WebhookOutbox,
  ) {}

  apply(tx: Transaction, event: EventRow, provider: ProviderRow): Promise<string> {
    const family = event.event_type.split('.')[0];
    if (family === 'user') return this.applyUserEvent(tx, event, provider);
    if (family === 'payment') return this.applyPaymentEvent(tx, event);
    if (family === 'subscription') return this.applySubscriptionEvent(tx, event);
    return Promise.resolve('recorded');
  }

  /** `user.created|updated|deleted`: the tenant's memberships follow its user service, when the provider's `map_users` is on. */
  async applyUserEvent(tx: Transaction, event: EventRow, provider: ProviderRow): Promise<string> {
    if (!provider.map_users) return 'recorded';
    const data = event.payload;
    const email = typeof data['email'] === 'string' ? data['email'].trim().toLowerCase() : '';
    if (!email) throw new EventNotApplicable('The event has no data.email to find the Sluice user by');
    const user = await this.users.findByEmail(email, tx);
    const membership = user ? await this.memberships.findByUser(event.tenant_id, user.id, tx) : null;
    const role = MAPPABLE_ROLES.find((candidate) => candidate === data['role']);
    switch (event.event_type) {
      case 'user.created':
        if (!user) throw new EventNotApplicable(`No Sluice user has the email ${email} (yet): retried, or retry by hand once they have signed up`);
        if (membership) return 'membership_exists';
        return this.addMember(tx, event, user.id, role ?? 'member');
      case 'user.updated':
        if (!membership || !role || membership.role === role) return 'membership_unchanged';
        if (!MAPPABLE_ROLES.includes(membership.role)) return 'membership_kept';
        return this.changeRole(tx, event, membership, role);
      case 'user.deleted':
        if (!membership) return 'membership_absent';
        if (!MAPPABLE_ROLES.includes(membership.role)) return 'membership_kept';
        return this.removeMember(tx, event, membership);
      default:
        return 'recorded';
    }
  }

  /** `payment.*`: recorded in the event log and forwarded to the tenant's outbound webhooks as `partner.payment`. */
  async applyPaymentEvent(tx: Transaction, event: EventRow): Promise<string> {
    await this.webhookEvents.emit(tx, event.tenant_id, 'partner.payment', partnerEvent(event));
    return 'forwarded';
  }

  /** `subscription.*`: recorded in the event log and forwarded to the tenant's outbound webhooks as `partner.subscription`. */
  async applySubscriptionEvent(tx: Transaction, event: EventRow): Promise<string> {
    await this.webhookEvents.emit(tx, event.tenant_id, 'partner.subscription', partnerEvent(event));
    return 'forwarded';
  }

  private async addMember(tx: Transaction, event: EventRow, userId: string, role: TenantRole): Promise<string> {
    const membership = await this.memberships.create(tx, event.tenant_id, userId, role);
    await this.audit.record(tx, { tenantId: event.tenant_id, eventType: 'tenant_user.created', resourceType: 'tenant_user', resourceId: membership.id, new: { ...memberOf(membership), via_event: event.id } });
    return 'membership_created';
  }

  private async changeRole(tx: Transaction, event: EventRow, membership: MembershipRow, role: TenantRole): Promise<string> {
    const updated = await this.memberships.update(tx, event.tenant_id, membership.id, { role });
    await this.audit.record(tx, { tenantId: event.tenant_id, eventType: 'tenant_user.updated', resourceType: 'tenant_user', resourceId: membership.id, old: memberOf(membership), new: { ...memberOf(updated), via_event: event.id } });
    await this.keyOwners.enforce(tx, membership.user_id, event.tenant_id);
    return 'membership_updated';
  }

  private async removeMember(tx: Transaction, event: EventRow, membership: MembershipRow): Promise<string> {
    await this.memberships.delete(tx, event.tenant_id, membership.id);
    await this.audit.record(tx, { tenantId: event.tenant_id, eventType: 'tenant_user.deleted', resourceType: 'tenant_user', resourceId: membership.id, old: { ...memberOf(membership), via_event: event.id } });
    await this.keyOwners.enforce(tx, membership.user_id, event.tenant_id);
    return 'membership_deleted';
  }
}

function memberOf(membership: MembershipRow): Record<string, unknown> {
  return { id: membership.id, user: membership.user_id, role: membership.role };
}

/** A partner's event as the tenant's own systems receive it: which provider sent what, and its data as sent. */
function partnerEvent(event: EventRow): Record<string, unknown> {
  return { provider: event.provider_name, event_type: event.event_type, event_id: event.event_id, data: event.payload, received_at: event.created_at.toISOString() };
}
