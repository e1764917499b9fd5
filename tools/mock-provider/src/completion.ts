import type { Directives } from './directives';

export const DEFAULT_COMPLETION_TOKENS = 20;

// prettier-ignore
const WORDS: readonly string[] = [
  'the', 'river', 'carries', 'light', 'across', 'quiet', 'stones', 'while', 'a', 'small',
  'boat', 'waits', 'near', 'green', 'hills', 'and', 'every', 'morning', 'brings', 'new',
  'maps', 'of', 'old', 'roads', 'through', 'silver', 'fields', 'where', 'patient', 'birds',
  'gather', 'seeds', 'under', 'open', 'skies', 'so', 'travellers', 'follow', 'simple', 'signs',
  'toward', 'warm', 'houses', 'built', 'from', 'cedar', 'clay', 'glass', 'with', 'bright',
  'lanterns', 'hanging', 'over', 'narrow', 'doors', 'that', 'never', 'close', 'before', 'midnight',
  'because', 'friends', 'arrive', 'late',
];
/** Every word after the first is sent with a leading space; built once, not per chunk. */
const SPACED_WORDS: readonly string[] = WORDS.map((word) => ` ${word}`);

export const TOOL_ARGUMENTS = '{"query":"mock"}';
/** The arguments split in two, as streams send them. */
export const TOOL_ARGUMENT_PIECES: readonly string[] = ['{"query":', '"mock"}'];

/** How a completion ends, before each provider names it in its own words. */
export type Finish = 'stop' | 'length' | 'tool';

/** A deterministic answer: `count` words of the list from `offset`, or a call of `toolName`. */
export interface Completion {
  offset: number;
  count: number;
  finish: Finish;
  toolName: string | undefined;
}

export function planCompletion(
  promptHash: number,
  maxTokens: number | undefined,
  toolName: string | undefined,
  directives: Readonly<Directives>,
): Completion {
  let count = directives.tokens ?? DEFAULT_COMPLETION_TOKENS;
  let finish: Finish = 'stop';
  if (maxTokens !== undefined && maxTokens < count) {
    count = maxTokens;
    finish = 'length';
  }
  const callsTool = directives.toolCall === true && toolName !== undefined;
  return {
    offset: (promptHash >>> 0) % WORDS.length,
    count,
    finish: callsTool ? 'tool' : finish,
    toolName: callsTool ? toolName : undefined,
  };
}

/** Token `i` as streamed: the first word bare, later ones with a leading space. */
export function tokenText(completion: Completion, i: number): string {
  const word = (completion.offset + i) % WORDS.length;
  return i === 0 ? WORDS[word] : SPACED_WORDS[word];
}

export function completionText(completion: Completion): string {
  let text = '';
  for (let i = 0; i < completion.count; i++) text += tokenText(completion, i);
  return text;
}
