import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import type { MessageCreateParamsNonStreaming, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { startMockProvider, type MockProvider } from './index';

const PROMPT: MessageCreateParamsNonStreaming = {
  model: 'mock-fast',
  max_tokens: 256,
  system: 'Be brief.',
  messages: [{ role: 'user', content: 'Hello, world!' }],
};
/** "Be brief." is 3 tokens (system: no per-message overhead), "Hello, world!" 4 plus 3. */
const INPUT_TOKENS = 3 + 4 + 3;
const TOOLS: Anthropic.Tool[] = [
  { name: 'search_docs', description: 'Search', input_schema: { type: 'object', properties: {} } },
  { name: 'other_tool', input_schema: { type: 'object' } },
];

let provider: MockProvider;
let client: Anthropic;

beforeAll(async () => {
  provider = await startMockProvider();
  // logLevel off: the SDK logs malformed frames before throwing, which the invalid_json tests cause on purpose.
  client = new Anthropic({ apiKey: 'test', baseURL: provider.url, maxRetries: 0, logLevel: 'off' });
});

afterAll(() => provider.close());

function withMock(mock: string): { headers: Record<string, string> } {
  return { headers: { 'x-mock': mock } };
}

function textOf(message: Anthropic.Message): string {
  const block = message.content[0];
  return block?.type === 'text' ? block.text : '';
}

/** Reads a raw event stream until it fails, returning what arrived before the failure. */
async function readUntilError(stream: AsyncIterable<RawMessageStreamEvent>): Promise<{ events: RawMessageStreamEvent[]; error: unknown }> {
  const events: RawMessageStreamEvent[] = [];
  try {
    for await (const event of stream) events.push(event);
  } catch (error) {
    return { events, error };
  }
  throw new Error(`the stream ended normally after ${events.length} events`);
}

function deltaCount(events: RawMessageStreamEvent[]): number {
  return events.filter((event) => event.type === 'content_block_delta').length;
}

describe('Anthropic messages through the official client', () => {
  it('answers a deterministic 20-word message with usage from the prompt', async () => {
    const first = await client.messages.create(PROMPT);
    const second = await client.messages.create(PROMPT);

    expect(first).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'mock-fast',
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: INPUT_TOKENS, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
    expect(first.id).toMatch(/^msg_mock_[0-9a-f]+$/);
    expect(first.content).toHaveLength(1);
    expect(textOf(first).split(' ')).toHaveLength(20);
    expect(textOf(second)).toBe(textOf(first));
    expect(second.id).not.toBe(first.id);
  });

  it('counts system and message text blocks', async () => {
    const message = await client.messages.create({
      model: 'm',
      max_tokens: 100,
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Hello, world!' }] },
        { role: 'assistant', content: 'Hi' },
        { role: 'user', content: 'Again' },
      ],
    });
    expect(message.usage.input_tokens).toBe(3 + (4 + 3) + (1 + 3) + (1 + 3));
  });

  it('stops at max_tokens with stop_reason "max_tokens"', async () => {
    const message = await client.messages.create({ ...PROMPT, max_tokens: 6 });
    expect(message.stop_reason).toBe('max_tokens');
    expect(textOf(message).split(' ')).toHaveLength(6);
    expect(message.usage.output_tokens).toBe(6);
  });

  it('streams the real event sequence, one delta per token', async () => {
    const expected = textOf(await client.messages.create(PROMPT));
    const stream = await client.messages.create({ ...PROMPT, stream: true });
    const events: RawMessageStreamEvent[] = [];
    for await (const event of stream) events.push(event);

    expect(events.map((event) => event.type)).toEqual([
      'message_start',
      'content_block_start',
      ...Array<string>(20).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[0]).toMatchObject({
      message: { model: 'mock-fast', content: [], stop_reason: null, usage: { input_tokens: INPUT_TOKENS, output_tokens: 1 } },
    });
    expect(events[1]).toEqual({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    expect(events[23]).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 20 },
    });
    const text = events.map((event) => (event.type === 'content_block_delta' && event.delta.type === 'text_delta' ? event.delta.text : '')).join('');
    expect(text).toBe(expected);
  });

  it('assembles the same message with messages.stream() and finalMessage()', async () => {
    const expected = await client.messages.create(PROMPT);
    const final = await client.messages.stream(PROMPT).finalMessage();
    expect(textOf(final)).toBe(textOf(expected));
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage).toMatchObject({ input_tokens: INPUT_TOKENS, output_tokens: 20 });
  });

  it('calls the first tool with tool_call', async () => {
    const message = await client.messages.create({ ...PROMPT, tools: TOOLS }, withMock('tool_call'));
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      { type: 'tool_use', id: expect.stringMatching(/^toolu_mock_[0-9a-f]+$/), name: 'search_docs', input: { query: 'mock' } },
    ]);
  });

  it('streams a tool call as input_json_delta pieces the SDK assembles', async () => {
    const final = await client.messages.stream({ ...PROMPT, tools: TOOLS }, withMock('tool_call')).finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content[0]).toMatchObject({ type: 'tool_use', name: 'search_docs', input: { query: 'mock' } });

    const events: RawMessageStreamEvent[] = [];
    for await (const event of await client.messages.create({ ...PROMPT, tools: TOOLS, stream: true }, withMock('tool_call'))) events.push(event);
    expect(events[1]).toMatchObject({ type: 'content_block_start', content_block: { type: 'tool_use', name: 'search_docs', input: {} } });
    expect(events.filter((event) => event.type === 'content_block_delta').map((event) => event.delta)).toEqual([
      { type: 'input_json_delta', partial_json: '{"query":' },
      { type: 'input_json_delta', partial_json: '"mock"}' },
    ]);
  });

  it('lists models in the Anthropic shape', async () => {
    const page = await client.models.list();
    expect(page.data.map((model) => model.id)).toEqual(['mock-fast', 'mock-smart']);
    expect(page.data[0]).toEqual({ type: 'model', id: 'mock-fast', display_name: 'Mock Fast', created_at: '2025-01-01T00:00:00Z' });
    expect(page.has_more).toBe(false);
  });
});

describe('Anthropic directives', () => {
  it.each([
    [400, Anthropic.BadRequestError, 'invalid_request_error'],
    [401, Anthropic.AuthenticationError, 'authentication_error'],
    [403, Anthropic.PermissionDeniedError, 'permission_error'],
    [404, Anthropic.NotFoundError, 'not_found_error'],
    [413, Anthropic.ContentTooLargeError, 'request_too_large'],
    [429, Anthropic.RateLimitError, 'rate_limit_error'],
    [500, Anthropic.InternalServerError, 'api_error'],
    [503, Anthropic.ServiceUnavailableError, 'api_error'],
    [529, Anthropic.OverloadedError, 'overloaded_error'],
  ])('status=%p surfaces as the typed error', async (status, type, errorType) => {
    const error = await client.messages.create(PROMPT, withMock(`status=${status}`)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(type);
    expect((error as APIError).status).toBe(status);
    expect((error as APIError).error).toEqual({ type: 'error', error: { type: errorType, message: expect.any(String) } });
  });

  it('reads directives from the model name and a message marker', async () => {
    await expect(client.messages.create({ ...PROMPT, model: 'mock-fast+status=529' })).rejects.toMatchObject({ status: 529 });
    const named = await client.messages.create({ ...PROMPT, model: 'mock-fast+tokens=2' });
    expect(named.model).toBe('mock-fast');
    expect(named.usage.output_tokens).toBe(2);

    const marked = await client.messages.create({
      ...PROMPT,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello [[mock: tokens=3]]' }] }],
    });
    expect(textOf(marked).split(' ')).toHaveLength(3);
  });

  it('headers_delay_ms waits before answering', async () => {
    const started = performance.now();
    await client.messages.create(PROMPT, withMock('headers_delay_ms=60'));
    // Node timers run on a millisecond clock, so allow 1 ms of rounding.
    expect(performance.now() - started).toBeGreaterThanOrEqual(60 - 1);
  });

  it('chunk_delay_ms spaces the stream frames', async () => {
    const started = performance.now();
    const final = await client.messages.stream(PROMPT, withMock('tokens=2+chunk_delay_ms=20')).finalMessage();
    expect(final.usage.output_tokens).toBe(2);
    // Nine frames are eight gaps; six is a loose lower bound.
    expect(performance.now() - started).toBeGreaterThanOrEqual(6 * 20);
  });

  it('drop_after cuts the stream after exactly n content deltas', async () => {
    const { events, error } = await readUntilError(await client.messages.create({ ...PROMPT, stream: true }, withMock('drop_after=4')));
    expect(error).toMatchObject({ message: expect.any(String) });
    expect(deltaCount(events)).toBe(4);
    await expect(client.messages.stream(PROMPT, withMock('drop_after=2')).finalMessage()).rejects.toThrow();
  });

  it('drop_after cuts a non-stream body in half', async () => {
    await expect(client.messages.create(PROMPT, withMock('drop_after=0'))).rejects.toThrow();
  });

  it('invalid_json makes the SDK throw, streaming or not', async () => {
    await expect(client.messages.create(PROMPT, withMock('invalid_json'))).rejects.toThrow();
    const { events, error } = await readUntilError(await client.messages.create({ ...PROMPT, stream: true }, withMock('invalid_json')));
    expect(error).toBeInstanceOf(SyntaxError);
    expect(deltaCount(events)).toBe(1);
  });

  it('stream_error surfaces as an overloaded_error in the stream after the content', async () => {
    const { events, error } = await readUntilError(await client.messages.create({ ...PROMPT, stream: true }, withMock('stream_error')));
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as APIError).error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    expect(deltaCount(events)).toBe(20);
    await expect(client.messages.stream(PROMPT, withMock('stream_error')).finalMessage()).rejects.toBeInstanceOf(Anthropic.APIError);
  });

  it('a bad directive is a 400 naming the key', async () => {
    const error = await client.messages.create(PROMPT, withMock('drop_after=soon')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as APIError).error).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringContaining('"drop_after"') } });
  });
});
