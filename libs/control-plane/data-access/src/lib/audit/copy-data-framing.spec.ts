import { PassThrough } from 'node:stream';
import { CopyDataFraming, type CopyDataSink } from './copy-data-framing';

/** One protocol message: type byte, int32 length (itself included), body. */
function message(type: string, body: Buffer | string): Buffer {
  const bytes = Buffer.from(body);
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(bytes.length + 4, 1);
  return Buffer.concat([header, bytes]);
}

const rows = ['1\tacme\t{"a": "tab\\there"}\n', '2\t\\N\t{"é": "😀 \\\\ \\"q\\""}\n', '\n', `${'x'.repeat(300)}\n`];
const before = [message('C', 'SET\0'), message('S', 'DateStyle\0ISO, MDY\0'), message('H', Buffer.from([0, 0, 2, 0, 0, 0, 0]))];
const after = [message('c', ''), message('C', 'COPY 4\0'), message('Z', 'I')];
const stream = Buffer.concat([...before, ...rows.map((row) => message('d', row)), ...after]);
const forwardedExpected = Buffer.concat([...before, ...after]);

/** Installs the framing on a stream whose only 'data' listener stands for node-postgres' parser, then feeds it the chunks. */
function run(chunks: Buffer[]): { rows: string[]; forwarded: Buffer; parserListening: boolean; afterwards: Buffer } {
  const socket = new PassThrough();
  const forwarded: Buffer[] = [];
  const parser = (chunk: Buffer) => forwarded.push(Buffer.from(chunk));
  socket.on('data', parser);
  const got: string[] = [];
  let current: Buffer[] = [];
  const sink: CopyDataSink = {
    rowPart: (source, start, end) => current.push(Buffer.from(source.subarray(start, end))),
    rowEnd: () => {
      got.push(Buffer.concat(current).toString('utf8'));
      current = [];
    },
  };
  expect(CopyDataFraming.install(socket, sink)).toBe(true);
  for (const chunk of chunks) socket.emit('data', chunk);
  const parserListening = socket.listeners('data').length === 1 && socket.listeners('data')[0] === parser;
  const mark = forwarded.length;
  socket.emit('data', Buffer.from('next query'));
  return { rows: got, forwarded: Buffer.concat(forwarded.slice(0, mark)), parserListening, afterwards: Buffer.concat(forwarded.slice(mark)) };
}

describe('CopyDataFraming', () => {
  it('hands over the rows and forwards every other message byte for byte, then gives the socket back to the parser', () => {
    const result = run([stream]);
    expect(result.rows).toEqual(rows);
    expect(result.forwarded.equals(forwardedExpected)).toBe(true);
    expect(result.parserListening).toBe(true);
    expect(result.afterwards.toString()).toBe('next query');
  });

  it('gives the same whatever the chunks: split at every byte, in two at every offset, and in chunks of 3 and 7', () => {
    const expected = run([stream]);
    const splits: Buffer[][] = [Array.from(stream, (byte) => Buffer.from([byte]))];
    for (let at = 1; at < stream.length; at += 1) splits.push([stream.subarray(0, at), stream.subarray(at)]);
    for (const size of [3, 7]) splits.push(Array.from({ length: Math.ceil(stream.length / size) }, (_, index) => stream.subarray(index * size, (index + 1) * size)));
    for (const chunks of splits) expect(run(chunks)).toEqual(expected);
  });

  it('stays out of the way when the socket has other data listeners than the parser', () => {
    const socket = new PassThrough();
    socket.on('data', () => undefined);
    socket.on('data', () => undefined);
    expect(CopyDataFraming.install(socket, { rowPart: () => undefined, rowEnd: () => undefined })).toBe(false);
    expect(socket.listeners('data')).toHaveLength(2);
  });

  it('gives the socket back at an error and the ReadyForQuery after it, forwarding both', () => {
    const error = message('E', 'SERROR\0C57014\0Mcanceling statement\0\0');
    const result = run([Buffer.concat([message('d', 'row\n'), error, message('Z', 'I')])]);
    expect(result.rows).toEqual(['row\n']);
    expect(result.forwarded.equals(Buffer.concat([error, message('Z', 'I')]))).toBe(true);
    expect(result.parserListening).toBe(true);
  });
});
