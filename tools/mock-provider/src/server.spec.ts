import { startMockProvider, type MockProvider } from './index';

let provider: MockProvider;

beforeAll(async () => {
  provider = await startMockProvider();
});

afterAll(() => provider.close());

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(provider.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const CHAT = { model: 'mock-fast', messages: [{ role: 'user', content: 'Hello, world!' }] };
const MESSAGE = { ...CHAT, max_tokens: 100 };
const SSE_FRAMES = /^(?:data: [^\n]+\n\n)+$/;
const ANTHROPIC_SSE_FRAMES = /^(?:event: [a-z_]+\ndata: [^\n]+\n\n)+$/;

/** The `data:` payloads of an OpenAI-style stream. */
function dataOf(text: string): string[] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => frame.slice('data: '.length));
}

function eventsOf(text: string): string[] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => frame.slice('event: '.length, frame.indexOf('\n')));
}

describe('mock provider over raw HTTP', () => {
  it('answers /health', async () => {
    const response = await fetch(`${provider.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', service: 'mock-provider' });
  });

  it('echoes x-request-id, or generates one', async () => {
    const echoed = await fetch(`${provider.url}/health`, { headers: { 'x-request-id': 'req-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('req-123');
    const generated = await post('/v1/chat/completions', CHAT);
    expect(generated.headers.get('x-request-id')).toMatch(/^req_mock_[0-9a-f]+$/);
  });

  it('sends OpenAI SSE as data frames ending with [DONE]', async () => {
    const response = await post('/v1/chat/completions', { ...CHAT, stream: true, model: 'mock-fast+tokens=2' }, { 'x-request-id': 'sse-1' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('x-request-id')).toBe('sse-1');
    const text = await response.text();
    expect(text).toMatch(SSE_FRAMES);
    expect(text.endsWith('\n\ndata: [DONE]\n\n')).toBe(true);
    const frames = dataOf(text);
    expect(frames).toHaveLength(1 + 2 + 1 + 1);
    const chunks = frames.slice(0, -1).map((data) => JSON.parse(data) as { choices: { delta: object; finish_reason: string | null }[] });
    expect(chunks.map((chunk) => chunk.choices[0].delta)).toEqual([
      { role: 'assistant', content: '' },
      { content: expect.stringMatching(/^\S+$/) },
      { content: expect.stringMatching(/^ \S+$/) },
      {},
    ]);
    expect(chunks[3].choices[0].finish_reason).toBe('stop');
    expect(chunks[0]).not.toHaveProperty('usage');
  });

  it('sends the Anthropic event sequence, ping included', async () => {
    const response = await post('/v1/messages', { ...MESSAGE, stream: true, model: 'mock-fast+tokens=2' });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const text = await response.text();
    expect(text).toMatch(ANTHROPIC_SSE_FRAMES);
    expect(eventsOf(text)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(text).toContain('event: ping\ndata: {"type":"ping"}\n\n');
    expect(text.endsWith('event: message_stop\ndata: {"type":"message_stop"}\n\n')).toBe(true);
  });

  it('sends one malformed frame for invalid_json and still ends the stream', async () => {
    const text = await (await post('/v1/chat/completions', { ...CHAT, stream: true }, { 'x-mock': 'invalid_json' })).text();
    const frames = dataOf(text);
    const invalid = frames.filter((data) => {
      try {
        JSON.parse(data);
        return false;
      } catch {
        return data !== '[DONE]';
      }
    });
    expect(invalid).toHaveLength(1);
    expect(frames.indexOf(invalid[0])).toBe(2);
    expect(frames[frames.length - 1]).toBe('[DONE]');
  });

  it('ends an OpenAI stream with an error frame for stream_error, without [DONE]', async () => {
    const text = await (await post('/v1/chat/completions', { ...CHAT, stream: true }, { 'x-mock': 'stream_error+tokens=1' })).text();
    const frames = dataOf(text);
    expect(frames).toHaveLength(3);
    expect(JSON.parse(frames[2])).toEqual({
      error: { message: expect.any(String), type: 'server_error', param: null, code: null },
    });
  });

  it('ends an Anthropic stream with an error event for stream_error', async () => {
    const text = await (await post('/v1/messages', { ...MESSAGE, stream: true }, { 'x-mock': 'stream_error; tokens=1' })).text();
    expect(eventsOf(text)).toEqual(['message_start', 'content_block_start', 'ping', 'content_block_delta', 'error']);
    expect(text).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"overloaded_error","message":"[^"]+"\}\}\n\n$/);
  });

  it('sends a truncated 200 body for non-stream invalid_json', async () => {
    const response = await post('/v1/chat/completions', CHAT, { 'x-mock': 'invalid_json' });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text.startsWith('{"id":"chatcmpl-mock-')).toBe(true);
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
  });

  it('answers unknown routes with a 404 in the OpenAI format', async () => {
    for (const [method, path] of [
      ['GET', '/v2/anything'],
      ['POST', '/v1/models'],
      ['GET', '/v1/chat/completions'],
    ]) {
      const response = await fetch(provider.url + path, { method });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({
        error: { message: `Unknown request URL: ${method} ${path}.`, type: 'not_found_error', param: null, code: null },
      });
    }
  });

  it('accepts a trailing slash and a query string', async () => {
    expect((await post('/v1/chat/completions/', CHAT)).status).toBe(200);
    expect((await post('/v1/messages/?beta=true', MESSAGE)).status).toBe(200);
    expect((await fetch(`${provider.url}/v1/models/`)).status).toBe(200);
  });

  it('answers invalid JSON with a 400 in each provider format', async () => {
    const openai = await post('/v1/chat/completions', '{"model":');
    expect(openai.status).toBe(400);
    expect(await openai.json()).toEqual({
      error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: null },
    });
    const anthropic = await post('/v1/messages', 'not json');
    expect(anthropic.status).toBe(400);
    expect(await anthropic.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.any(String) } });
  });

  it('requires model and messages, and max_tokens for Anthropic', async () => {
    const noMessages = await post('/v1/chat/completions', { model: 'm' });
    expect(noMessages.status).toBe(400);
    expect(await noMessages.json()).toMatchObject({ error: { param: 'messages', type: 'invalid_request_error' } });

    const noMaxTokens = await post('/v1/messages', CHAT);
    expect(noMaxTokens.status).toBe(400);
    expect(await noMaxTokens.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } });

    expect((await post('/v1/messages', { ...MESSAGE, max_tokens: 0 })).status).toBe(400);
    expect((await post('/v1/chat/completions', { ...CHAT, max_tokens: 'many' })).status).toBe(400);
    expect((await post('/v1/chat/completions', [])).status).toBe(400);
  });

  it('rejects an unterminated marker with a 400', async () => {
    const response = await post('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: '[[mock: tokens=3' }] });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('[[mock:');
  });

  it('answers the OpenAI models list unless the request carries anthropic-version', async () => {
    const openai = (await (await fetch(`${provider.url}/v1/models`)).json()) as { object: string };
    expect(openai.object).toBe('list');
    const anthropic = await (await fetch(`${provider.url}/v1/models`, { headers: { 'anthropic-version': '2023-06-01' } })).json();
    expect(anthropic).toMatchObject({ has_more: false, first_id: 'mock-fast', last_id: 'mock-smart' });
  });
});

describe('startMockProvider', () => {
  it('listens on a free port and closes despite open keep-alive connections', async () => {
    const own = await startMockProvider({ port: 0 });
    expect(own.port).toBeGreaterThan(0);
    expect(own.url).toBe(`http://127.0.0.1:${own.port}`);
    const response = await fetch(`${own.url}/health`);
    expect(response.headers.get('connection')).toBe('keep-alive');
    await response.text();
    // Without destroying the idle socket, close() would wait out the keep-alive timeout (65 s).
    await own.close();
    await own.close();
    await expect(fetch(`${own.url}/health`)).rejects.toThrow();
  });

  it('reports a busy port as a rejected start', async () => {
    await expect(startMockProvider({ port: provider.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
