import { findStringProblem, MAX_JSON_DEPTH, nestsDeeperThan, stringProblem } from './hostile-input';

describe('nestsDeeperThan', () => {
  it('counts arrays and objects, not brackets inside strings or escaped quotes', () => {
    expect(nestsDeeperThan('{"a":[1,{"b":[]}]}', 4)).toBe(false);
    expect(nestsDeeperThan('{"a":[1,{"b":[]}]}', 3)).toBe(true);
    expect(nestsDeeperThan(JSON.stringify({ text: '[[[[{{{{', quoted: 'say \\"[[[[\\" twice' }), 1)).toBe(false);
    expect(nestsDeeperThan('"just a string"', 0)).toBe(false);
  });

  it('allows exactly the documented depth and refuses one more', () => {
    expect(nestsDeeperThan('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(nestsDeeperThan('['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
  });

  it('stops at the first level past the limit, however deep the text goes (no recursion)', () => {
    expect(nestsDeeperThan('{"a":'.repeat(1_000_000), MAX_JSON_DEPTH)).toBe(true);
  });
});

describe('findStringProblem', () => {
  it('names the first NUL or unpaired surrogate by dotted path, keys included', () => {
    expect(findStringProblem({ name: 'ok', quota: { notes: ['fine', 'a\u0000b'] } })).toEqual({
      path: 'quota.notes.1',
      problem: expect.stringContaining('NUL'),
    });
    expect(findStringProblem({ settings: { ['x\u0000']: 1 } })).toEqual({ path: 'settings.x?', problem: expect.stringContaining('field name') });
    expect(findStringProblem({ name: 'half \ud800 a pair' })).toEqual({ path: 'name', problem: expect.stringContaining('unpaired surrogate') });
    expect(findStringProblem('\u0000')).toEqual({ path: 'body', problem: expect.stringContaining('NUL') });
    expect(findStringProblem({ search: 'a\u0000' })?.path).toBe('search');
  });

  it('accepts well-formed text: astral characters are surrogate pairs, not unpaired ones', () => {
    expect(findStringProblem({ name: 'emoji 😀, 𝄞, ü', list: [1, true, null, { k: 'v' }] })).toBeNull();
    expect(findStringProblem(undefined)).toBeNull();
    expect(stringProblem('😀')).toBeNull();
  });

  it('walks a value nested far deeper than any call stack allows', () => {
    let deep: unknown = 'a\u0000';
    for (let level = 0; level < 50_000; level++) deep = [deep];
    expect(findStringProblem(deep)?.problem).toContain('NUL');
  });
});
