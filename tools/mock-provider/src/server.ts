import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { anthropicProvider } from './anthropic';
import { planCompletion } from './completion';
import { DirectiveError, resolveDirectives, type Directives } from './directives';
import { openAiErrorBody } from './errors';
import { header, isGone, readBody, requestIdOf, sendHalfJsonAndDrop, sendJson, sleep } from './http';
import { ANTHROPIC_MODELS_BODY, OPENAI_MODELS_BODY } from './models';
import { openAiProvider } from './openai';
import { InvalidRequest, isObject, truncatedJson, type GenerationRequest, type Provider } from './provider';
import { writeSse } from './sse';

const HEALTH_BODY = Buffer.from(JSON.stringify({ status: 'ok', service: 'mock-provider' }));
/** Longer than any client's idle timeout, so the client, not the server, closes idle connections. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export interface MockProviderServerOptions {
  /** Called with every request as it arrives, before it is answered (tests read its headers). */
  onRequest?: (req: IncomingMessage) => void;
}

export function createMockProviderServer({ onRequest }: MockProviderServerOptions = {}): Server {
  const listener = onRequest
    ? (req: IncomingMessage, res: ServerResponse) => {
        onRequest(req);
        handle(req, res);
      }
    : handle;
  const server = createServer({ noDelay: true }, listener);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  return server;
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const requestId = requestIdOf(req);
  const path = routePath(req.url ?? '/');
  const method = req.method;
  switch (path) {
    case '/v1/chat/completions':
      if (method === 'POST') return generate(openAiProvider, req, res, requestId);
      break;
    case '/v1/messages':
      if (method === 'POST') return generate(anthropicProvider, req, res, requestId);
      break;
    case '/v1/models':
      if (method === 'GET') {
        const anthropic = req.headers['anthropic-version'] !== undefined;
        return sendJson(res, 200, anthropic ? ANTHROPIC_MODELS_BODY : OPENAI_MODELS_BODY, requestId);
      }
      break;
    case '/health':
      if (method === 'GET') return sendJson(res, 200, HEALTH_BODY, requestId);
      break;
  }
  req.resume();
  sendJson(res, 404, openAiErrorBody(404, `Unknown request URL: ${method} ${path}.`), requestId);
}

/** The path without its query string or one trailing slash. */
function routePath(url: string): string {
  let end = url.indexOf('?');
  if (end < 0) end = url.length;
  if (end > 1 && url.charCodeAt(end - 1) === 0x2f) end--;
  return end === url.length ? url : url.slice(0, end);
}

function generate(provider: Provider, req: IncomingMessage, res: ServerResponse, requestId: string): void {
  respond(provider, req, res, requestId).catch(() => {
    // A failed request stream (the client left) or a bug: answer if still possible, else cut the connection.
    if (res.headersSent || isGone(res)) res.destroy();
    else sendJson(res, 500, provider.errorBody(500, 'The mock provider failed to answer this request.'), requestId);
  });
}

async function respond(provider: Provider, req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
  const text = await readBody(req);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return sendJson(res, 400, provider.errorBody(400, provider.invalidJsonMessage), requestId);
  }
  if (!isObject(body)) return sendJson(res, 400, provider.errorBody(400, 'The request body must be a JSON object.'), requestId);

  let request: GenerationRequest;
  let directives: Readonly<Directives>;
  try {
    request = provider.parse(body);
    directives = resolveDirectives(request.modelDirectives, header(req, 'x-mock'), request.markerDirectives);
  } catch (error) {
    if (error instanceof InvalidRequest) return sendJson(res, 400, provider.errorBody(400, error.message, error.param), requestId);
    if (error instanceof DirectiveError) return sendJson(res, 400, provider.errorBody(400, error.message), requestId);
    throw error;
  }

  if (directives.headersDelayMs) {
    await sleep(directives.headersDelayMs);
    if (isGone(res)) return;
  }
  if (directives.status !== undefined) {
    const message = `Mock ${directives.status} error injected by the status directive`;
    return sendJson(res, directives.status, provider.errorBody(directives.status, message), requestId);
  }

  const completion = planCompletion(request.promptHash, request.maxTokens, request.toolName, directives);
  if (request.stream) {
    return writeSse(res, requestId, provider.frames(request, completion, directives), directives.chunkDelayMs ?? 0);
  }
  let json = provider.json(request, completion);
  if (directives.invalidJson) json = truncatedJson(json);
  if (directives.dropAfter !== undefined) return sendHalfJsonAndDrop(res, json, requestId);
  sendJson(res, 200, json, requestId);
}
