import { SseParser } from './sse-parser';
import type { SseFrame } from './sse-frame';
import { serializeSseFrame } from './sse-serializer';

const encoder = new TextEncoder();

function parseWhole(text: string): SseFrame[] {
  const parser = new SseParser();
  return [...parser.push(encoder.encode(text)), ...parser.end()];
}

function parseInChunks(bytes: Uint8Array, boundaries: number[]): SseFrame[] {
  const parser = new SseParser();
  const frames: SseFrame[] = [];
  let start = 0;
  for (const end of [...boundaries, bytes.length]) {
    frames.push(...parser.push(bytes.subarray(start, end)));
    start = end;
  }
  frames.push(...parser.end());
  return frames;
}

function byteAtATime(text: string): SseFrame[] {
  const bytes = encoder.encode(text);
  return parseInChunks(
    bytes,
    Array.from({ length: bytes.length - 1 }, (_, i) => i + 1),
  );
}

/** Deterministic pseudo-random cut points, so a failure reproduces. */
function randomBoundaries(length: number, seed: number): number[] {
  let state = seed;
  const cuts = new Set<number>();
  for (let i = 0; i < length / 3; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    cuts.add(1 + (state % Math.max(1, length - 1)));
  }
  return [...cuts].sort((a, b) => a - b);
}

describe('SseParser', () => {
  it('parses data-only frames separated by blank lines', () => {
    expect(parseWhole('data: one\n\ndata: two\n\n')).toEqual([{ data: 'one' }, { data: 'two' }]);
  });

  it('reads event names and keeps them off frames that have none', () => {
    expect(parseWhole('event: message_start\ndata: {}\n\ndata: x\n\n')).toEqual([{ event: 'message_start', data: '{}' }, { data: 'x' }]);
  });

  it('joins multi-line data with LF', () => {
    expect(parseWhole('data: a\ndata: b\ndata:\ndata: c\n\n')).toEqual([{ data: 'a\nb\n\nc' }]);
  });

  it('accepts CRLF, LF and CR line endings, mixed', () => {
    expect(parseWhole('data: a\r\n\r\ndata: b\r\rdata: c\n\nevent: e\rdata: d\r\n\n')).toEqual([
      { data: 'a' },
      { data: 'b' },
      { data: 'c' },
      { event: 'e', data: 'd' },
    ]);
  });

  it('does not read a CRLF split across chunks as two line endings', () => {
    const bytes = encoder.encode('data: a\r\ndata: b\r\n\r\n');
    expect(parseInChunks(bytes, [8, 9, 18, 19, 20])).toEqual([{ data: 'a\nb' }]);
  });

  it('ignores comments and unknown fields, and strips only one leading space', () => {
    expect(parseWhole(': keep-alive\nretry: 100\nfoo: bar\ndata:  two spaces\n\n:\n\n')).toEqual([{ data: ' two spaces' }]);
  });

  it('treats a line without a colon as a field with an empty value', () => {
    expect(parseWhole('data\n\n')).toEqual([{ data: '' }]);
  });

  it('keeps value colons after the first', () => {
    expect(parseWhole('data: {"a":"b:c"}\n\n')).toEqual([{ data: '{"a":"b:c"}' }]);
  });

  it('does not dispatch an event without data, and forgets its event name', () => {
    expect(parseWhole('event: lonely\n\ndata: x\n\n')).toEqual([{ data: 'x' }]);
  });

  it('carries the last event id onto later frames and ignores ids with NUL', () => {
    expect(parseWhole('id: 7\ndata: a\n\ndata: b\n\nid: bad\0\ndata: c\n\n')).toEqual([
      { id: '7', data: 'a' },
      { id: '7', data: 'b' },
      { id: '7', data: 'c' },
    ]);
  });

  it('strips a leading byte-order mark', () => {
    expect(parseWhole('\uFEFFdata: x\n\n')).toEqual([{ data: 'x' }]);
  });

  it('delivers a final event whose blank line never came, on end()', () => {
    const parser = new SseParser();
    expect(parser.push(encoder.encode('data: [DONE]'))).toEqual([]);
    expect(parser.end()).toEqual([{ data: '[DONE]' }]);
  });

  it('returns frames as soon as their blank line arrives', () => {
    const parser = new SseParser();
    expect(parser.push(encoder.encode('data: a\n'))).toEqual([]);
    expect(parser.push(encoder.encode('\ndata: b'))).toEqual([{ data: 'a' }]);
    expect(parser.push(encoder.encode('\n\n'))).toEqual([{ data: 'b' }]);
    expect(parser.end()).toEqual([]);
  });

  it('gives the same frames fed byte at a time', () => {
    const text = 'event: a\r\ndata: 1\r\n\r\n: c\rdata: 2\rdata: 3\r\rdata: 4\n\n';
    expect(byteAtATime(text)).toEqual(parseWhole(text));
    expect(byteAtATime(text)).toEqual([{ event: 'a', data: '1' }, { data: '2\n3' }, { data: '4' }]);
  });

  it('reassembles UTF-8 characters split across chunks', () => {
    const text = 'data: héllo wörld — 日本語 🚀🎉\n\n';
    const bytes = encoder.encode(text);
    const rocket = bytes.indexOf(0xf0);
    expect(parseInChunks(bytes, [rocket + 1, rocket + 2, rocket + 3])).toEqual([{ data: 'héllo wörld — 日本語 🚀🎉' }]);
    expect(byteAtATime(text)).toEqual([{ data: 'héllo wörld — 日本語 🚀🎉' }]);
  });

  it('gives the same frames at any chunking (random boundaries)', () => {
    const text = 'event: x\ndata: {"t":"日本"}\n\ndata: 🚀\r\ndata: b\r\n\r\n: ping\n\nid: 3\ndata: z\r\r';
    const expected = parseWhole(text);
    const bytes = encoder.encode(text);
    for (let seed = 1; seed <= 50; seed++) {
      expect(parseInChunks(bytes, randomBoundaries(bytes.length, seed))).toEqual(expected);
    }
  });

  it('round-trips frames through the serializer', () => {
    const frames: SseFrame[] = [
      { event: 'message_start', data: '{"a":1}' },
      { data: 'line one\nline two' },
      { data: '' },
    ];
    expect(parseWhole(frames.map(serializeSseFrame).join(''))).toEqual(frames);
  });
});
