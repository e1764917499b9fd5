/**
 * Every route the gateway serves, described for the route fuzzer
 * (fuzz.e2e-spec.ts): a request each accepts, and the fields, path and query
 * parameters that hostile input goes into. The fuzzer fails when the app
 * serves a route missing here, so a new route is fuzzed from the day it lands.
 * `{model}`, `{tenantId}` and `{key}` in bodies and paths are the fixtures'.
 */
export interface FuzzedRoute {
  method: 'GET' | 'POST';
  /** Path parameters in braces, as in OpenAPI. */
  path: string;
  body?: {
    /** A body the route answers 200. */
    valid: Record<string, unknown>;
    required: string[];
    /** Fields hostile values go into (dotted into lists and objects), beyond the top-level ones of `valid`. */
    fields: string[];
  };
  queryParams: string[];
}

const MESSAGES = [{ role: 'user', content: 'Hi' }];

export const FUZZED_ROUTES: FuzzedRoute[] = [
  {
    method: 'POST',
    path: '/v1/chat/completions',
    body: {
      valid: { model: '{model}', messages: MESSAGES, max_tokens: 8 },
      required: ['model', 'messages'],
      fields: [
        'messages.0',
        'messages.0.role',
        'messages.0.content',
        'messages.0.content.0',
        'messages.0.content.0.text',
        'messages.0.tool_calls',
        'messages.0.tool_calls.0.function.arguments',
        'stream',
        'stream_options',
        'stream_options.include_usage',
        'max_completion_tokens',
        'temperature',
        'top_p',
        'n',
        'stop',
        'user',
        'tenant_id',
        'response_format',
        'tools',
        'tools.0.function.parameters',
        'tool_choice',
        'metadata',
        'seed',
        'logit_bias',
      ],
    },
    queryParams: [],
  },
  {
    method: 'POST',
    path: '/v1/messages',
    body: {
      valid: { model: '{model}', max_tokens: 8, messages: MESSAGES },
      required: ['model', 'max_tokens', 'messages'],
      fields: [
        'messages.0',
        'messages.0.role',
        'messages.0.content',
        'messages.0.content.0',
        'messages.0.content.0.text',
        'messages.0.content.0.source',
        'system',
        'system.0.text',
        'stream',
        'temperature',
        'top_p',
        'top_k',
        'stop_sequences',
        'tools',
        'tools.0.input_schema',
        'tool_choice',
        'metadata',
        'metadata.user_id',
      ],
    },
    queryParams: [],
  },
  { method: 'GET', path: '/v1/models', queryParams: [] },
  { method: 'GET', path: '/v1/models/{id}', queryParams: [] },
  { method: 'GET', path: '/metrics/{tenantId}', queryParams: [] },
  { method: 'GET', path: '/health', queryParams: [] },
  { method: 'GET', path: '/health/live', queryParams: [] },
  { method: 'GET', path: '/health/ready', queryParams: [] },
];
