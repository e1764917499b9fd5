import { runFakeServer, type ProcessLike } from './run';

class FakeProcess implements ProcessLike {
  readonly out: string[] = [];
  readonly err: string[] = [];
  readonly exits: number[] = [];
  readonly handlers = new Map<string, () => void>();
  readonly stdout = { write: (text: string) => this.out.push(text) };
  readonly stderr = { write: (text: string) => this.err.push(text) };
  once(signal: 'SIGTERM' | 'SIGINT', listener: () => void): void {
    this.handlers.set(signal, listener);
  }
  exit(code: number): void {
    this.exits.push(code);
  }
  /** Delivers a signal and waits for the exit it leads to. */
  async signal(name: 'SIGTERM' | 'SIGINT'): Promise<void> {
    this.handlers.get(name)?.();
    for (let turn = 0; turn < 10 && this.exits.length === 0; turn += 1) await Promise.resolve();
  }
}

const started = (close: () => Promise<void> = () => Promise.resolve()) => async () => ({ url: 'http://127.0.0.1:4321', close: jest.fn(close) });

describe('runFakeServer', () => {
  it('prints one JSON line saying where it listens, then waits for a signal', async () => {
    const proc = new FakeProcess();
    await runFakeServer('fake-thing', started(), (server) => `Fake thing listening on ${server.url}`, proc);
    expect(proc.out).toEqual([`${JSON.stringify({ level: 'info', service: 'fake-thing', msg: 'Fake thing listening on http://127.0.0.1:4321' })}\n`]);
    expect(proc.err).toEqual([]);
    expect(proc.exits).toEqual([]);
    expect([...proc.handlers.keys()].sort()).toEqual(['SIGINT', 'SIGTERM']);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('closes the server and exits 0 on %s', async (signal) => {
    const proc = new FakeProcess();
    const close = jest.fn(() => Promise.resolve());
    await runFakeServer('fake-thing', async () => ({ close }), () => 'up', proc);
    await proc.signal(signal);
    expect(close).toHaveBeenCalledTimes(1);
    expect(proc.exits).toEqual([0]);
  });

  it('exits 0 even when closing fails', async () => {
    const proc = new FakeProcess();
    await runFakeServer('fake-thing', started(() => Promise.reject(new Error('stuck'))), () => 'up', proc);
    await proc.signal('SIGTERM');
    expect(proc.exits).toEqual([0]);
  });

  it('prints "<service>: <reason>" on stderr and exits 1 when it cannot start', async () => {
    const proc = new FakeProcess();
    await runFakeServer('fake-thing', () => Promise.reject(new Error('Invalid configuration: X must be y')), () => 'up', proc);
    await runFakeServer('fake-thing', () => Promise.reject('plain reason'), () => 'up', proc);
    expect(proc.err).toEqual(['fake-thing: Invalid configuration: X must be y\n', 'fake-thing: plain reason\n']);
    expect(proc.exits).toEqual([1, 1]);
    expect(proc.out).toEqual([]);
    expect(proc.handlers.size).toBe(0);
  });
});
