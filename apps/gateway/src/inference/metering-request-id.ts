import { REQUEST_ID_HEADER } from '@sluice/platform';
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * The id admission and the usage ledger know a request by. When the gateway
 * minted the request's `x-request-id` (the client sent none, or an unusable
 * one), that id is unique and already on the response: the client can find
 * its request in the ledger by it. A client's own `x-request-id` only names
 * the request in logs, since a client may repeat it; the ledger then gets a
 * fresh UUID.
 */
export function meteringRequestId(request: { id: string; headers: IncomingHttpHeaders }): string {
  return request.headers[REQUEST_ID_HEADER] === request.id ? randomUUID() : request.id;
}
