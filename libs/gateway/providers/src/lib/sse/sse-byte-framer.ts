const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

/**
 * Cuts a `text/event-stream` byte stream into whole events without decoding
 * it: each frame is the event's bytes up to and including the blank line
 * that ends it, so frames written one after the other are the stream itself.
 * Chunks may split anywhere (inside a line, between the CR and LF of one line
 * ending); only the unfinished event is kept between chunks. Line endings are
 * LF, CRLF or CR (WHATWG HTML, "Parsing an event stream"); a chunk with no CR
 * is searched in native code.
 *
 * A chunk is read one event at a time (`feed`, then `next` until it gives
 * nothing), so a reader that recognises an event where one starts
 * (`eventStart`) may take it whole itself and go on past it (`skipTo`).
 */
export class SseByteFramer {
  /** The start of an event whose blank line has not arrived yet, joined once when it has (not once per chunk). */
  private pending: Buffer[] = [];
  /** No byte of the current line has been seen: a line ending here is blank. */
  private atLineStart = true;
  /** The last chunk ended in CR: an LF opening the next one belongs to that line ending. */
  private skipLeadingLf = false;
  /** The chunk being read, where reading is in it, where its current event began, and whether it holds a CR. */
  private chunk: Buffer = EMPTY;
  private index = 0;
  private frameStart = 0;
  private hasCr = false;

  /** The events this chunk completes, in order; each a view of the chunk where it lies wholly inside it. */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    this.feed(chunk);
    for (let frame = this.next(); frame !== undefined; frame = this.next()) frames.push(frame);
    return frames;
  }

  /** Starts reading `chunk`: its events are then taken in order with `next`. */
  feed(chunk: Buffer): void {
    this.chunk = chunk;
    this.index = 0;
    this.frameStart = 0;
    if (this.skipLeadingLf && chunk.length > 0) {
      if (chunk[0] === LF) this.index = 1;
      this.skipLeadingLf = false;
    }
    this.hasCr = chunk.indexOf(CR, this.index) >= 0;
  }

  /**
   * Where the next event begins in the chunk being read, when none of it has
   * been read yet (nothing held from an earlier chunk); -1 otherwise. Whole
   * events taken from there by the caller are passed over with `skipTo`.
   */
  get eventStart(): number {
    return this.pending.length === 0 && this.atLineStart && this.index === this.frameStart && this.index < this.chunk.length ? this.index : -1;
  }

  /** The caller took the whole events from `eventStart` up to `end` (each ending in a blank line of LFs) itself. */
  skipTo(end: number): void {
    this.index = end;
    this.frameStart = end;
  }

  /** The next event the chunk being read completes (a view of it where it lies wholly inside it), or undefined: the rest is kept, copied, as the start of an unfinished event. */
  next(): Buffer | undefined {
    const chunk = this.chunk;
    const length = chunk.length;
    let index = this.index;
    if (!this.hasCr) {
      for (let lf = chunk.indexOf(LF, index); lf >= 0; lf = chunk.indexOf(LF, index)) {
        const blank = lf === index && this.atLineStart;
        index = lf + 1;
        this.atLineStart = true;
        if (blank) return this.emit(index);
      }
      if (index < length) this.atLineStart = false;
    } else {
      for (; index < length; index++) {
        const byte = chunk[index];
        if (byte !== LF && byte !== CR) {
          this.atLineStart = false;
          continue;
        }
        const blank = this.atLineStart;
        if (byte === CR) {
          if (index + 1 === length) this.skipLeadingLf = true;
          else if (chunk[index + 1] === LF) index++;
        }
        this.atLineStart = true;
        if (blank) return this.emit(index + 1);
      }
    }
    // Copied: the chunk's memory may be reused by whoever handed it over.
    if (this.frameStart < length) this.pending.push(Buffer.from(chunk.subarray(this.frameStart)));
    this.chunk = EMPTY;
    this.index = 0;
    this.frameStart = 0;
    return undefined;
  }

  /** What the stream left unfinished (an event whose blank line never came), or undefined. */
  end(): Buffer | undefined {
    const rest = this.pending.length === 0 ? undefined : Buffer.concat(this.pending);
    this.pending = [];
    this.atLineStart = true;
    this.skipLeadingLf = false;
    this.chunk = EMPTY;
    this.index = 0;
    this.frameStart = 0;
    return rest;
  }

  private emit(end: number): Buffer {
    const own = this.chunk.subarray(this.frameStart, end);
    this.index = end;
    this.frameStart = end;
    if (this.pending.length === 0) return own;
    this.pending.push(own);
    const joined = Buffer.concat(this.pending);
    this.pending = [];
    return joined;
  }
}
