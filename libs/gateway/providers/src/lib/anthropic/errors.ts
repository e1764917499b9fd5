import { isRecord, mapUpstreamStatus, parseErrorJson } from '../errors';
import type { MappedError } from '../types';

/** `{type: "error", error: {type, message}}` */
export function mapAnthropicError(status: number, bodyText: string): MappedError {
  const json = parseErrorJson(bodyText);
  const error = json?.['error'];
  const message = isRecord(error) && typeof error['message'] === 'string' ? error['message'] : undefined;
  return mapUpstreamStatus(status, message);
}
