import { fixtureBytes, framesOf, randomBoundaries, streamEvents } from '../../../test/golden';
import { SseParser } from '../sse/sse-parser';
import { openAiAdapter } from '../openai';
import { OpenAiStreamPassThrough, type OpenAiStreamPassThroughOptions } from './openai-stream-pass-through';

interface Relayed {
  out: string;
  relay: OpenAiStreamPassThrough;
}

function relay(input: string | Uint8Array, options: Partial<OpenAiStreamPassThroughOptions> = {}, boundaries: number[] = []): Relayed {
  const bytes = typeof input === 'string' ? Buffer.from(input) : Buffer.from(input);
  const passThrough = new OpenAiStreamPassThrough({ model: 'mock-gpt', includeUsage: false, ...options });
  const parts: Buffer[] = [];
  let start = 0;
  for (const end of [...boundaries, bytes.length]) {
    const out = passThrough.push(bytes.subarray(start, end));
    if (out !== undefined) parts.push(out);
    start = end;
  }
  const rest = passThrough.end();
  if (rest !== undefined) parts.push(rest);
  return { out: Buffer.concat(parts).toString('utf8'), relay: passThrough };
}

function dataOf(text: string): string[] {
  return framesOf(Buffer.from(text)).map((frame) => frame.data);
}

function chunk(fields: Record<string, unknown>): string {
  return `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'upstream-model', ...fields })}\n\n`;
}

const TEXT = fixtureBytes('openai', 'chat-stream-text.sse');
const TOOL = fixtureBytes('openai', 'chat-stream-tool.sse');
const ERROR = fixtureBytes('openai', 'chat-stream-error.sse');
const USAGE_FRAME = /data: \{[^\n]*"choices":\[\],"usage":\{[^\n]*\n\n/;

describe('OpenAiStreamPassThrough', () => {
  it('relays the upstream’s bytes unchanged when the client asked for usage and the model names agree', () => {
    const { out, relay: passThrough } = relay(TEXT, { includeUsage: true });
    expect(out).toBe(Buffer.from(TEXT).toString('utf8'));
    expect(passThrough.state).toBe('done');
    expect(passThrough.usage).toEqual({ prompt_tokens: 7, completion_tokens: 6 });
  });

  it('leaves the usage chunk out for a client that did not ask, and still reads the usage', () => {
    const { out, relay: passThrough } = relay(TEXT);
    expect(out).toBe(Buffer.from(TEXT).toString('utf8').replace(USAGE_FRAME, ''));
    expect(passThrough.usage).toEqual({ prompt_tokens: 7, completion_tokens: 6 });
  });

  it('writes the same bytes wherever the upstream’s chunks are cut (frames split across chunks)', () => {
    const whole = relay(TEXT).out;
    for (let seed = 1; seed <= 40; seed++) expect(relay(TEXT, {}, randomBoundaries(TEXT.length, seed)).out).toBe(whole);
    for (let cut = 1; cut < 600; cut += 7) expect(relay(TEXT, {}, [cut]).out).toBe(whole);
  });

  it('gives every chunk the model name the client asked for, spliced into the bytes', () => {
    const { out } = relay(TEXT, { model: 'my-alias', includeUsage: true });
    const original = dataOf(Buffer.from(TEXT).toString('utf8'));
    const relayed = dataOf(out);
    expect(relayed).toHaveLength(original.length);
    relayed.forEach((data, i) => {
      if (data === '[DONE]') return expect(original[i]).toBe('[DONE]');
      expect(JSON.parse(data)).toEqual({ ...JSON.parse(original[i]), model: 'my-alias' });
    });
  });

  it('serialises an event again where the model field is not unambiguous in its bytes', () => {
    const spaced = `data: {"id":"c1","model": "upstream-model","choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\n`;
    expect(dataOf(relay(spaced).out).map((d) => (d === '[DONE]' ? d : JSON.parse(d).model))).toEqual(['mock-gpt', '[DONE]']);
    const twice = chunk({ choices: [{ index: 0, delta: { content: 'x' } }], extra: { model: 'upstream-model' } }) + 'data: [DONE]\n\n';
    expect(JSON.parse(dataOf(relay(twice).out)[0])).toMatchObject({ model: 'mock-gpt', extra: { model: 'upstream-model' } });
  });

  it('counts generated characters as the parsing relay does, for an estimate when no usage comes', () => {
    for (const fixture of [TEXT, TOOL]) {
      const events = streamEvents(openAiAdapter, fixture);
      let expected = 0;
      for (const event of events) {
        if (event.type === 'text_delta') expected += event.text.length;
        if (event.type === 'tool_call_delta') expected += event.arguments_delta.length + (event.name?.length ?? 0);
      }
      const { relay: passThrough } = relay(fixture);
      expect(passThrough.generatedCharacters).toBe(expected);
      expect(passThrough.contentSeen).toBe(true);
    }
    const noUsage = chunk({ choices: [{ index: 0, delta: { content: 'héllo 👋' } }] }) + 'data: [DONE]\n\n';
    const { relay: passThrough } = relay(noUsage);
    expect(passThrough.usage).toBeUndefined();
    expect(passThrough.generatedCharacters).toBe('héllo 👋'.length);
  });

  it('stops at [DONE]: nothing after it is relayed', () => {
    const { out, relay: passThrough } = relay(`data: [DONE]\n\n${chunk({ choices: [{ index: 0, delta: { content: 'late' } }] })}`);
    expect(out).toBe('data: [DONE]\n\n');
    expect(passThrough.state).toBe('done');
    expect(passThrough.push(Buffer.from(chunk({ choices: [] })))).toBeUndefined();
  });

  it('takes [DONE] whose blank line never came, at the upstream’s end', () => {
    const { out, relay: passThrough } = relay(`${chunk({ choices: [{ index: 0, delta: { content: 'a' } }] })}data: [DONE]\n`, { model: 'upstream-model' });
    expect(passThrough.state).toBe('done');
    expect(out.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('stays open when the upstream ends without [DONE], so the relay can report the cut', () => {
    const { relay: passThrough } = relay(chunk({ choices: [{ index: 0, delta: { content: 'a' } }] }));
    expect(passThrough.state).toBe('open');
  });

  it('ends an upstream’s in-stream error with the gateway’s error event', () => {
    const { out, relay: passThrough } = relay(ERROR);
    expect(passThrough.state).toBe('failed');
    const frames = new SseParser().push(Buffer.from(out));
    const last = frames[frames.length - 1];
    expect(last.event).toBe('error');
    expect(JSON.parse(last.data)).toMatchObject({ error: { code: 'provider_error', message: 'Mock stream error injected by the stream_error directive' } });
    expect(frames.slice(0, -1).every((frame) => frame.event === undefined && JSON.parse(frame.data).choices.length === 1)).toBe(true);
  });

  it('ends a malformed event with the error event, and relays nothing after it', () => {
    const { out, relay: passThrough } = relay(`data: {"choices":\n\n${chunk({ choices: [] })}`);
    expect(passThrough.state).toBe('failed');
    expect(out).toMatch(/^event: error\ndata: \{"error":\{[^\n]*"message":"The OpenAI-compatible stream sent a malformed event"/);
    expect(relay('data: [1,2]\n\n').relay.state).toBe('failed');
    expect(relay('data: {"id":"x"}\n\n').relay.state).toBe('failed');
  });

  it('checks chunks relayed by their shape as it checks parsed ones: a malformed one after them ends the stream', () => {
    const text = (content: string) => chunk({ choices: [{ index: 0, delta: { content }, finish_reason: null }], usage: null });
    const broken = text('MARK').replace('MARK', 'a"b');
    const { out, relay: passThrough } = relay(`${text('one')}${text(' two')}${broken}${text(' four')}data: [DONE]\n\n`, { model: 'upstream-model' });
    expect(passThrough.state).toBe('failed');
    expect(out.startsWith(`${text('one')}${text(' two')}event: error\n`)).toBe(true);
    expect(passThrough.generatedCharacters).toBe('one two'.length);
  });

  it('relays and meters a stream whose chunks change shape, or differ in more than their text, as it does any other', () => {
    const text = (content: string, fields: Record<string, unknown> = {}) => chunk({ choices: [{ index: 0, delta: { content }, finish_reason: null }], ...fields });
    const usage = chunk({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 9, total_tokens: 12 } });
    const streams = [
      `${text('a')}${text('b')}${text('c', { id: 'c2' })}${text('d', { id: 'c2' })}${text('e')}${usage}data: [DONE]\n\n`,
      `${text('a', { obfuscation: 'x' })}${text('b', { obfuscation: 'yy' })}${text('c', { obfuscation: 'zzz' })}${usage}data: [DONE]\n\n`,
      `${text('a')}${text('b', { extra: { model: 'upstream-model' } })}${text('c')}${usage}data: [DONE]\n\n`,
    ];
    for (const stream of streams) {
      const { out, relay: passThrough } = relay(stream, { model: 'alias', includeUsage: true });
      const original = dataOf(stream);
      expect(dataOf(out).map((data) => (data === '[DONE]' ? data : JSON.parse(data)))).toEqual(original.map((data) => (data === '[DONE]' ? data : { ...JSON.parse(data), model: 'alias' })));
      expect(passThrough.generatedCharacters).toBe(stream === streams[0] ? 5 : 3);
      expect(passThrough.usage).toEqual({ prompt_tokens: 3, completion_tokens: 9 });
      expect(relay(stream.replace(usage, ''), { model: 'alias' }).relay.usage).toBeUndefined();
    }
    const [last] = dataOf(relay(`${text('a')}${text('b')}${text('c', { id: 'c2' })}${text('d')}${chunk({ choices: [{ index: 0, delta: { content: 'e' } }], id: 'c3', usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } })}data: [DONE]\n\n`, { includeUsage: true }).out).slice(-2);
    expect(JSON.parse(last)).toMatchObject({ id: 'c3', choices: [], usage: { prompt_tokens: 1 } });
  });

  it('parses a stream’s text chunks once per shape, not once per chunk, and gives up on chunks that never share one', () => {
    const text = (content: string, fields: Record<string, unknown> = {}) => chunk({ choices: [{ index: 0, delta: { content }, finish_reason: null }], usage: null, ...fields });
    const words = Array.from({ length: 20 }, (_, i) => ` word${i}`);
    const tail = `${chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: null })}${chunk({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 20, total_tokens: 23 } })}data: [DONE]\n\n`;
    const roleFirst = chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: '' } }], usage: null });
    const roleWithText = chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' } }], usage: null });
    const parses = (stream: string, model = 'alias') => {
      const parse = jest.spyOn(JSON, 'parse');
      try {
        const { relay: passThrough } = relay(stream, { model });
        expect(passThrough.usage).toEqual({ prompt_tokens: 3, completion_tokens: 20 });
        expect(passThrough.generatedCharacters).toBe(stream.includes('"Hi"') ? 2 + words.join('').length : words.join('').length);
        return parse.mock.calls.length;
      } finally {
        parse.mockRestore();
      }
    };
    // The role chunk, the first text chunk's probe (the chunk itself is told from its bytes), the finish and the usage chunk.
    expect(parses(`${roleFirst}${words.map((w) => text(w)).join('')}${tail}`)).toBe(4);
    expect(parses(`${roleFirst}${words.map((w) => text(w)).join('')}${tail}`, 'upstream-model')).toBe(4);
    // A first text chunk that also carries the role: its template fits nothing, the second chunk's does.
    expect(parses(`${roleWithText}${words.map((w) => text(w)).join('')}${tail}`)).toBe(4);
    // Chunks that differ in more than their text: two templates' probes, a third probe that stops learning, then every chunk parsed.
    expect(parses(`${roleFirst}${words.map((w, i) => text(w, { obfuscation: 'x'.repeat(i) })).join('')}${tail}`)).toBe(1 + 3 + 18 + 2);
    // Text chunks whose bytes cannot tell (a backslash in the id): parsed, then their template's probe, as before.
    expect(parses(`${roleFirst}${words.map((w) => text(w, { id: 'c\\1' })).join('')}${tail}`)).toBe(5);
  });

  it('counts the real text of chunks whose bytes hold another `content` string before it, even when that text is the template’s probe', () => {
    const decoy = (meta: string) => chunk({ meta: { content: meta }, choices: [{ index: 0, delta: { content: 'sluice-content-probe' }, finish_reason: null }] });
    const { out, relay: passThrough } = relay(`${decoy('zz')}${decoy('yy')}${decoy('xxx')}data: [DONE]\n\n`, { model: 'alias' });
    expect(passThrough.generatedCharacters).toBe(3 * 'sluice-content-probe'.length);
    expect(dataOf(out).slice(0, 3).map((data) => JSON.parse(data).meta.content)).toEqual(['zz', 'yy', 'xxx']);
  });

  it('drops comments, keep-alives and choice-less chunks without usage (Azure’s prompt filter results)', () => {
    const content = chunk({ choices: [{ index: 0, delta: { content: 'a' } }] });
    const azure = `: ping\n\ndata: {"id":"","object":"","created":0,"model":"","choices":[],"prompt_filter_results":[]}\n\n${content}data: [DONE]\n\n`;
    expect(relay(azure, { model: 'upstream-model' }).out).toBe(`${content}data: [DONE]\n\n`);
  });

  it('takes usage out of a chunk with choices, and sends it as its own chunk before [DONE] to a client that asked', () => {
    const stream = chunk({ choices: [{ index: 0, delta: { content: 'a' }, finish_reason: 'stop' }], usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 } }) + 'data: [DONE]\n\n';
    const asked = dataOf(relay(stream, { includeUsage: true }).out);
    expect(asked).toHaveLength(3);
    expect(JSON.parse(asked[0]).usage).toBeUndefined();
    expect(JSON.parse(asked[1])).toEqual({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'mock-gpt', choices: [], usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 } });
    expect(asked[2]).toBe('[DONE]');
    const { out, relay: passThrough } = relay(stream);
    expect(dataOf(out).map((d) => (d === '[DONE]' ? d : JSON.parse(d).usage))).toEqual([undefined, '[DONE]']);
    expect(passThrough.usage).toEqual({ prompt_tokens: 4, completion_tokens: 1 });
  });

  it('reads events in any valid SSE shape (CRLF, data: without a space, several data lines) and writes them as data lines', () => {
    const body = '{"id":"c1","model":"mock-gpt","choices":[{"index":0,"delta":{"content":"a"}}]}';
    const stream = `data:${body}\r\n\r\nevent: message\r\ndata: {"id":"c1","model":"mock-gpt",\r\ndata: "choices":[{"index":0,"delta":{"content":"b"}}]}\r\n\r\ndata: [DONE]\r\n\r\n`;
    const { out, relay: passThrough } = relay(stream);
    expect(passThrough.state).toBe('done');
    expect(passThrough.generatedCharacters).toBe(2);
    expect(dataOf(out)).toEqual([body, '{"id":"c1","model":"mock-gpt",\n"choices":[{"index":0,"delta":{"content":"b"}}]}', '[DONE]']);
  });
});
