import type { SseFrame } from './sse-frame';

const LF = 0x0a;
const COLON = 0x3a;
const SPACE = 0x20;

/**
 * Incremental parser for `text/event-stream` (WHATWG HTML, "Parsing an event
 * stream"). Chunks may split anywhere, even inside a UTF-8 character or
 * between the CR and LF of one line ending; only the unfinished last line is
 * kept between chunks, never the stream.
 */
export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  /** The start of a line whose terminator has not arrived yet. */
  private partialLine = '';
  /** The previous chunk ended in CR: an LF opening the next one belongs to that line ending. */
  private skipLeadingLf = false;
  private eventType: string | undefined;
  private data: string | undefined;
  private lastEventId: string | undefined;

  push(chunk: Uint8Array): SseFrame[] {
    const frames: SseFrame[] = [];
    this.consume(this.decoder.decode(chunk, { stream: true }), frames);
    return frames;
  }

  /**
   * Flushes what the stream left unfinished. Leniently, an event whose closing
   * blank line never came is still delivered (some servers omit it after the
   * last event); a frame cut mid-line then carries truncated data, which the
   * adapters report as malformed.
   */
  end(): SseFrame[] {
    const frames: SseFrame[] = [];
    this.consume(this.decoder.decode(), frames);
    if (this.partialLine !== '') {
      this.processLine(this.partialLine, frames);
      this.partialLine = '';
    }
    this.dispatch(frames);
    this.skipLeadingLf = false;
    return frames;
  }

  private consume(text: string, frames: SseFrame[]): void {
    const length = text.length;
    let start = 0;
    if (this.skipLeadingLf && length > 0) {
      if (text.charCodeAt(0) === LF) start = 1;
      this.skipLeadingLf = false;
    }
    // indexOf rather than a per-character loop: the search runs in native code.
    let lf = text.indexOf('\n', start);
    let cr = text.indexOf('\r', start);
    while (lf >= 0 || cr >= 0) {
      const atCr = cr >= 0 && (lf < 0 || cr < lf);
      const end = atCr ? cr : lf;
      const line = this.partialLine === '' ? text.slice(start, end) : this.partialLine + text.slice(start, end);
      this.partialLine = '';
      this.processLine(line, frames);
      start = end + 1;
      if (atCr) {
        if (start === length) this.skipLeadingLf = true;
        else if (text.charCodeAt(start) === LF) start++;
        cr = text.indexOf('\r', start);
      }
      if (lf >= 0 && lf < start) lf = text.indexOf('\n', start);
    }
    if (start < length) this.partialLine += text.slice(start);
  }

  private processLine(line: string, frames: SseFrame[]): void {
    if (line.length === 0) {
      this.dispatch(frames);
      return;
    }
    if (line.charCodeAt(0) === COLON) return; // a comment, often a keep-alive
    const colon = line.indexOf(':');
    let field: string;
    let value: string;
    if (colon < 0) {
      field = line;
      value = '';
    } else {
      field = line.slice(0, colon);
      const valueStart = line.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1;
      value = line.slice(valueStart);
    }
    switch (field) {
      case 'data':
        this.data = this.data === undefined ? value : `${this.data}\n${value}`;
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        // The spec ignores ids containing NUL.
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      default:
        break; // `retry` and unknown fields do not concern a proxy
    }
  }

  private dispatch(frames: SseFrame[]): void {
    const data = this.data;
    const event = this.eventType;
    this.data = undefined;
    this.eventType = undefined;
    if (data === undefined) return; // an event without data is not dispatched
    const frame: SseFrame = { data };
    if (event !== undefined && event !== '') frame.event = event;
    if (this.lastEventId !== undefined) frame.id = this.lastEventId;
    frames.push(frame);
  }
}
