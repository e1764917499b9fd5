import type { ServerResponse } from 'node:http';

/** Every JSON answer's content type (what Fastify sends with a serialised object). */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Ends a raw response with `status` and the JSON `text`, over the headers already set. */
export function writeJson(response: ServerResponse, status: number, text: string): void {
  response.statusCode = status;
  response.setHeader('content-type', JSON_CONTENT_TYPE);
  response.setHeader('content-length', Buffer.byteLength(text));
  response.end(text);
}
