import { randomBoundaries } from '../../../test/golden';
import { SseByteFramer } from './sse-byte-framer';

function frame(text: string, boundaries: number[] = []): string[] {
  const bytes = Buffer.from(text);
  const framer = new SseByteFramer();
  const frames: string[] = [];
  let start = 0;
  for (const end of [...boundaries, bytes.length]) {
    for (const f of framer.push(bytes.subarray(start, end))) frames.push(f.toString());
    start = end;
  }
  const rest = framer.end();
  if (rest !== undefined) frames.push(`<rest>${rest.toString()}`);
  return frames;
}

function everyCut(text: string): number[][] {
  const length = Buffer.byteLength(text);
  return Array.from({ length: length - 1 }, (_, i) => [i + 1]);
}

describe('SseByteFramer', () => {
  const stream = 'data: {"a":1}\n\n: keep-alive\n\nevent: x\ndata: é\ndata: 2\n\ndata: [DONE]\n\n';
  const expected = ['data: {"a":1}\n\n', ': keep-alive\n\n', 'event: x\ndata: é\ndata: 2\n\n', 'data: [DONE]\n\n'];

  it('cuts whole events, blank line included, so the frames are the stream', () => {
    expect(frame(stream)).toEqual(expected);
  });

  it('gives the same events wherever the chunks are cut, even inside a UTF-8 character', () => {
    for (const cuts of everyCut(stream)) expect(frame(stream, cuts)).toEqual(expected);
    for (let seed = 1; seed < 50; seed++) expect(frame(stream, randomBoundaries(Buffer.byteLength(stream), seed, 8))).toEqual(expected);
  });

  it('reads CRLF and CR line endings, also with the CR and LF of one ending in two chunks', () => {
    const crlf = 'data: a\r\n\r\ndata: b\r\r: c\n\n';
    const events = ['data: a\r\n\r\n', 'data: b\r\r', ': c\n\n'];
    expect(frame(crlf)).toEqual(events);
    for (const cuts of everyCut(crlf)) expect(frame(crlf, cuts).join('')).toBe(crlf);
    // Cut between CR and LF: the LF is the rest of that line ending, not a blank line.
    expect(frame('data: a\r\ndata: b\r\n\r\n', [8])).toEqual(['data: a\r\ndata: b\r\n\r\n']);
    expect(frame('data: a\r\n\r\ndata: b\n\n', [10])).toEqual(['data: a\r\n\r', '\ndata: b\n\n']);
  });

  it('keeps only the unfinished event, and hands it over at the end', () => {
    expect(frame('data: a\n\ndata: [DONE]\n')).toEqual(['data: a\n\n', '<rest>data: [DONE]\n']);
    expect(frame('data: a\n\ndata: b', [3, 9])).toEqual(['data: a\n\n', '<rest>data: b']);
  });

  it('copies the unfinished part, so a chunk reused by its producer changes nothing', () => {
    const framer = new SseByteFramer();
    const chunk = Buffer.from('data: abc');
    framer.push(chunk);
    chunk.fill(0x78);
    expect(framer.push(Buffer.from('\n\n')).map(String)).toEqual(['data: abc\n\n']);
  });
  it('reads a chunk one event at a time, and lets a reader take whole events where one starts and go on past them', () => {
    const framer = new SseByteFramer();
    const chunk = Buffer.from('data: a\n\ndata: b\n\ndata: c\n\ndata: d');
    framer.feed(chunk);
    expect(framer.eventStart).toBe(0);
    expect(framer.next()?.toString()).toBe('data: a\n\n');
    expect(framer.eventStart).toBe(9);
    framer.skipTo(18);
    expect(framer.next()?.toString()).toBe('data: c\n\n');
    expect(framer.eventStart).toBe(27);
    expect(framer.next()).toBeUndefined();
    // The unfinished event is held: no event starts in the next chunk until it ends.
    framer.feed(Buffer.from('\n\ndata: e\n\n'));
    expect(framer.eventStart).toBe(-1);
    expect(framer.next()?.toString()).toBe('data: d\n\n');
    expect(framer.eventStart).toBe(2);
    expect(framer.next()?.toString()).toBe('data: e\n\n');
    expect(framer.eventStart).toBe(-1);
    expect(framer.next()).toBeUndefined();
    // An LF that ends the last chunk's CR belongs to the event before: no event starts at it.
    framer.feed(Buffer.from('data: f\r'));
    expect(framer.next()).toBeUndefined();
    framer.feed(Buffer.from('\n\r\n'));
    expect(framer.eventStart).toBe(-1);
    expect(framer.next()?.toString()).toBe('data: f\r\n\r\n');
  });
});
