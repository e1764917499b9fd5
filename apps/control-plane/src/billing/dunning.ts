import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { DelayedError, type Job, type Queue } from 'bullmq';
import { BillingRepository } from '@sluice/control-plane/data-access';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { SchemaReady } from '../database/schema-ready';
import { StatementsService } from './statements.service';
import { StripeEventsService, type DunningHooks } from './stripe-events.service';

export const BILLING_QUEUE = 'billing';
export const SUSPEND_JOB = 'suspend-for-nonpayment';
export const CLOSE_PERIODS_JOB = 'close-periods';

interface SuspendJobData {
  tenant_id?: string;
}

/** One pending suspension per tenant: a second failure does not add another. */
export const suspendJobId = (tenantId: string): string => `suspend-${tenantId}`;

/**
 * Dunning (docs/billing.md): a failed payment schedules the tenant's
 * suspension after the grace period as a delayed BullMQ job; a payment in
 * between removes it. The job re-checks the tenant in the database, so a job
 * that escaped removal (already running) suspends nobody who has paid.
 */
@Injectable()
export class Dunning implements DunningHooks, OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('Billing');

  constructor(
    @InjectQueue(BILLING_QUEUE) private readonly queue: Queue<SuspendJobData>,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly events: StripeEventsService,
    private readonly billing: BillingRepository,
    private readonly schema: SchemaReady,
  ) {}

  onModuleInit(): void {
    this.queue.on('error', (error: Error) => this.logger.warn(`Billing job queue: ${error.message}`));
    this.events.useDunning(this);
  }

  /** Suspensions scheduled while Redis was unreachable (or lost with it) are scheduled again on start. */
  async onApplicationBootstrap(): Promise<void> {
    // One scheduler for every replica (its id is the job name): the repeatable period close (docs/billing.md).
    await this.queue
      .upsertJobScheduler(CLOSE_PERIODS_JOB, { every: this.config.billing.closeIntervalMs }, { name: CLOSE_PERIODS_JOB, opts: { removeOnComplete: true, removeOnFail: true } })
      .catch((error: unknown) => this.logger.warn(`Period close not scheduled: ${error instanceof Error ? error.message : String(error)}`));
    await this.schema.whenMigrated('scheduling overdue suspensions', async () => {
      try {
        const overdue = await this.billing.pastDueActiveTenants();
        for (const tenant of overdue) await this.schedule(tenant.id, tenant.past_due_since);
      } catch (error) {
        this.logger.warn(`Overdue suspensions not rescheduled on start: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  }

  async schedule(tenantId: string, pastDueSince: Date): Promise<void> {
    const due = pastDueSince.getTime() + this.config.billing.gracePeriodMs;
    await this.queue.add(
      SUSPEND_JOB,
      { tenant_id: tenantId },
      {
        jobId: suspendJobId(tenantId),
        delay: Math.max(0, due - Date.now()),
        attempts: 10,
        backoff: { type: 'exponential', delay: 1_000 },
        removeOnComplete: true,
        removeOnFail: true,
      },
    );
  }

  async cancel(tenantId: string): Promise<void> {
    await this.queue.remove(suspendJobId(tenantId));
  }
}

@Processor(BILLING_QUEUE)
export class BillingJobs extends WorkerHost {
  private readonly logger = new Logger('Billing');

  constructor(
    private readonly events: StripeEventsService,
    private readonly statements: StatementsService,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
  ) {
    super();
  }

  async process(job: Job<SuspendJobData>, token?: string): Promise<string> {
    if (job.name === CLOSE_PERIODS_JOB) {
      const { closed, invoiced } = await this.statements.closeDuePeriods();
      return `${closed} statements closed, ${invoiced} lines sent to Stripe`;
    }
    if (job.name !== SUSPEND_JOB || !job.data.tenant_id) return 'unknown job';
    const outcome = await this.events.suspendOverdue(job.data.tenant_id, this.config.billing.gracePeriodMs);
    if (outcome.kind === 'early') {
      // Not due yet (the grace period grew, or clocks disagree): the same job runs again when it is.
      await job.moveToDelayed(outcome.dueAt.getTime(), token);
      throw new DelayedError();
    }
    return outcome.kind;
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn(`Billing job worker: ${error.message}`);
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    this.logger.warn(`Billing job ${job?.name ?? '?'} ${job?.id ?? ''} failed (attempt ${job?.attemptsMade ?? '?'}): ${error.message}`);
  }
}
