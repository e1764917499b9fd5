import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `verifyChain` starts its hashing threads from `chain-hash-worker.js` next to
 * the running bundle (libs/control-plane/data-access/src/lib/audit/chain-hash-pool.ts):
 * the control plane's build must emit it under that name, from the worker's source.
 */
describe('the control plane bundle', () => {
  it('emits the audit hashing thread as chain-hash-worker.js, from its source', () => {
    const config = readFileSync(join(__dirname, '../../webpack.config.js'), 'utf8');
    const entry = /\{\s*entryName:\s*'chain-hash-worker',\s*entryPath:\s*join\(__dirname,\s*'([^']+)'\)\s*\}/.exec(config);
    expect(entry).not.toBeNull();
    const source = join(__dirname, '../..', entry?.[1] ?? '');
    expect(source).toMatch(/chain-hash-worker\.ts$/);
    expect(existsSync(source)).toBe(true);
    expect(readFileSync(source, 'utf8')).toContain('parentPort');
  });
});
