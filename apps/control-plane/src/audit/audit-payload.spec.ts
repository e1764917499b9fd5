import { canonicalJson } from '@sluice/control-plane/data-access';
import { createHash } from 'node:crypto';
import { AUDIT_VALUE_MAX_BYTES, digestLargeValues } from './audit-payload';

describe('digestLargeValues', () => {
  const large = { banner: 'x'.repeat(AUDIT_VALUE_MAX_BYTES), theme: 'dark' };

  it('replaces a value above the threshold by the SHA-256 and length of its canonical JSON', () => {
    const payload = digestLargeValues({ old: { name: 'Acme', settings: {} }, new: { name: 'Acme', settings: large } });
    const json = canonicalJson(large);
    expect(payload).toEqual({
      old: { name: 'Acme', settings: {} },
      new: { name: 'Acme', settings: { sha256: createHash('sha256').update(json).digest('hex'), bytes: Buffer.byteLength(json) } },
    });
  });

  it('digests the outermost field that is too large and keeps the small ones beside it', () => {
    const payload = digestLargeValues({ old: null, new: { settings: { ui: { banner: large.banner } }, theme: 'dark', tags: ['a'] } });
    expect(payload).toEqual({ old: null, new: { settings: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: expect.any(Number) }, theme: 'dark', tags: ['a'] } });
  });

  it('gives the same digest to the same value whatever its key order', () => {
    const reordered = { theme: 'dark', banner: large.banner };
    const a = digestLargeValues({ old: { s: large }, new: null });
    const b = digestLargeValues({ old: { s: reordered }, new: null });
    expect(a).toEqual(b);
  });
});
