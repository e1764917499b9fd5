import { Injectable } from '@nestjs/common';
import { AuditRepository, redactSecrets, type AuditActor, type AuditEvent, type Transaction } from '@sluice/control-plane/data-access';
import { currentRequestContext } from '../request-context/request-context';
import { digestLargeValues } from './audit-payload';

export interface AuditRecord {
  /** The tenant's chain; null for the platform chain. */
  tenantId: string | null;
  eventType: string;
  resourceType: string;
  resourceId: string | null;
  old?: unknown;
  new?: unknown;
  /** Record the actor by id only (no email): an account deleting itself leaves no address in the chain. */
  pseudonymousActor?: boolean;
}

/**
 * The one way a mutation records itself: inside the mutation's own transaction
 * (the event commits or rolls back with the change), with the actor, address,
 * user agent and request id taken from the request context so no caller can
 * forget them, secrets redacted and large values digested (audit-payload.ts)
 * before anything is hashed or stored.
 */
@Injectable()
export class AuditService {
  constructor(private readonly audit: AuditRepository) {}

  record(tx: Transaction, record: AuditRecord): Promise<AuditEvent> {
    const context = currentRequestContext();
    return this.audit.append(tx, {
      tenantId: record.tenantId,
      eventType: record.eventType,
      actor: record.pseudonymousActor ? { ...actorOf(context.principal), email: null } : actorOf(context.principal),
      resourceType: record.resourceType,
      resourceId: record.resourceId,
      payload: digestLargeValues(redactSecrets({ old: record.old ?? null, new: record.new ?? null })),
      ipAddress: context.ipAddress,
      userAgent: context.userAgent,
      requestId: context.requestId,
    });
  }
}

function actorOf(principal: ReturnType<typeof currentRequestContext>['principal']): AuditActor {
  if (!principal) return { type: 'system', id: null, email: null };
  if (principal.kind === 'api_key') return { type: 'api_key', id: principal.keyId, email: null };
  return { type: 'user', id: principal.userId, email: principal.email };
}
