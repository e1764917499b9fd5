import { serializeSseFrame, sseData, sseEvent } from './sse-serializer';

describe('SSE serializer', () => {
  it('writes a data-only frame', () => {
    expect(sseData('{"a":1}')).toBe('data: {"a":1}\n\n');
    expect(serializeSseFrame({ data: '[DONE]' })).toBe('data: [DONE]\n\n');
  });

  it('writes the event name and id before the data', () => {
    expect(serializeSseFrame({ event: 'ping', id: '4', data: '{}' })).toBe('event: ping\nid: 4\ndata: {}\n\n');
    expect(sseEvent('error', '{}')).toBe('event: error\ndata: {}\n\n');
  });

  it('splits multi-line data into one data line per line, whatever the line ending', () => {
    expect(sseData('a\r\nb\rc\nd')).toBe('data: a\ndata: b\ndata: c\ndata: d\n\n');
  });
});
