import { isRecord, mapUpstreamStatus, parseErrorJson } from '../errors';
import type { MappedError } from '../types';

/** OpenAI's `{error: {message}}`, Ollama's `{error: "text"}`, vLLM's `{message}`. */
export function mapOpenAiError(status: number, bodyText: string): MappedError {
  return mapUpstreamStatus(status, openAiErrorMessage(bodyText));
}

function openAiErrorMessage(bodyText: string): string | undefined {
  const json = parseErrorJson(bodyText);
  if (json === undefined) return undefined;
  const error = json['error'];
  if (typeof error === 'string') return error;
  if (isRecord(error) && typeof error['message'] === 'string') return error['message'];
  return typeof json['message'] === 'string' ? json['message'] : undefined;
}
