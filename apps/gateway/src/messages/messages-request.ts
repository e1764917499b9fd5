import type { AnthropicMessagesRequest } from '@sluice/contracts';
import { fromMessagesRequest, type CanonicalRequest } from '@sluice/gateway/providers';
import type { InferenceRequest } from '../inference/inference-request';
import { SluiceException } from '@sluice/platform';
import { BodyChecker, contentProblem, isObject, withoutNullFields } from '../inference/request-validation';

const MAX_TOKENS_LIMIT = 10_000_000;

/**
 * A `/v1/messages` body (Anthropic Messages API) → the pipeline's request,
 * translated to the canonical Chat Completions form so any catalog model
 * can answer it.
 */
export function messagesRequest(body: unknown): InferenceRequest {
  const check = BodyChecker.of(body);
  check.string('model', { required: true, nonEmpty: true });
  check.number('max_tokens', 1, MAX_TOKENS_LIMIT, { integer: true, required: true });
  const messages = check.array('messages');
  if (check.body['messages'] === undefined || check.body['messages'] === null) check.add('messages', 'is required');
  else if (messages !== undefined && messages.length === 0) check.add('messages', 'must not be empty');
  messages?.forEach((message, index) => {
    const path = `messages.${index}`;
    if (!isObject(message)) return check.add(path, 'must be an object');
    if (message['role'] !== 'user' && message['role'] !== 'assistant') check.add(`${path}.role`, 'must be one of user, assistant');
    const problem = contentProblem(message['content'], false) ?? blocksProblem(message['content']);
    if (problem !== null) check.add(`${path}.content`, problem);
  });
  const system = check.body['system'];
  if (system !== undefined && contentProblem(system, false) !== null) check.add('system', 'must be a string or a list of text blocks');
  check.boolean('stream');
  check.number('temperature', 0, 1);
  check.number('top_p', 0, 1);
  check.number('top_k', 0, 1_000_000, { integer: true });
  const stops = check.array('stop_sequences');
  if (stops !== undefined && !stops.every((stop) => typeof stop === 'string')) check.add('stop_sequences', 'must be a list of strings');
  check.array('tools')?.forEach((tool, index) => {
    if (!isObject(tool) || typeof tool['name'] !== 'string') check.add(`tools.${index}`, 'must be a tool with a name');
  });
  check.object('tool_choice');
  check.object('metadata');
  check.done();

  const canonical = translated(withoutNullFields(check.body) as unknown as AnthropicMessagesRequest);
  return { canonical, tenantId: null, stream: canonical.stream === true };
}

/** What the translation reads of each block kind; other kinds are skipped by it. */
function blocksProblem(content: unknown): string | null {
  if (!Array.isArray(content)) return null;
  for (const block of content as Record<string, unknown>[]) {
    switch (block['type']) {
      case 'image':
        if (!isObject(block['source'])) return 'image blocks need a source object';
        break;
      case 'tool_use':
        if (typeof block['id'] !== 'string' || typeof block['name'] !== 'string') return 'tool_use blocks need a string id and name';
        break;
      case 'tool_result': {
        const result = block['content'];
        if (typeof block['tool_use_id'] !== 'string') return 'tool_result blocks need a string tool_use_id';
        if (result !== undefined && typeof result !== 'string' && contentProblem(result, false) !== null) return 'tool_result content must be a string or a list of blocks';
        break;
      }
    }
  }
  return null;
}

/**
 * Validation checks what the translation relies on; this is the net for
 * anything it missed (a 400, never a 500). The translation's own error is a
 * runtime message (a TypeError, a stack overflow), not for the caller.
 */
function translated(request: AnthropicMessagesRequest): CanonicalRequest {
  try {
    return fromMessagesRequest(request);
  } catch {
    throw new SluiceException('validation_error', 'The request could not be read as a Messages request', { messages: ['is malformed'] }, 'messages');
  }
}
