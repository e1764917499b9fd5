import type { CanonicalRequest, CanonicalResponse, NormalizedEvent, StreamPassThrough, WireFormat } from '@sluice/gateway/providers';
import type { ErrorCode } from '@sluice/contracts';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { InferenceEndpoint } from '../metering/gateway-metrics';

/**
 * What the pipeline needs of one HTTP request, whoever received it: the
 * direct route on node:http (inference-routes.ts) or Fastify's route for
 * other spellings of the path. The pipeline writes its answer to `response`.
 */
export interface InferenceExchange {
  /** The request id (`x-request-id`, already on the response). */
  readonly id: string;
  readonly headers: IncomingHttpHeaders;
  /** The client's address, behind trusted proxies. */
  readonly ip: string;
  /** The parsed JSON body (undefined without one). */
  readonly body: unknown;
  readonly response: ServerResponse;
}

/** A validated inbound request in canonical (Chat Completions) form, the gateway's own fields taken out. */
export interface InferenceRequest {
  canonical: CanonicalRequest;
  /** The optional `tenant_id` of the request body: when sent, it must name the key's tenant (README.md, API: the gateway). */
  tenantId: string | null;
  stream: boolean;
}

/** Writes one stream's events in the client's wire format. */
export interface StreamWriter {
  /** The SSE text for one event; '' when it writes nothing. */
  write(event: NormalizedEvent): string;
}

/**
 * The client-facing side of one inbound API: how answers, streams and
 * in-stream errors look to its SDKs. The pipeline is the same for both.
 */
export interface ResponseEdge {
  readonly endpoint: InferenceEndpoint;
  /** `model`: the name the client asked for, echoed back as providers do. */
  streamWriter(request: CanonicalRequest, model: string): StreamWriter;
  /**
   * The upstream's stream relayed as its bytes, when this edge speaks the
   * upstream's format (docs/decisions.md, Gateway: stream pass-through);
   * undefined when it must be translated event by event.
   */
  streamPassThrough?(request: CanonicalRequest, model: string, upwireFormat: WireFormat): StreamPassThrough | undefined;
  streamError(code: ErrorCode, message: string): string;
  body(completion: CanonicalResponse, model: string): unknown;
  /**
   * The provider's answer relayed as its JSON text, when this edge speaks the
   * provider's format and the text needs no more than the model name
   * changed; undefined when `body` must build the answer.
   */
  answerText?(upstreamText: string, completion: CanonicalResponse, model: string, upstreamFormat: WireFormat): string | undefined;
}
