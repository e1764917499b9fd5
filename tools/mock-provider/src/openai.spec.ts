import OpenAI, { type APIError, type BadRequestError, type RateLimitError } from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { startMockProvider, type MockProvider } from './index';

const MESSAGES: ChatCompletionMessageParam[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hello, world!' },
];
const PROMPT = { model: 'mock-fast', messages: MESSAGES };
/** "Be brief." is 3 tokens and "Hello, world!" 4, plus 3 per message. */
const PROMPT_TOKENS = 3 + 3 + 4 + 3;
const TOOLS: ChatCompletionTool[] = [
  { type: 'function', function: { name: 'search_docs', parameters: { type: 'object', properties: {} } } },
  { type: 'function', function: { name: 'other_tool' } },
];

let provider: MockProvider;
let client: OpenAI;

beforeAll(async () => {
  provider = await startMockProvider();
  // logLevel off: the SDK logs malformed frames before throwing, which the invalid_json tests cause on purpose.
  client = new OpenAI({ apiKey: 'test', baseURL: `${provider.url}/v1`, maxRetries: 0, logLevel: 'off' });
});

afterAll(() => provider.close());

function withMock(mock: string): { headers: Record<string, string> } {
  return { headers: { 'x-mock': mock } };
}

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

function contentOf(chunks: ChatCompletionChunk[]): string {
  return chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
}

/** Reads a stream until it fails, returning what arrived before the failure. */
async function readUntilError(stream: AsyncIterable<ChatCompletionChunk>): Promise<{ chunks: ChatCompletionChunk[]; error: unknown }> {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (error) {
    return { chunks, error };
  }
  throw new Error(`the stream ended normally after ${chunks.length} chunks`);
}

describe('OpenAI chat completions through the official client', () => {
  it('answers a deterministic 20-word completion with usage from the prompt', async () => {
    const first = await client.chat.completions.create(PROMPT);
    const second = await client.chat.completions.create(PROMPT);

    expect(first).toMatchObject({
      object: 'chat.completion',
      model: 'mock-fast',
      system_fingerprint: 'fp_mock',
      choices: [{ index: 0, message: { role: 'assistant', refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: PROMPT_TOKENS, completion_tokens: 20, total_tokens: PROMPT_TOKENS + 20 },
    });
    expect(first.id).toMatch(/^chatcmpl-mock-[0-9a-f]+$/);
    expect(first.created).toBeGreaterThan(1_700_000_000);
    const content = first.choices[0].message.content ?? '';
    expect(content.split(' ')).toHaveLength(20);
    expect(second.choices[0].message.content).toBe(content);
    expect(second.id).not.toBe(first.id);
  });

  it('answers different prompts differently', async () => {
    const a = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'alpha' }] });
    const b = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'beta' }] });
    expect(a.choices[0].message.content).not.toBe(b.choices[0].message.content);
  });

  it('reads text parts of content arrays', async () => {
    const parts = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello, world!' }] }],
    });
    expect(parts.usage?.prompt_tokens).toBe(4 + 3);
  });

  it('stops at max_tokens or max_completion_tokens with finish_reason "length"', async () => {
    const capped = await client.chat.completions.create({ ...PROMPT, max_tokens: 5 });
    expect(capped.choices[0].finish_reason).toBe('length');
    expect(capped.choices[0].message.content?.split(' ')).toHaveLength(5);
    expect(capped.usage?.completion_tokens).toBe(5);

    const completionCap = await client.chat.completions.create({ ...PROMPT, max_completion_tokens: 3 });
    expect(completionCap.choices[0].finish_reason).toBe('length');
    expect(completionCap.usage?.completion_tokens).toBe(3);

    const roomy = await client.chat.completions.create({ ...PROMPT, max_tokens: 100 });
    expect(roomy.choices[0].finish_reason).toBe('stop');
  });

  it('streams one chunk per token that assemble to the non-streamed text', async () => {
    const expected = (await client.chat.completions.create(PROMPT)).choices[0].message.content;
    const chunks = await collect(await client.chat.completions.create({ ...PROMPT, stream: true }));

    expect(chunks).toHaveLength(1 + 20 + 1);
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks[1].choices[0].delta.content).not.toMatch(/^ /);
    expect(chunks[2].choices[0].delta.content).toMatch(/^ \S+$/);
    expect(chunks[21].choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(contentOf(chunks)).toBe(expected);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ object: 'chat.completion.chunk', model: 'mock-fast', system_fingerprint: 'fp_mock' });
      expect(chunk).not.toHaveProperty('usage');
    }
  });

  it('adds usage: null to every chunk and a final usage chunk with stream_options.include_usage', async () => {
    const chunks = await collect(
      await client.chat.completions.create({ ...PROMPT, stream: true, stream_options: { include_usage: true } }),
    );
    const last = chunks[chunks.length - 1];
    expect(chunks).toHaveLength(1 + 20 + 1 + 1);
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: PROMPT_TOKENS, completion_tokens: 20, total_tokens: PROMPT_TOKENS + 20 });
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
  });

  it('calls the first tool with tool_call', async () => {
    const completion = await client.chat.completions.create({ ...PROMPT, tools: TOOLS }, withMock('tool_call'));
    const choice = completion.choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([
      { id: expect.stringMatching(/^call_mock_[0-9a-f]+$/), type: 'function', function: { name: 'search_docs', arguments: '{"query":"mock"}' } },
    ]);
  });

  it('streams a tool call as deltas the SDK assembles', async () => {
    const stream = client.chat.completions.stream({ ...PROMPT, tools: TOOLS }, withMock('tool_call'));
    const final = await stream.finalChatCompletion();
    expect(final.choices[0].finish_reason).toBe('tool_calls');
    expect(final.choices[0].message.tool_calls?.[0]).toMatchObject({
      type: 'function',
      function: { name: 'search_docs', arguments: '{"query":"mock"}' },
    });

    const chunks = await collect(await client.chat.completions.create({ ...PROMPT, tools: TOOLS, stream: true }, withMock('tool_call')));
    const calls = chunks.map((chunk) => chunk.choices[0]?.delta.tool_calls?.[0]);
    expect(calls[1]).toMatchObject({ index: 0, id: expect.stringMatching(/^call_mock_/), type: 'function', function: { name: 'search_docs', arguments: '' } });
    expect(calls[2]?.function?.arguments).toBe('{"query":');
    expect(calls[3]?.function?.arguments).toBe('"mock"}');
  });

  it('answers text when tool_call is set but the request has no tools', async () => {
    const completion = await client.chat.completions.create(PROMPT, withMock('tool_call'));
    expect(completion.choices[0].finish_reason).toBe('stop');
    expect(completion.choices[0].message.content).toBeTruthy();
  });

  it('lists models in the OpenAI shape', async () => {
    const page = await client.models.list();
    expect(page.data.map((model) => model.id)).toEqual(['mock-fast', 'mock-smart']);
    expect(page.data[0]).toEqual({ id: 'mock-fast', object: 'model', created: expect.any(Number), owned_by: 'sluice-mock' });
  });
});

describe('OpenAI directives', () => {
  it('status=429 surfaces as a RateLimitError with retry-after', async () => {
    const error = await client.chat.completions.create(PROMPT, withMock('status=429')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as RateLimitError).type).toBe('rate_limit_error');
    expect((error as RateLimitError).headers.get('retry-after')).toBe('1');
  });

  it.each([
    [400, OpenAI.BadRequestError, 'invalid_request_error'],
    [401, OpenAI.AuthenticationError, 'authentication_error'],
    [403, OpenAI.PermissionDeniedError, 'permission_error'],
    [404, OpenAI.NotFoundError, 'not_found_error'],
    [500, OpenAI.InternalServerError, 'server_error'],
    [503, OpenAI.InternalServerError, 'server_error'],
  ])('status=%p surfaces as the typed error', async (status, type, errorType) => {
    const error = await client.chat.completions.create(PROMPT, withMock(`status=${status}`)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(type);
    expect((error as APIError).status).toBe(status);
    expect((error as APIError).type).toBe(errorType);
  });

  it('status applies to streaming requests too, before any frame', async () => {
    await expect(client.chat.completions.create({ ...PROMPT, stream: true }, withMock('status=503'))).rejects.toBeInstanceOf(
      OpenAI.InternalServerError,
    );
  });

  it('reads directives from the model name and echoes the model without them', async () => {
    await expect(client.chat.completions.create({ ...PROMPT, model: 'mock-fast+status=503' })).rejects.toMatchObject({ status: 503 });
    const completion = await client.chat.completions.create({ ...PROMPT, model: 'mock-fast+tokens=2' });
    expect(completion.model).toBe('mock-fast');
    expect(completion.usage?.completion_tokens).toBe(2);
  });

  it('reads directives from a [[mock: ...]] marker in the last user message only', async () => {
    const marked = await client.chat.completions.create({
      model: 'mock-fast',
      messages: [{ role: 'user', content: 'Hi there [[mock: tokens=4, status=500]] ok' }],
    }).catch((caught: unknown) => caught);
    expect(marked).toBeInstanceOf(OpenAI.InternalServerError);

    const earlier = await client.chat.completions.create({
      model: 'mock-fast',
      messages: [
        { role: 'user', content: 'first [[mock: status=500]]' },
        { role: 'assistant', content: 'sure' },
        { role: 'user', content: 'second [[mock: tokens=4]]' },
      ],
    });
    expect(earlier.usage?.completion_tokens).toBe(4);
  });

  it('merges sources with the later winning: model name, header, marker', async () => {
    const request = { model: 'mock-fast+tokens=2', messages: [{ role: 'user' as const, content: 'x [[mock: tokens=4]]' }] };
    expect((await client.chat.completions.create(request, withMock('tokens=3'))).usage?.completion_tokens).toBe(4);
    const withoutMarker = { ...request, messages: [{ role: 'user' as const, content: 'x' }] };
    expect((await client.chat.completions.create(withoutMarker, withMock('tokens=3'))).usage?.completion_tokens).toBe(3);
    expect((await client.chat.completions.create(withoutMarker)).usage?.completion_tokens).toBe(2);
  });

  it('tokens sets the completion length, still capped by max_tokens', async () => {
    const long = await client.chat.completions.create(PROMPT, withMock('tokens=37'));
    expect(long.choices[0].message.content?.split(' ')).toHaveLength(37);
    expect(long.usage?.completion_tokens).toBe(37);
    const capped = await client.chat.completions.create({ ...PROMPT, max_tokens: 10 }, withMock('tokens=37'));
    expect(capped.usage?.completion_tokens).toBe(10);
    expect(capped.choices[0].finish_reason).toBe('length');
  });

  it('headers_delay_ms waits before answering', async () => {
    const started = performance.now();
    await client.chat.completions.create(PROMPT, withMock('headers_delay_ms=80'));
    // Node timers run on a millisecond clock, so allow 1 ms of rounding.
    expect(performance.now() - started).toBeGreaterThanOrEqual(80 - 1);
  });

  it('chunk_delay_ms spaces the stream frames', async () => {
    const started = performance.now();
    const chunks = await collect(await client.chat.completions.create({ ...PROMPT, stream: true }, withMock('tokens=3; chunk_delay_ms=30')));
    expect(chunks).toHaveLength(5);
    // Six frames (role, 3 tokens, finish, [DONE]) are five gaps; four is a loose lower bound.
    expect(performance.now() - started).toBeGreaterThanOrEqual(4 * 30);
  });

  it('drop_after cuts the stream after exactly n content chunks', async () => {
    const { chunks, error } = await readUntilError(await client.chat.completions.create({ ...PROMPT, stream: true }, withMock('drop_after=3')));
    // undici's "terminated" TypeError comes from Node's realm, not Jest's, so match its shape, not its class.
    expect(error).toMatchObject({ message: expect.any(String) });
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta.content)).toHaveLength(3);
    expect(chunks.some((chunk) => chunk.choices[0]?.finish_reason)).toBe(false);
  });

  it('drop_after cuts a non-stream body in half', async () => {
    await expect(client.chat.completions.create(PROMPT, withMock('drop_after=1'))).rejects.toThrow();
  });

  it('invalid_json makes the SDK throw, streaming or not', async () => {
    await expect(client.chat.completions.create(PROMPT, withMock('invalid_json'))).rejects.toThrow();
    const { chunks, error } = await readUntilError(await client.chat.completions.create({ ...PROMPT, stream: true }, withMock('invalid_json')));
    expect(error).toBeInstanceOf(SyntaxError);
    expect(contentOf(chunks).split(' ')).toHaveLength(1);
  });

  it('stream_error surfaces as an APIError in the stream after the content', async () => {
    const { chunks, error } = await readUntilError(await client.chat.completions.create({ ...PROMPT, stream: true }, withMock('stream_error')));
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as APIError).message).toContain('stream_error');
    expect(contentOf(chunks).split(' ')).toHaveLength(20);
  });

  it('a bad directive is a 400 naming the key', async () => {
    const unknown = await client.chat.completions.create(PROMPT, withMock('explode=1')).catch((caught: unknown) => caught);
    expect(unknown).toBeInstanceOf(OpenAI.BadRequestError);
    expect((unknown as BadRequestError).message).toContain('"explode"');

    const badValue = await client.chat.completions.create({ ...PROMPT, model: 'mock-fast+tokens=lots' }).catch((caught: unknown) => caught);
    expect(badValue).toBeInstanceOf(OpenAI.BadRequestError);
    expect((badValue as BadRequestError).message).toContain('"tokens"');
  });
});
