import type { DeploymentRecord, OpenAiChatRequest } from '@sluice/contracts';
import type { BuildOptions, CanonicalRequest, UpstreamRequest } from '../types';
import { chatCompletionsEndpoint, openAiHeaders } from './api';

/**
 * The canonical request is already OpenAI's, so only the model, the stream
 * flag and usage reporting change; fields Sluice does not know pass through.
 * A stream always asks for usage (metering needs it: docs/limits.md, Metering); the
 * edge serializer drops the usage chunk when the client did not ask.
 */
export function buildOpenAiRequest(
  request: CanonicalRequest,
  deployment: DeploymentRecord,
  credential: string | null,
  options: BuildOptions,
): UpstreamRequest {
  const endpoint = chatCompletionsEndpoint(deployment);
  const { stream: _stream, stream_options: streamOptions, ...rest } = request;
  const body: OpenAiChatRequest = options.stream
    ? { ...rest, model: deployment.upstream_model, stream: true, stream_options: { ...streamOptions, include_usage: true } }
    : { ...rest, model: deployment.upstream_model };
  return { url: endpoint.url, headers: openAiHeaders(endpoint, credential), body: JSON.stringify(body) };
}
