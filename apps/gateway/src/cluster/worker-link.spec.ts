import type { GracefulShutdown, MetricsRegistry } from '@sluice/platform';
import { EventEmitter } from 'node:events';
import { Registry } from 'prom-client';
import { SHUTDOWN_MESSAGE } from './cluster-messages';
import { followPrimary } from './worker-link';

function worker(): { process: NodeJS.Process; shutdown: jest.Mock; emitter: EventEmitter } {
  const emitter = new EventEmitter();
  const shutdown = jest.fn().mockResolvedValue(0);
  followPrimary({ shutdown } as unknown as GracefulShutdown, new Registry() as MetricsRegistry, emitter as unknown as NodeJS.Process);
  return { process: emitter as unknown as NodeJS.Process, shutdown, emitter };
}

describe('followPrimary (a cluster worker)', () => {
  it("drains on the primary's first message and forces on its second; a repeat of either counts once", () => {
    const { emitter, shutdown } = worker();
    emitter.emit('message', { type: 'prom-client:getMetricsReq', requestId: 1 });
    expect(shutdown).not.toHaveBeenCalled();
    emitter.emit('message', { type: SHUTDOWN_MESSAGE, attempt: 1, reason: 'SIGTERM' });
    emitter.emit('message', { type: SHUTDOWN_MESSAGE, attempt: 1, reason: 'SIGTERM' });
    expect(shutdown.mock.calls).toEqual([['SIGTERM']]);
    emitter.emit('message', { type: SHUTDOWN_MESSAGE, attempt: 2, reason: 'SIGTERM' });
    emitter.emit('message', { type: SHUTDOWN_MESSAGE, attempt: 2, reason: 'SIGTERM' });
    expect(shutdown.mock.calls).toEqual([['SIGTERM'], ['SIGTERM']]);
  });

  it('a worker that missed the first message drains and then forces on the second', () => {
    const { emitter, shutdown } = worker();
    emitter.emit('message', { type: SHUTDOWN_MESSAGE, attempt: 2, reason: 'SIGINT' });
    expect(shutdown.mock.calls).toEqual([['SIGINT'], ['SIGINT']]);
  });

  it('ignores signals sent to it directly: the primary relays them (a Ctrl-C reaches the whole group)', () => {
    const { emitter, shutdown } = worker();
    expect(emitter.listenerCount('SIGTERM')).toBe(1);
    emitter.emit('SIGTERM');
    emitter.emit('SIGINT');
    expect(shutdown).not.toHaveBeenCalled();
  });

  it('drains once when its primary is gone', () => {
    const { emitter, shutdown } = worker();
    emitter.emit('disconnect');
    emitter.emit('disconnect');
    expect(shutdown.mock.calls).toEqual([['the primary process is gone']]);
  });
});
