import { matchesAnyGlob, matchesGlob } from './model-glob';

describe('matchesAnyGlob', () => {
  it('treats * as any run, ? as one character and the rest literally', () => {
    expect(matchesAnyGlob('gpt-4o-mini', ['gpt-4o*'])).toBe(true);
    expect(matchesAnyGlob('gpt-4o', ['gpt-4?'])).toBe(true);
    expect(matchesAnyGlob('gpt-4', ['gpt-4?'])).toBe(false);
    expect(matchesAnyGlob('claude-3.5', ['claude-3.5'])).toBe(true);
    expect(matchesAnyGlob('claude-305', ['claude-3.5'])).toBe(false);
    expect(matchesAnyGlob('org/model', ['*'])).toBe(true);
  });

  it('needs the whole id to match, and matches nothing with no globs', () => {
    expect(matchesAnyGlob('my-gpt-4o', ['gpt-4o*'])).toBe(false);
    expect(matchesAnyGlob('gpt-4o', [])).toBe(false);
  });
});

describe('matchesGlob', () => {
  it('matches * and ? over model ids, everything else literally', () => {
    expect(matchesGlob('gpt-4o-mini', 'gpt-4o*')).toBe(true);
    expect(matchesGlob('gpt-4', 'gpt-4o*')).toBe(false);
    expect(matchesGlob('claude-3-5-sonnet', 'claude-3-?-sonnet')).toBe(true);
    expect(matchesGlob('gpt-401', 'gpt-4.1')).toBe(false);
    expect(matchesGlob('anything', '*')).toBe(true);
    expect(matchesGlob('a+b', 'a+b')).toBe(true);
    expect(matchesGlob('aab', 'a+b')).toBe(false);
  });
});
