import type { CanonicalRequest } from '@sluice/gateway/providers';
import type { InferenceRequest } from '../inference/inference-request';
import { BodyChecker, contentProblem, isObject, withoutNullFields } from '../inference/request-validation';

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);
const MAX_TOKENS_LIMIT = 10_000_000;

/**
 * A `/v1/chat/completions` body → the pipeline's request. Checks what the
 * gateway relies on (model, messages, stream flags, token budgets, tools);
 * the rest passes through to OpenAI-compatible providers. `tenant_id` is
 * ours and never forwarded.
 */
export function chatCompletionRequest(body: unknown): InferenceRequest {
  const check = BodyChecker.of(body);
  check.string('model', { required: true, nonEmpty: true });
  const messages = check.array('messages');
  if (check.body['messages'] === undefined || check.body['messages'] === null) check.add('messages', 'is required');
  else if (messages !== undefined && messages.length === 0) check.add('messages', 'must not be empty');
  messages?.forEach((message, index) => {
    const path = `messages.${index}`;
    if (!isObject(message)) return check.add(path, 'must be an object');
    if (typeof message['role'] !== 'string' || !ROLES.has(message['role'])) check.add(`${path}.role`, `must be one of ${[...ROLES].join(', ')}`);
    const problem = contentProblem(message['content'], message['role'] === 'assistant');
    if (problem !== null) check.add(`${path}.content`, problem);
    const toolCalls = message['tool_calls'];
    if (toolCalls !== undefined && toolCalls !== null && (!Array.isArray(toolCalls) || !toolCalls.every(isToolCall))) {
      check.add(`${path}.tool_calls`, 'must be a list of function calls with an id, a name and string arguments');
    }
  });
  check.boolean('stream');
  check.object('stream_options');
  check.number('max_tokens', 1, MAX_TOKENS_LIMIT, { integer: true });
  check.number('max_completion_tokens', 1, MAX_TOKENS_LIMIT, { integer: true });
  check.number('temperature', 0, 2);
  check.number('top_p', 0, 1);
  // One choice per request: streams, usage estimates and the Messages and Anthropic translations follow a single choice,
  // so asking for more is refused rather than silently answered with one.
  if (check.body['n'] !== undefined && check.body['n'] !== null && check.body['n'] !== 1) check.add('n', 'must be 1 (the gateway returns one choice)');
  check.stringOrStrings('stop', 4);
  check.string('user');
  check.string('tenant_id', { nonEmpty: true });
  check.object('response_format');
  check.array('tools')?.forEach((tool, index) => {
    if (!isObject(tool) || !isObject(tool['function']) || typeof tool['function']['name'] !== 'string') {
      check.add(`tools.${index}`, 'must be a function tool with a function.name');
    }
  });
  check.done();

  const { tenant_id: tenantId, ...rest } = withoutNullFields(check.body);
  const canonical = rest as unknown as CanonicalRequest;
  return { canonical, tenantId: typeof tenantId === 'string' ? tenantId : null, stream: canonical.stream === true };
}

function isToolCall(call: unknown): boolean {
  if (!isObject(call) || typeof call['id'] !== 'string' || !isObject(call['function'])) return false;
  return typeof call['function']['name'] === 'string' && typeof call['function']['arguments'] === 'string';
}
