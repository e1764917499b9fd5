import { getQueueToken } from '@nestjs/bullmq';
import { Test } from '@nestjs/testing';
import { UnitOfWork, type Transaction } from '@sluice/control-plane/data-access';
import { CONTROL_PLANE_CONFIG } from '../config/control-plane.config';
import { EventEffects, EventNotApplicable } from './event-effects';
import { EventProcessing, INTEGRATIONS_QUEUE } from './event-processing';
import { EventsRepository, type EventRow } from './events.repository';
import { ProvidersRepository } from './providers.repository';

describe('EventProcessing', () => {
  const tx = {} as Transaction;
  let row: EventRow;
  let effect: jest.Mock;

  async function processing(): Promise<EventProcessing> {
    const events: Partial<EventsRepository> = {
      markProcessing: async () => undefined,
      lock: async () => ({ ...row }),
      find: async () => ({ ...row }),
      markProcessed: async (_tx, _id, outcome) => {
        row = { ...row, status: 'processed', outcome, error: null };
      },
      markAttemptFailed: async (_id, error, retry) => {
        row = { ...row, error, status: retry ? 'received' : 'failed', retry_count: row.retry_count + (retry ? 1 : 0) };
      },
    };
    const module = await Test.createTestingModule({
      providers: [
        EventProcessing,
        { provide: getQueueToken(INTEGRATIONS_QUEUE), useValue: { add: jest.fn() } },
        { provide: CONTROL_PLANE_CONFIG, useValue: { integrations: { retryScheduleMs: [60_000, 120_000, 240_000] } } },
        { provide: EventsRepository, useValue: events },
        { provide: ProvidersRepository, useValue: { findById: async () => ({ id: 'p1', map_users: true }) } },
        { provide: EventEffects, useValue: { apply: effect } },
        { provide: UnitOfWork, useValue: { run: (work: (t: Transaction) => Promise<unknown>) => work(tx) } },
      ],
    }).compile();
    return module.get(EventProcessing);
  }

  beforeEach(() => {
    row = { id: 'e1', tenant_id: 't1', provider_id: 'p1', status: 'received', retry_count: 0, outcome: null, error: null } as EventRow;
    effect = jest.fn();
  });

  it('retries after each delay of the schedule, then marks the event failed', async () => {
    effect.mockRejectedValue(new EventNotApplicable('not yet'));
    const subject = await processing();
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await subject.attempt('e1'));
    expect(results).toEqual([
      { kind: 'retry', retryInMs: 60_000, error: 'not yet' },
      { kind: 'retry', retryInMs: 120_000, error: 'not yet' },
      { kind: 'retry', retryInMs: 240_000, error: 'not yet' },
      { kind: 'done', outcome: 'failed' },
    ]);
    expect(row).toMatchObject({ status: 'failed', retry_count: 3, error: 'not yet' });
  });

  it('counts two failures before a success as retry_count 2, and applies a processed event never again', async () => {
    effect.mockRejectedValueOnce(new EventNotApplicable('one')).mockRejectedValueOnce(new EventNotApplicable('two')).mockResolvedValue('membership_created');
    const subject = await processing();
    await subject.attempt('e1');
    await subject.attempt('e1');
    expect(await subject.attempt('e1')).toEqual({ kind: 'done', outcome: 'membership_created' });
    expect(row).toMatchObject({ status: 'processed', retry_count: 2, error: null });
    expect(await subject.attempt('e1')).toEqual({ kind: 'done', outcome: 'membership_created' });
    expect(effect).toHaveBeenCalledTimes(3);
  });

  it('keeps internal errors out of the event log', async () => {
    effect.mockRejectedValue(new Error('duplicate key value violates unique constraint "secret_table"'));
    const subject = await processing();
    jest.spyOn(subject['logger'], 'error').mockImplementation(() => undefined);
    await subject.attempt('e1');
    expect(row.error).not.toContain('secret_table');
  });
});
