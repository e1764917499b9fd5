import type { DeploymentRecord } from '@sluice/contracts';

/** Azure OpenAI's `api-version` when the deployment's base_url names none. */
export const DEFAULT_AZURE_API_VERSION = '2024-10-21';

const AZURE_DEPLOYMENT_PATH = /\/openai\/deployments\/[^/]+$/;
const AZURE_HOST = /\.(openai|cognitiveservices)\.azure\.com$/;
const VERSION_SEGMENT = /\/v\d+[a-z0-9]*$/;

export interface OpenAiEndpoint {
  url: string;
  /** Azure takes the key in `api-key`; everyone else in `Authorization: Bearer`. */
  azure: boolean;
}

const endpoints = new WeakMap<DeploymentRecord, OpenAiEndpoint>();

/** Resolved once per deployment record: the catalog's records live as long as the projection cache keeps them. */
export function chatCompletionsEndpoint(deployment: DeploymentRecord): OpenAiEndpoint {
  let endpoint = endpoints.get(deployment);
  if (endpoint === undefined) {
    endpoint = resolveChatCompletionsEndpoint(deployment.base_url);
    endpoints.set(deployment, endpoint);
  }
  return endpoint;
}

/**
 * Where a deployment's chat completions live. `base_url` may name the API
 * root with or without its version: `https://api.openai.com/v1`,
 * `http://vllm:8000/v1` and `http://127.0.0.1:9100` all work, the last
 * getting `/v1` added. An Azure deployment URL
 * (`https://x.openai.azure.com/openai/deployments/<d>`) gets
 * `/chat/completions` and an `api-version` query, its own or the default.
 */
export function resolveChatCompletionsEndpoint(baseUrl: string): OpenAiEndpoint {
  const url = new URL(baseUrl);
  const path = url.pathname.replace(/\/+$/, '');
  const azure = AZURE_HOST.test(url.hostname) || AZURE_DEPLOYMENT_PATH.test(path);
  if (AZURE_DEPLOYMENT_PATH.test(path)) {
    url.pathname = `${path}/chat/completions`;
    if (!url.searchParams.has('api-version')) url.searchParams.set('api-version', DEFAULT_AZURE_API_VERSION);
  } else {
    url.pathname = VERSION_SEGMENT.test(path) ? `${path}/chat/completions` : `${path}/v1/chat/completions`;
  }
  return { url: url.toString(), azure };
}

export function openAiHeaders(endpoint: OpenAiEndpoint, credential: string | null): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (credential !== null) {
    if (endpoint.azure) headers['api-key'] = credential;
    else headers['authorization'] = `Bearer ${credential}`;
  }
  return headers;
}
