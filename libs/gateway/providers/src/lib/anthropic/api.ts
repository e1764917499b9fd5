import type { DeploymentRecord } from '@sluice/contracts';

export const ANTHROPIC_VERSION = '2023-06-01';

const VERSION_SEGMENT = /\/v\d+[a-z0-9]*$/;
const urls = new WeakMap<DeploymentRecord, string>();

/** Resolved once per deployment record. */
export function messagesUrl(deployment: DeploymentRecord): string {
  let url = urls.get(deployment);
  if (url === undefined) {
    url = resolveMessagesUrl(deployment.base_url);
    urls.set(deployment, url);
  }
  return url;
}

/** `https://api.anthropic.com` (the SDK's base URL) and `https://api.anthropic.com/v1` both work. */
export function resolveMessagesUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = VERSION_SEGMENT.test(path) ? `${path}/messages` : `${path}/v1/messages`;
  return url.toString();
}

export function anthropicHeaders(credential: string | null): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'anthropic-version': ANTHROPIC_VERSION };
  if (credential !== null) headers['x-api-key'] = credential;
  return headers;
}
