import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventEmitter } from 'node:events';
import { bufferedDestination, createLogger } from './create-logger';

describe('bufferedDestination', () => {
  let directory: string;
  let file: string;
  let fd: number;
  let opened: EventEmitter[] = [];

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'sluice-log-'));
    file = join(directory, 'out.log');
    fd = openSync(file, 'w');
  });

  afterEach(async () => {
    // Ending a destination closes its file (and stops its flush timer).
    await Promise.all(opened.map((destination) => new Promise((resolve) => (destination.once('close', resolve), (destination as unknown as { end(): void }).end()))));
    if (opened.length === 0) closeSync(fd);
    opened = [];
    rmSync(directory, { recursive: true, force: true });
  });

  function logTo(): { log: (i: number) => void; writes: number[] } {
    const destination = bufferedDestination(fd);
    const writes: number[] = [];
    opened.push(destination as unknown as EventEmitter);
    (destination as unknown as EventEmitter).on('write', (bytes: number) => writes.push(bytes));
    const logger = createLogger({ service: 'test', level: 'info', destination });
    return { log: (i) => logger.info({ i, padding: 'x'.repeat(100) }, 'request completed'), writes };
  }

  async function linesIn(count: number): Promise<string> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const text = readFileSync(file, 'utf8');
      if (text.split('\n').length - 1 >= count || Date.now() > deadline) return text;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('holds a few lines and writes them in one block when the flush interval passes', async () => {
    const { log, writes } = logTo();
    for (let i = 0; i < 10; i++) log(i);
    expect(readFileSync(file, 'utf8')).toBe('');
    const text = await linesIn(10);
    expect(text.split('\n').slice(0, -1).map((line) => JSON.parse(line).i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(writes).toHaveLength(1);
  });

  it('writes many lines in blocks of whole lines, none over 4 KiB (PIPE_BUF)', async () => {
    const { log, writes } = logTo();
    for (let i = 0; i < 100; i++) log(i);
    const text = await linesIn(100);
    expect(text.split('\n').slice(0, -1).map((line) => JSON.parse(line).i)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(writes.length).toBeGreaterThan(1);
    let offset = 0;
    const bytes = Buffer.from(text);
    for (const size of writes) {
      expect(size).toBeLessThanOrEqual(4096);
      offset += size;
      expect(bytes[offset - 1]).toBe(0x0a);
    }
  });

  it('loses nothing it held when the process exits', () => {
    const script = `require(${JSON.stringify(require.resolve('./create-logger'))}).createLogger({ service: 'test', level: 'info' }).info('last words'); process.exit(0);`;
    const out = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(JSON.parse(out)).toMatchObject({ service: 'test', msg: 'last words' });
  });
});
