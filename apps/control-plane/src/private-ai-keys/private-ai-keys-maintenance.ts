import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { RegionsRepository } from '@sluice/control-plane/data-access';
import type { Queue } from 'bullmq';
import { regionDatabaseContext } from '../catalog/region-database-context';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { SecretBox } from '../secrets/secret-box';
import { databaseNameCreatedAt } from './database-names';
import { DatabaseProvisioner } from './database-provisioner';
import { PrivateAiKeysRepository } from './private-ai-keys.repository';
import { PrivateAiKeysService } from './private-ai-keys.service';
import { StorageThresholds } from './storage-thresholds';

export const PRIVATE_AI_KEYS_QUEUE = 'private-ai-keys';
export const MAINTENANCE_JOB = 'private-ai-keys-maintenance';

/** A database younger than this may belong to a key being created right now (its transaction not yet committed). */
export const ORPHAN_GRACE_MS = 10 * 60_000;

export interface MaintenanceReport {
  measured: number;
  finished_deletions: number;
  dropped_orphans: string[];
  failures: string[];
}

/**
 * The periodic work on private databases (docs/private-ai-keys.md), per
 * region with a database server: measures every ready key's database
 * (`pg_database_size`, stored on the key), finishes deletions a crash or an
 * unreachable server interrupted, and drops databases and roles of this
 * deployment's prefix that no key claims and that are older than the grace
 * period (a crash between creating them and committing the key).
 */
@Injectable()
export class PrivateAiKeysMaintenance {
  private readonly logger = new Logger('PrivateAiKeys');

  constructor(
    private readonly keys: PrivateAiKeysRepository,
    private readonly regions: RegionsRepository,
    private readonly service: PrivateAiKeysService,
    private readonly provisioner: DatabaseProvisioner,
    private readonly secrets: SecretBox,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly storageThresholds: StorageThresholds,
  ) {}

  async run(now = Date.now()): Promise<MaintenanceReport> {
    const report: MaintenanceReport = { measured: 0, finished_deletions: 0, dropped_orphans: [], failures: [] };
    const prefix = this.config.privateAiKeys.databasePrefix;
    const measuredTenants = new Set<string>();
    for (const region of await this.regions.all()) {
      const server = await this.regions.database(region.id);
      if (!server) continue;
      try {
        const adminUrl = this.secrets.open(server.adminUrlSealed, regionDatabaseContext(region.id));
        for (const row of await this.keys.ofRegion(region.id, ['deleting'])) {
          await this.service.finishDeletion(row);
          report.finished_deletions += 1;
        }
        const ready = await this.keys.ofRegion(region.id, ['ready']);
        if (ready.length > 0) {
          const sizes = await this.provisioner.sizes(adminUrl, ready.map((row) => row.database_name));
          for (const row of ready) {
            const bytes = sizes.get(row.database_name);
            if (bytes === undefined) continue;
            await this.keys.recordStorage(row.id, bytes);
            measuredTenants.add(row.tenant_id);
            report.measured += 1;
          }
        }
        const claimed = await this.keys.claimedNames(region.id);
        for (const name of await this.provisioner.namesWithPrefix(adminUrl, prefix)) {
          const createdAt = databaseNameCreatedAt(prefix, name);
          if (createdAt === null || now - createdAt < ORPHAN_GRACE_MS) continue;
          const status = claimed.get(name);
          if (status === 'ready' || status === 'deleting') continue;
          // One that cannot be dropped (another deployment's, under another admin role) does not stop the rest.
          await this.provisioner.teardown(adminUrl, name).then(
            () => report.dropped_orphans.push(name),
            (error: unknown) => report.failures.push(`${region.id}: ${name}: ${error instanceof Error ? error.message : String(error)}`),
          );
        }
      } catch (error) {
        report.failures.push(`${region.id}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    for (const tenantId of measuredTenants) {
      await this.storageThresholds.check(tenantId).catch((error: unknown) => report.failures.push(`storage thresholds of ${tenantId}: ${error instanceof Error ? error.message : String(error)}`));
    }
    if (report.dropped_orphans.length > 0) this.logger.log(`Dropped ${report.dropped_orphans.length} private databases no key claimed`);
    for (const failure of report.failures) this.logger.warn(`Private database maintenance: ${failure}`);
    return report;
  }
}

/** Schedules the maintenance once for every replica (the scheduler id is the job name). */
@Injectable()
export class PrivateAiKeysSchedule implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('PrivateAiKeys');

  constructor(
    @InjectQueue(PRIVATE_AI_KEYS_QUEUE) private readonly queue: Queue,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  onModuleInit(): void {
    this.queue.on('error', (error: Error) => this.logger.warn(`Private AI key job queue: ${error.message}`));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.queue
      .upsertJobScheduler(MAINTENANCE_JOB, { every: this.config.privateAiKeys.maintenanceIntervalMs }, { name: MAINTENANCE_JOB, opts: { removeOnComplete: true, removeOnFail: true } })
      .catch((error: unknown) => this.logger.warn(`Private database maintenance not scheduled: ${error instanceof Error ? error.message : String(error)}`));
  }
}

@Processor(PRIVATE_AI_KEYS_QUEUE)
export class PrivateAiKeysJobs extends WorkerHost {
  private readonly logger = new Logger('PrivateAiKeys');

  constructor(private readonly maintenance: PrivateAiKeysMaintenance) {
    super();
  }

  async process(): Promise<string> {
    const report = await this.maintenance.run();
    return `${report.measured} measured, ${report.finished_deletions} deletions finished, ${report.dropped_orphans.length} left-behind databases dropped`;
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn(`Private AI key job worker: ${error.message}`);
  }
}
