import { isRecord } from '../errors';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const U = 0x75;
/** `"` `\` `/` `b` `f` `n` `r` `t`: the escapes JSON allows besides `\uXXXX`. */
const SIMPLE_ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);
const CONTENT_KEY = Buffer.from('"content":"');
const DATA_PREFIX_LENGTH = 'data: '.length;
/** Letters and a dash: outside a string it is no JSON value, so a parse can only place it inside one. */
const PROBE = 'sluice-content-probe';
const PROBE_BYTES = Buffer.from(PROBE);

/** Where the model field is and what replaces it, when the client asked for another name than the upstream's. */
export interface ModelSplice {
  /** `"model":"<upstream's name>"`, compact. */
  from: Buffer;
  /** `"model":"<client's name>"`. */
  to: Buffer;
}

/** A frame the probe told to be an ordinary text chunk: its event with the probe for its text, and where the text's string body lies. */
export interface ProbedFrame {
  event: Record<string, unknown>;
  bodyStart: number;
  bodyEnd: number;
}

/**
 * The bytes an OpenAI stream's ordinary chunks share. A provider writes its
 * text chunks alike: the same `id`, `created`, `model`, one choice whose
 * `delta` holds only `content`, `finish_reason` null; they differ in the
 * text alone. Learnt from one such chunk (`data: {…}\n\n`, already parsed):
 * the bytes before the text's string (`prefix`) and after it (`suffix`).
 *
 * A later chunk made of the same prefix, a valid JSON string body and the
 * same suffix is that same event with another text, without parsing it:
 * JSON is read left to right, so the prefix ends inside the string whatever
 * follows, the string ends at its first unescaped quote (the suffix's first
 * byte, since the body has none), and the suffix reads as it did. That the
 * string is `choices[0].delta.content` is checked once, when the template is
 * learnt, by parsing prefix + probe + suffix: the probe's text can only land
 * inside a string, and only in that one if `content` comes out as the probe.
 */
export class ContentFrameTemplate {
  private constructor(
    private readonly prefix: Buffer,
    private readonly suffix: Buffer,
    /** What the client gets in place of prefix and suffix (the model name spliced), or undefined for the bytes as they came. */
    private readonly rewritten: { prefix: Buffer; suffix: Buffer } | undefined,
    readonly id: unknown,
    readonly created: unknown,
  ) {
    this.joint = Buffer.concat([suffix, prefix]);
  }

  /** The UTF-16 length of the text of the last event matched (`contentLength`), or of the last run's texts (`matchRun`). */
  textLength = 0;
  /** The suffix then the prefix: where one event of a run ends and the next begins. */
  private readonly joint: Buffer;

  /**
   * Whether `frame` (one `data: <json>\n\n` line, as the pass-through reads
   * in place) is a chunk a template is learnt from (`fits`), and where its
   * text lies, checked with one parse of the frame with the probe for its
   * text. `event` is the frame's event when it was parsed already. Without
   * it, the frame is told from its bytes, so it need not be parsed at all: its
   * text must not be empty, and its bytes around the text must hold no
   * backslash and no probe, so that no other string of it can read as the
   * probe (its strings are their bytes). Undefined when the frame is not such
   * a chunk, or cannot be told one from its bytes, without a parse; null when
   * the probe's parse refused it.
   */
  static probe(frame: Buffer, event?: Record<string, unknown>): ProbedFrame | undefined | null {
    if (event !== undefined && (!ContentFrameTemplate.fits(event) || contentOf(event) === PROBE)) return undefined;
    const keyAt = frame.indexOf(CONTENT_KEY, DATA_PREFIX_LENGTH);
    if (keyAt < 0) return undefined;
    const bodyStart = keyAt + CONTENT_KEY.length;
    const bodyEnd = stringBodyEnd(frame, bodyStart);
    if (bodyEnd < 0) return undefined;
    if (event === undefined && (bodyEnd === bodyStart || !plainAround(frame, bodyStart, bodyEnd))) return undefined;
    // The frame is `data: <json>\n\n`: the probe is its JSON with the text replaced.
    const probe = parse(`${frame.toString('utf8', DATA_PREFIX_LENGTH, bodyStart)}${PROBE}${frame.toString('utf8', bodyEnd, frame.length - 2)}`);
    if (probe === undefined || !isOrdinaryTextEvent(probe) || contentOf(probe) !== PROBE) return null;
    return { event: probe, bodyStart, bodyEnd };
  }

  /** The template of a frame `probe` took; undefined when its model field cannot be spliced unambiguously. */
  static learn(frame: Buffer, { event, bodyStart, bodyEnd }: ProbedFrame, splice: ModelSplice | undefined): ContentFrameTemplate | undefined {
    // Copied: the frame may be a view of a chunk its producer reuses.
    const prefix = Buffer.from(frame.subarray(0, bodyStart));
    const suffix = Buffer.from(frame.subarray(bodyEnd));
    let rewritten: { prefix: Buffer; suffix: Buffer } | undefined;
    if (splice !== undefined) {
      const inPrefix = occurrences(prefix, splice.from);
      const inSuffix = occurrences(suffix, splice.from);
      // Spliced only where the field is unambiguous (once, compact), as for any other event.
      if (inPrefix + inSuffix !== 1) return undefined;
      rewritten = inPrefix === 1 ? { prefix: replaced(prefix, splice), suffix } : { prefix, suffix: replaced(suffix, splice) };
    }
    return new ContentFrameTemplate(prefix, suffix, rewritten, event['id'], event['created']);
  }

  /** Whether `event` is a chunk a template is learnt from: one choice, some text, nothing else metering reads. */
  static fits(event: Record<string, unknown>): boolean {
    return isOrdinaryTextEvent(event) && contentOf(event) !== '';
  }

  /** The UTF-16 length of the text `frame` carries if it is this template's event with another text; -1 if not. */
  contentLength(frame: Buffer): number {
    const { prefix, suffix } = this;
    if (prefix.length + suffix.length > frame.length || frame.compare(prefix, 0, prefix.length, 0, prefix.length) !== 0) return -1;
    const bodyEnd = this.scanTextBody(frame, prefix.length);
    if (bodyEnd < 0 || bodyEnd + suffix.length !== frame.length || frame.compare(suffix, 0, suffix.length, bodyEnd, frame.length) !== 0) return -1;
    return this.textLength;
  }

  /**
   * The events of this template's shape with other texts that follow one
   * another in `bytes` from `start`, where an event starts: how many, where
   * each ends (in `ends`), and their texts' UTF-16 length in all (then in
   * `textLength`). Such an event ends with its blank line, so it is a whole
   * event, and the pass-through takes these in place without cutting the
   * chunk into frames. One event's suffix and the next one's prefix are
   * compared at once.
   */
  matchRun(bytes: Buffer, start: number, ends: number[]): number {
    const { prefix, suffix, joint } = this;
    if (start + prefix.length + suffix.length > bytes.length || bytes.compare(prefix, 0, prefix.length, start, start + prefix.length) !== 0) return 0;
    let count = 0;
    let characters = 0;
    for (let bodyStart = start + prefix.length; ; ) {
      const bodyEnd = this.scanTextBody(bytes, bodyStart);
      if (bodyEnd < 0) break;
      const end = bodyEnd + suffix.length;
      if (end + prefix.length <= bytes.length && bytes.compare(joint, 0, joint.length, bodyEnd, end + prefix.length) === 0) {
        characters += this.textLength;
        ends[count++] = end;
        bodyStart = end + prefix.length;
        continue;
      }
      if (end <= bytes.length && bytes.compare(suffix, 0, suffix.length, bodyEnd, end) === 0) {
        characters += this.textLength;
        ends[count++] = end;
      }
      break;
    }
    this.textLength = characters;
    return count;
  }

  /** A matched frame (`contentLength` ≥ 0) as the client gets it, appended to `out`. */
  write(frame: Buffer, out: Buffer[]): void {
    if (this.rewritten === undefined) out.push(frame);
    else out.push(this.rewritten.prefix, frame.subarray(this.prefix.length, frame.length - this.suffix.length), this.rewritten.suffix);
  }

  /**
   * The `count` events of a run (`matchRun`) from `start`, ending at `ends`, as the client gets them, appended to `out` as one
   * buffer: the bytes as they came, or each event rebuilt around its text with
   * the model name spliced.
   */
  writeRun(bytes: Buffer, start: number, ends: readonly number[], count: number, out: Buffer[]): void {
    const rewritten = this.rewritten;
    if (rewritten === undefined) {
      out.push(bytes.subarray(start, ends[count - 1]));
      return;
    }
    const { prefix, suffix } = rewritten;
    const grown = prefix.length - this.prefix.length + suffix.length - this.suffix.length;
    const run = Buffer.allocUnsafe(ends[count - 1] - start + count * grown);
    let at = 0;
    let frameStart = start;
    for (let i = 0; i < count; i++) {
      const frameEnd = ends[i];
      run.set(prefix, at);
      at = copyBytes(bytes, frameStart + this.prefix.length, frameEnd - this.suffix.length, run, at + prefix.length);
      run.set(suffix, at);
      at += suffix.length;
      frameStart = frameEnd;
    }
    out.push(run);
  }

  /**
   * Reads the JSON string body from `start` to its closing quote: the quote's
   * index, its UTF-16 length left in `textLength`; -1 if the bytes before the
   * first unescaped quote are no string body (a control character, an escape
   * JSON does not have) or no quote comes. Bytes above ASCII are taken as
   * UTF-8 is decoded everywhere else (a malformed sequence becomes U+FFFD).
   */
  private scanTextBody(bytes: Buffer, start: number): number {
    const length = bytes.length;
    let ascii = true;
    let escaped = false;
    for (let i = start; i < length; i++) {
      const byte = bytes[i];
      if (byte === QUOTE) {
        if (escaped) this.textLength = (JSON.parse(`"${bytes.toString('utf8', start, i)}"`) as string).length;
        else this.textLength = ascii ? i - start : bytes.toString('utf8', start, i).length;
        return i;
      }
      if (byte < 0x20) return -1;
      if (byte === BACKSLASH) {
        escaped = true;
        i++;
        if (i >= length) return -1;
        if (bytes[i] === U) {
          if (i + 4 >= length) return -1;
          for (let k = 1; k <= 4; k++) if (!isHexDigit(bytes[i + k])) return -1;
          i += 4;
        } else if (!SIMPLE_ESCAPES.has(bytes[i])) return -1;
      } else if (byte >= 0x80) ascii = false;
    }
    return -1;
  }
}

function isOrdinaryTextEvent(event: Record<string, unknown>): boolean {
  if (event['error'] !== undefined || isRecord(event['usage'])) return false;
  const choices = event['choices'];
  if (!Array.isArray(choices) || choices.length !== 1 || !isRecord(choices[0])) return false;
  const delta = choices[0]['delta'];
  return isRecord(delta) && typeof delta['content'] === 'string' && delta['tool_calls'] === undefined;
}

function contentOf(event: Record<string, unknown>): unknown {
  const [choice] = event['choices'] as Array<Record<string, Record<string, unknown>>>;
  return choice['delta']['content'];
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The index of the unescaped quote that ends the string whose body starts at `start`; -1 if none. */
function stringBodyEnd(bytes: Buffer, start: number): number {
  for (let i = start; i < bytes.length; i++) {
    if (bytes[i] === BACKSLASH) i++;
    else if (bytes[i] === QUOTE) return i;
  }
  return -1;
}

function isHexDigit(byte: number | undefined): boolean {
  return byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66));
}

/** Copies `source[from, to)` to `target` at `at` (a text chunk's few bytes by hand, cheaper than a native call); returns the index after them. */
function copyBytes(source: Buffer, from: number, to: number, target: Buffer, at: number): number {
  if (to - from > 32) return at + source.copy(target, at, from, to);
  for (let i = from; i < to; i++) target[at++] = source[i];
  return at;
}

/** Whether the frame's bytes around `[bodyStart, bodyEnd)` hold no backslash and no probe. */
function plainAround(frame: Buffer, bodyStart: number, bodyEnd: number): boolean {
  const backslash = frame.indexOf(BACKSLASH);
  if (backslash >= 0 && (backslash < bodyStart || frame.indexOf(BACKSLASH, bodyEnd) >= 0)) return false;
  const probe = frame.indexOf(PROBE_BYTES);
  return probe < 0 || (probe >= bodyStart && probe + PROBE_BYTES.length <= bodyEnd && frame.indexOf(PROBE_BYTES, bodyEnd) < 0);
}

function occurrences(bytes: Buffer, needle: Buffer): number {
  let count = 0;
  for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + needle.length)) count++;
  return count;
}

function replaced(bytes: Buffer, { from, to }: ModelSplice): Buffer {
  const at = bytes.indexOf(from);
  return Buffer.concat([bytes.subarray(0, at), to, bytes.subarray(at + from.length)]);
}
