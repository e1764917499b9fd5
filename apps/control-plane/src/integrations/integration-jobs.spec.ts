import { BullModule } from '@nestjs/bullmq';
import { Test } from '@nestjs/testing';
import { deleteKeysWithPrefix, TEST_REDIS_URL, uniqueKeyPrefix } from '@sluice/testing';
import { CONTROL_PLANE_CONFIG, loadControlPlaneConfig } from '../config/control-plane.config';
import { jobConnection, jobKeyPrefix } from '../jobs/job-runner';
import { DataSync } from './data-sync';
import { EventProcessing, INTEGRATIONS_QUEUE } from './event-processing';
import { HealthProber } from './health-prober';
import { IntegrationJobs, integrationJobsProvider, IntegrationSchedules } from './integration-jobs';

describe('the integrations worker', () => {
  const prefix = uniqueKeyPrefix();
  afterAll(() => deleteKeysWithPrefix(prefix));

  async function workerOptions(env: NodeJS.ProcessEnv) {
    const module = await Test.createTestingModule({
      imports: [BullModule.forRoot({ connection: jobConnection(TEST_REDIS_URL), prefix: jobKeyPrefix(prefix) }), BullModule.registerQueue({ name: INTEGRATIONS_QUEUE })],
      providers: [
        { provide: CONTROL_PLANE_CONFIG, useValue: loadControlPlaneConfig(env) },
        { provide: EventProcessing, useValue: {} },
        { provide: HealthProber, useValue: {} },
        { provide: DataSync, useValue: {} },
        { provide: IntegrationSchedules, useValue: {} },
        integrationJobsProvider,
      ],
    }).compile();
    const app = await module.init();
    try {
      const { lockDuration, lockRenewTime, stalledInterval, maxStalledCount } = app.get(IntegrationJobs).worker.opts;
      return { lockDuration, lockRenewTime, stalledInterval, maxStalledCount };
    } finally {
      await app.close();
    }
  }

  it("runs with BullMQ's 30 s lock and stalled check by default, taking a dead replica's job over up to five times", async () => {
    expect(await workerOptions({})).toEqual({ lockDuration: 30_000, lockRenewTime: 15_000, stalledInterval: 30_000, maxStalledCount: 5 });
  });

  it('takes its lock and stalled check interval from INTEGRATIONS_JOB_LOCK_MS', async () => {
    expect(await workerOptions({ INTEGRATIONS_JOB_LOCK_MS: '4000' })).toEqual({ lockDuration: 4_000, lockRenewTime: 2_000, stalledInterval: 4_000, maxStalledCount: 5 });
  });
});
