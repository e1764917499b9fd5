import { PromptStats } from './prompt';

const REFERENCE = /\w+|[^\s\w]/g;

function countWithRegex(text: string): number {
  return text.match(REFERENCE)?.length ?? 0;
}

function tokensOf(...texts: string[]): number {
  const stats = new PromptStats();
  for (const text of texts) stats.addText(text);
  return stats.tokens;
}

/** A small seeded generator, so the comparison below is the same on every run. */
function randomText(seed: number, length: number): string {
  const alphabet = 'ab Z_9,.!?\t\n\u00a0\u2003\u3000\ufeffé中😀-"\'{}';
  let state = seed;
  let text = '';
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    text += alphabet[state % alphabet.length];
  }
  return text;
}

describe('PromptStats', () => {
  it.each([
    ['', 0],
    ['Hello, world!', 4],
    ['  spaced   out  ', 2],
    ['snake_case and camelCase42', 3],
    ["it's", 3],
    ['ünïcode', 4],
    ['emoji 😀', 3],
  ])('counts %p as %p tokens', (text, expected) => {
    expect(tokensOf(text)).toBe(expected);
    expect(countWithRegex(text)).toBe(expected);
  });

  it('agrees with /\\w+|[^\\s\\w]/g on mixed text', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const text = randomText(seed, seed % 60);
      expect([text, tokensOf(text)]).toEqual([text, countWithRegex(text)]);
    }
  });

  it('adds 3 tokens per message and reads only text parts of content arrays', () => {
    const stats = new PromptStats();
    stats.addContent('Hello, world!');
    stats.endMessage();
    stats.addContent([{ type: 'text', text: 'one two' }, { type: 'image_url', image_url: { url: 'x y z' } }, 'loose', null]);
    stats.endMessage();
    expect(stats.tokens).toBe(4 + 3 + 2 + 3);
  });

  it('hashes the same prompt the same way and different prompts apart', () => {
    const hash = (...messages: string[]): number => {
      const stats = new PromptStats();
      for (const message of messages) {
        stats.addContent(message);
        stats.endMessage();
      }
      return stats.hash;
    };
    expect(hash('Hello')).toBe(hash('Hello'));
    expect(hash('Hello')).not.toBe(hash('Hellp'));
    expect(hash('ab', 'c')).not.toBe(hash('a', 'bc'));
  });
});
