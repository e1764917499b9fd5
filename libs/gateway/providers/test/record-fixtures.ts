/**
 * Records the golden fixtures of the provider folders from the mock provider:
 *   TS_NODE_TRANSPILE_ONLY=true npx ts-node -P libs/gateway/providers/tsconfig.spec.json \
 *     -r tsconfig-paths/register libs/gateway/providers/test/record-fixtures.ts
 * The bytes are stored exactly as received; ids in them are the mock's.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMockProvider } from '@sluice/mock-provider';

const LIB = join(__dirname, '..', 'src', 'lib');
const OPENAI_TOOLS = [{ type: 'function', function: { name: 'search', description: 'Search', parameters: { type: 'object', properties: { query: { type: 'string' } } } } }];
const ANTHROPIC_TOOLS = [{ name: 'search', description: 'Search', input_schema: { type: 'object', properties: { query: { type: 'string' } } } }];
const USER = [{ role: 'user', content: 'Tell me about rivers' }];

interface Recording {
  folder: 'openai' | 'anthropic';
  file: string;
  path: '/v1/chat/completions' | '/v1/messages';
  body: Record<string, unknown>;
}

const RECORDINGS: Recording[] = [
  { folder: 'openai', file: 'chat-stream-text.sse', path: '/v1/chat/completions', body: { model: 'mock-gpt+tokens=6', messages: USER, stream: true, stream_options: { include_usage: true } } },
  { folder: 'openai', file: 'chat-stream-tool.sse', path: '/v1/chat/completions', body: { model: 'mock-gpt+tool_call', messages: USER, tools: OPENAI_TOOLS, stream: true, stream_options: { include_usage: true } } },
  { folder: 'openai', file: 'chat-stream-length.sse', path: '/v1/chat/completions', body: { model: 'mock-gpt', messages: USER, max_tokens: 3, stream: true } },
  { folder: 'openai', file: 'chat-stream-error.sse', path: '/v1/chat/completions', body: { model: 'mock-gpt+tokens=2+stream_error', messages: USER, stream: true } },
  { folder: 'openai', file: 'chat-text.json', path: '/v1/chat/completions', body: { model: 'mock-gpt+tokens=6', messages: USER } },
  { folder: 'openai', file: 'chat-tool.json', path: '/v1/chat/completions', body: { model: 'mock-gpt+tool_call', messages: USER, tools: OPENAI_TOOLS } },
  { folder: 'openai', file: 'chat-error-429.json', path: '/v1/chat/completions', body: { model: 'mock-gpt+status=429', messages: USER } },
  { folder: 'anthropic', file: 'messages-stream-text.sse', path: '/v1/messages', body: { model: 'mock-claude+tokens=6', messages: USER, max_tokens: 100, stream: true } },
  { folder: 'anthropic', file: 'messages-stream-tool.sse', path: '/v1/messages', body: { model: 'mock-claude+tool_call', messages: USER, tools: ANTHROPIC_TOOLS, max_tokens: 100, stream: true } },
  { folder: 'anthropic', file: 'messages-stream-length.sse', path: '/v1/messages', body: { model: 'mock-claude', messages: USER, max_tokens: 3, stream: true } },
  { folder: 'anthropic', file: 'messages-stream-error.sse', path: '/v1/messages', body: { model: 'mock-claude+tokens=2+stream_error', messages: USER, max_tokens: 100, stream: true } },
  { folder: 'anthropic', file: 'messages-text.json', path: '/v1/messages', body: { model: 'mock-claude+tokens=6', messages: USER, max_tokens: 100 } },
  { folder: 'anthropic', file: 'messages-tool.json', path: '/v1/messages', body: { model: 'mock-claude+tool_call', messages: USER, tools: ANTHROPIC_TOOLS, max_tokens: 100 } },
  { folder: 'anthropic', file: 'messages-error-529.json', path: '/v1/messages', body: { model: 'mock-claude+status=529', messages: USER, max_tokens: 100 } },
];

async function main(): Promise<void> {
  const mock = await startMockProvider();
  try {
    for (const recording of RECORDINGS) {
      const response = await fetch(mock.url + recording.path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(recording.body),
      });
      const bytes = Buffer.from(await response.arrayBuffer());
      writeFileSync(join(LIB, recording.folder, '__fixtures__', recording.file), bytes);
      console.log(`${recording.folder}/${recording.file}: HTTP ${response.status}, ${bytes.length} bytes`);
    }
  } finally {
    await mock.close();
  }
}

void main();
