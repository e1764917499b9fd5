const LF = 0x0a;
const CR = 0x0d;

/**
 * Cuts a `text/event-stream` byte stream into whole events without decoding
 * it: each frame is the event's bytes up to and including the blank line
 * that ends it, so frames written one after the other are the stream itself.
 * Chunks may split anywhere (inside a line, between the CR and LF of one line
 * ending); only the unfinished event is kept between chunks. Line endings are
 * LF, CRLF or CR (WHATWG HTML, "Parsing an event stream"); a chunk with no CR
 * is searched in native code.
 */
export class SseByteFramer {
  /** The start of an event whose blank line has not arrived yet, joined once when it has (not once per chunk). */
  private pending: Buffer[] = [];
  /** No byte of the current line has been seen: a line ending here is blank. */
  private atLineStart = true;
  /** The last chunk ended in CR: an LF opening the next one belongs to that line ending. */
  private skipLeadingLf = false;

  /** The events this chunk completes, in order; each a view of the chunk where it lies wholly inside it. */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    const length = chunk.length;
    let index = 0;
    if (this.skipLeadingLf && length > 0) {
      if (chunk[0] === LF) index = 1;
      this.skipLeadingLf = false;
    }
    let frameStart = 0;
    const emit = (end: number) => {
      const own = chunk.subarray(frameStart, end);
      if (this.pending.length === 0) frames.push(own);
      else {
        this.pending.push(own);
        frames.push(Buffer.concat(this.pending));
        this.pending = [];
      }
      frameStart = end;
    };
    if (chunk.indexOf(CR, index) < 0) {
      for (let lf = chunk.indexOf(LF, index); lf >= 0; lf = chunk.indexOf(LF, index)) {
        const blank = lf === index && this.atLineStart;
        index = lf + 1;
        this.atLineStart = true;
        if (blank) emit(index);
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
        if (blank) emit(index + 1);
      }
    }
    // Copied: the chunk's memory may be reused by whoever handed it over.
    if (frameStart < length) this.pending.push(Buffer.from(chunk.subarray(frameStart)));
    return frames;
  }

  /** What the stream left unfinished (an event whose blank line never came), or undefined. */
  end(): Buffer | undefined {
    const rest = this.pending.length === 0 ? undefined : Buffer.concat(this.pending);
    this.pending = [];
    this.atLineStart = true;
    this.skipLeadingLf = false;
    return rest;
  }
}
