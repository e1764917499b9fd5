import type { Readable } from 'node:stream';

/** Where `CopyDataFraming` hands the rows of a `COPY ... TO STDOUT`. */
export interface CopyDataSink {
  /** Bytes of the current row (its text and, last, its '\n'); a row straddling two socket reads comes in two parts. */
  rowPart(source: Buffer, start: number, end: number): void;
  /** The current row is complete. */
  rowEnd(): void;
}

type DataListener = (chunk: Buffer) => void;

/** PostgreSQL protocol: a message is a type byte, then an int32 length that counts itself but not the type. */
const HEADER_BYTES = 5;
const COPY_DATA = 0x64; // 'd'
const READY_FOR_QUERY = 0x5a; // 'Z'

/**
 * Reads the rows of one `COPY ... TO STDOUT` straight from the socket's
 * chunks, in front of node-postgres' parser, from the query's submission to
 * its ReadyForQuery; every other message (CommandComplete, errors, notices,
 * the ReadyForQuery itself) goes to node-postgres' parser byte for byte, in
 * order, and is handled as usual.
 *
 * Why: node-postgres turns each CopyData message (one per row) into a Buffer
 * view and a message object and emits it through two event emitters, which
 * cost the reading thread more per row than the row's bytes; here a row costs
 * reading its 5-byte header and one copy.
 *
 * Installed only when the socket's one 'data' listener is node-postgres'
 * parser (`install` answers false otherwise, and the caller takes the
 * messages as usual). The connection is idle when a query is submitted, so the
 * parser has nothing buffered and the framing starts at a message boundary.
 */
export class CopyDataFraming {
  private readonly header = Buffer.alloc(HEADER_BYTES);
  /** Header bytes gathered so far when a header straddles two chunks. */
  private headerLength = 0;
  /** Whether the bytes that come next are a message's body (else a header). */
  private inBody = false;
  /** Body bytes of the current message still to come. */
  private remaining = 0;
  /** Whether the current message is a row (CopyData), else it goes to the parser. */
  private row = false;

  private constructor(
    private readonly stream: Readable,
    private readonly parser: DataListener,
    private readonly sink: CopyDataSink,
  ) {}

  static install(stream: Readable, sink: CopyDataSink): boolean {
    const listeners = stream.listeners('data');
    if (listeners.length !== 1) return false;
    const framing = new CopyDataFraming(stream, listeners[0] as DataListener, sink);
    stream.removeListener('data', framing.parser);
    stream.on('data', framing.onData);
    return true;
  }

  private readonly onData = (chunk: Buffer): void => {
    const { length } = chunk;
    let offset = 0;
    while (offset < length) {
      if (this.inBody) {
        const end = Math.min(length, offset + this.remaining);
        if (this.row) this.sink.rowPart(chunk, offset, end);
        else this.parser(chunk.subarray(offset, end));
        this.remaining -= end - offset;
        offset = end;
        if (this.remaining === 0) this.endMessage();
        continue;
      }
      let code: number;
      let bodyLength: number;
      let straddled = false;
      if (this.headerLength === 0 && offset + HEADER_BYTES <= length) {
        code = chunk[offset];
        bodyLength = chunk.readInt32BE(offset + 1) - 4;
        offset += HEADER_BYTES;
      } else {
        while (this.headerLength < HEADER_BYTES && offset < length) this.header[this.headerLength++] = chunk[offset++];
        if (this.headerLength < HEADER_BYTES) return;
        this.headerLength = 0;
        straddled = true;
        code = this.header[0];
        bodyLength = this.header.readInt32BE(1) - 4;
      }
      if (code === COPY_DATA && bodyLength >= 0) {
        this.startMessage(true, bodyLength);
        continue;
      }
      // Not a row: node-postgres' parser reads it, header included.
      const header = straddled ? Buffer.from(this.header) : chunk.subarray(offset - HEADER_BYTES, offset);
      if (code === READY_FOR_QUERY || bodyLength < 0) {
        // The query's end (or bytes that are not the protocol, which node-postgres reports): the parser takes over again.
        this.uninstall();
        this.parser(header);
        if (offset < length) this.parser(chunk.subarray(offset));
        return;
      }
      this.parser(header);
      this.startMessage(false, bodyLength);
    }
  };

  private startMessage(row: boolean, bodyLength: number): void {
    this.row = row;
    this.remaining = bodyLength;
    this.inBody = true;
    if (bodyLength === 0) this.endMessage();
  }

  private endMessage(): void {
    this.inBody = false;
    if (this.row) this.sink.rowEnd();
  }

  private uninstall(): void {
    this.stream.removeListener('data', this.onData);
    this.stream.on('data', this.parser);
  }
}
