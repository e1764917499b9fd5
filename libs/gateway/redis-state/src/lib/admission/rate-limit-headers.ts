import type { RateLimitState } from './admission.types';

/**
 * The rate-limit headers (docs/limits.md): `X-RateLimit-*` for the tightest request window,
 * and OpenAI's `x-ratelimit-*-requests` / `-tokens`, which SDKs and dashboards read.
 * Token headers appear only when a token window applies.
 */
export function rateLimitHeaders({ requests, tokens }: RateLimitState): Record<string, string> {
  const headers: Record<string, string> = {};
  if (requests) {
    headers['X-RateLimit-Limit'] = String(requests.limit);
    headers['X-RateLimit-Remaining'] = String(requests.remaining);
    headers['X-RateLimit-Reset'] = String(requests.resetEpochSeconds);
    headers['x-ratelimit-limit-requests'] = String(requests.limit);
    headers['x-ratelimit-remaining-requests'] = String(requests.remaining);
  }
  if (tokens) {
    headers['x-ratelimit-limit-tokens'] = String(tokens.limit);
    headers['x-ratelimit-remaining-tokens'] = String(tokens.remaining);
  }
  return headers;
}
