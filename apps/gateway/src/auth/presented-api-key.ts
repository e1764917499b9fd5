import type { IncomingHttpHeaders } from 'node:http';

// `Token <key>` is accepted as well as `Bearer <key>` on both apps' routes (README.md, API: signing in).
const AUTHORIZATION = /^(?:Bearer|Token)\s+(\S+)\s*$/i;

/**
 * The key a client sent: `Authorization: Bearer <key>` (OpenAI SDKs) or
 * `Token <key>`, or `x-api-key` (Anthropic SDKs). Authorization wins when both are present.
 */
export function presentedApiKey(headers: IncomingHttpHeaders): string | null {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = AUTHORIZATION.exec(authorization);
    if (match) return match[1];
  }
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.trim() !== '') return apiKey.trim();
  return null;
}
