import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('ChainHashPool threads', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'chain-hash-pool-'));
    // What `-r ts-node/register` stands for: code every thread would run first if it inherited the process's options.
    writeFileSync(join(dir, 'preload.js'), 'globalThis.preloaded = true;\n');
    // A worker speaking the pool's protocol that answers each batch with whether the preload ran in its thread.
    writeFileSync(
      join(dir, 'worker.js'),
      `const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ id, bytes }) => parentPort.postMessage({ id, bytes, error: 'preloaded: ' + (globalThis.preloaded === true) }, [bytes.buffer]));
parentPort.postMessage({ ready: true });\n`,
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("start a worker file without the process's preloads (the process itself ran them)", () => {
    const pool = require.resolve('./chain-hash-pool');
    const script = `
require(${JSON.stringify(require.resolve('ts-node'))}).register({ transpileOnly: true, skipProject: true, compilerOptions: { module: 'commonjs', target: 'es2022' } });
const { ChainHashPool } = require(${JSON.stringify(pool)});
const pool = ChainHashPool.start(1, ${JSON.stringify(join(dir, 'worker.js'))});
const attempt = () => {
  const answer = pool.check({ bytes: new Uint8Array(new ArrayBuffer(8)), rows: 0 }, 10);
  if (!answer) return setTimeout(attempt, 10);
  answer.then(() => console.log('no answer'), (error) => console.log('process preloaded: ' + (globalThis.preloaded === true) + ', thread ' + error.message)).finally(() => pool.close());
};
attempt();`;
    const output = execFileSync(process.execPath, ['-r', join(dir, 'preload.js'), '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(output.trim()).toBe('process preloaded: true, thread preloaded: false');
  });
});
