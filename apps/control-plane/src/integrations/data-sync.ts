import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { UnitOfWork } from '@sluice/control-plane/data-access';
import type { Job, Queue } from 'bullmq';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { INTEGRATIONS_QUEUE } from './event-processing';
import { describe } from './health-prober';
import { joinUrl, PartnerHttp } from './partner-http';
import { ProviderSecrets } from './provider-secrets';
import { ProvidersRepository } from './providers.repository';
import { isLastPage, parseSyncPage } from './sync-page';
import { SyncsRepository, type SyncRow } from './syncs.repository';

export const SYNC_JOB = 'sync';
/** A page that fails is fetched again by the job's next attempt, from the committed cursor. */
const SYNC_ATTEMPTS = 5;

export interface SyncJobData {
  sync: string;
}

export interface SyncProgress {
  pages: number;
  records_created: number;
  records_updated: number;
  total: number | null;
}

/**
 * Data sync (docs/integrations.md, Data sync): pages through
 * `{api_base_url}/api/data/{type}/?page=&page_size=`, upserting each page's
 * records and moving the sync's cursor in one transaction. A job killed
 * mid-way (its replica gone) is taken over by BullMQ's stalled-job check and
 * continues from the last committed page; a failed page is fetched again by
 * the next attempt, after a backoff.
 */
@Injectable()
export class DataSync {
  constructor(
    @InjectQueue(INTEGRATIONS_QUEUE) private readonly queue: Queue<SyncJobData>,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly syncs: SyncsRepository,
    private readonly providers: ProvidersRepository,
    private readonly http: PartnerHttp,
    private readonly secrets: ProviderSecrets,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async enqueue(syncId: string): Promise<void> {
    await this.queue.add(SYNC_JOB, { sync: syncId }, { jobId: `sync-${syncId}`, attempts: SYNC_ATTEMPTS, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: true, removeOnFail: true });
  }

  async run(job: Job<SyncJobData>): Promise<string> {
    const id = job.data.sync;
    await this.syncs.start(id);
    const pageSize = this.config.integrations.syncPageSize;
    for (;;) {
      const sync = await this.syncs.find(id);
      if (!sync || sync.status === 'completed' || sync.status === 'failed') return sync?.status ?? 'deleted';
      const provider = await this.providers.findById(sync.tenant_id, sync.provider_id);
      if (!provider?.api_base_url || !provider.is_active) {
        await this.syncs.recordError(id, { page: sync.next_page, message: 'The provider is inactive or has no api_base_url', at: new Date().toISOString() });
        await this.syncs.finish(id, 'failed');
        return 'failed';
      }
      const pageNumber = sync.next_page;
      let last: boolean;
      try {
        const url = `${joinUrl(provider.api_base_url, `api/data/${sync.sync_type}/`)}?page=${pageNumber}&page_size=${pageSize}`;
        const response = await this.http.get(url, { authType: provider.auth_type, secret: this.secrets.open(provider) });
        if (response.status < 200 || response.status > 299) throw new Error(`HTTP ${response.status} for page ${pageNumber}`);
        const page = parseSyncPage(response.body);
        const committed = await this.commit(sync, pageNumber, page);
        if (page.skipped > 0) await this.syncs.recordError(id, { page: pageNumber, message: `${page.skipped} records without an id were skipped`, at: new Date().toISOString() });
        if (committed) await job.updateProgress(committed);
        last = isLastPage(page, pageNumber, pageSize);
      } catch (error) {
        await this.syncs.recordError(id, { page: pageNumber, message: describe(error), at: new Date().toISOString() });
        if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) await this.syncs.finish(id, 'failed');
        throw error;
      }
      if (last) {
        await this.syncs.finish(id, 'completed');
        return 'completed';
      }
    }
  }

  /** Commits the page unless another run already did (the cursor moved on): then nothing is written twice. */
  private commit(sync: SyncRow, pageNumber: number, page: ReturnType<typeof parseSyncPage>): Promise<SyncProgress | null> {
    return this.unitOfWork.run(async (tx) => {
      const locked = await this.syncs.lock(tx, sync.id);
      if (!locked || locked.next_page !== pageNumber) return null;
      const { created, updated } = await this.syncs.commitPage(tx, locked, page.records, page.total);
      return { pages: locked.pages + 1, records_created: locked.records_created + created, records_updated: locked.records_updated + updated, total: page.total ?? locked.total };
    });
  }
}
