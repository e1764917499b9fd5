import { SETTINGS_LIMITS, settingsProblem } from './settings-bounds';

describe('settingsProblem', () => {
  const nested = (depth: number): Record<string, unknown> => (depth === 1 ? { leaf: true } : { next: nested(depth - 1) });

  it('accepts an object within every bound', () => {
    expect(settingsProblem({ theme: 'dark', limits: { daily: [1, 2, 3] } })).toBeNull();
    expect(settingsProblem(nested(SETTINGS_LIMITS.maxDepth))).toBeNull();
  });

  it('refuses too many bytes, too deep a nesting and too many keys', () => {
    expect(settingsProblem({ blob: 'x'.repeat(SETTINGS_LIMITS.maxBytes) })).toMatch(/at most 16384 bytes/);
    expect(settingsProblem(nested(SETTINGS_LIMITS.maxDepth + 1))).toMatch(/at most 8 levels/);
    expect(settingsProblem({ list: [[[[[[[[{}]]]]]]]] })).toMatch(/levels/);
    const wide = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, { a: 1 }]));
    expect(settingsProblem(wide)).toMatch(/at most 100 keys/);
  });
});
