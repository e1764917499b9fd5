const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const MESSAGE_SEPARATOR = 0x1e;
const TOKENS_PER_MESSAGE = 3;

/**
 * Prompt token count and hash, gathered in one pass over the text. A token is
 * a match of `/\w+|[^\s\w]/g` (a run of word characters, or any other single
 * non-space character); the scanner counts them without building the matches.
 */
export class PromptStats {
  tokens = 0;
  hash = FNV_OFFSET;

  /** Adds a string, or the `{type:"text",text}` parts of a content array; other content is ignored. */
  addContent(content: unknown): void {
    if (typeof content === 'string') {
      this.addText(content);
    } else if (Array.isArray(content)) {
      for (const part of content) {
        const text = textOfPart(part);
        if (text !== undefined) this.addText(text);
      }
    }
  }

  addText(text: string): void {
    let tokens = this.tokens;
    let hash = this.hash;
    let inWord = false;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      hash = Math.imul(hash ^ c, FNV_PRIME);
      if (isWordChar(c)) {
        if (!inWord) tokens++;
        inWord = true;
      } else {
        if (!isSpace(c)) tokens++;
        inWord = false;
      }
    }
    this.tokens = tokens;
    this.hash = hash;
  }

  /** Closes a message: its framing overhead, and a separator so ["ab","c"] and ["a","bc"] hash apart. */
  endMessage(): void {
    this.tokens += TOKENS_PER_MESSAGE;
    this.hash = Math.imul(this.hash ^ MESSAGE_SEPARATOR, FNV_PRIME);
  }
}

export function textOfPart(part: unknown): string | undefined {
  if (typeof part !== 'object' || part === null) return undefined;
  const { type, text } = part as { type?: unknown; text?: unknown };
  return type === 'text' && typeof text === 'string' ? text : undefined;
}

/** `\w` without the `u` flag: ASCII letters, digits and underscore. */
function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

/** `\s`: ECMAScript WhiteSpace and LineTerminator code units. */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return (
    c === 160 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}
