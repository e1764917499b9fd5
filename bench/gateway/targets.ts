/** One way of calling: the same body sent to the mock directly or through the gateway. */
export interface Target {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export type Shape = 'plain' | 'stream';

/** 20 completion tokens: a plain answer of 20 tokens, or a stream of 20 content chunks. */
const PROMPT = 'Benchmark request [[mock:tokens=20]]';

export function requestBody(model: string, shape: Shape): string {
  return JSON.stringify({ model, stream: shape === 'stream', messages: [{ role: 'user', content: PROMPT }] });
}

export function directTarget(mockUrl: string, model: string, shape: Shape): Target {
  return {
    url: `${mockUrl}/v1/chat/completions`,
    headers: { 'content-type': 'application/json', authorization: 'Bearer mock-secret' },
    body: requestBody(model, shape),
  };
}

export function gatewayTarget(gatewayUrl: string, secret: string, model: string, shape: Shape): Target {
  return {
    url: `${gatewayUrl}/v1/chat/completions`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: requestBody(model, shape),
  };
}
