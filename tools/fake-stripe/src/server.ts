import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { StripeError } from './errors';
import { parseForm, type FormObject } from './form';
import { stripeId } from './ids';
import { newCheckoutSession, newCustomer, newInvoiceItem, newPortalSession, now, type CheckoutSession, type Customer, type InvoiceItem, type PortalSession } from './objects';
import { signatureHeader } from './signature';

/** What the next matching API calls get instead of (or before) their answer. */
export interface Fault {
  /** 500 or 429 (with `Retry-After`); absent: the call is only slowed down. */
  status?: 500 | 429;
  retryAfterSeconds?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Only calls whose path starts with this (`/v1/invoiceitems`); default every API call. */
  path?: string;
  /** Carry out the call, then cut the connection without answering: the caller cannot know it succeeded. */
  loseAnswer?: boolean;
  /** Carry out the call (it is recorded), then hold the answer this long: a caller killed meanwhile never learns it succeeded. */
  holdAnswerMs?: number;
  /** How many calls it applies to; default 1. */
  count?: number;
}

/** An API call as it reached the fake. */
export interface RecordedCall {
  method: string;
  path: string;
  idempotencyKey: string | null;
  params: FormObject;
  /** The status answered (a fault's included). */
  status: number;
}

export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  type: string;
  livemode: false;
  pending_webhooks: number;
  request: { id: null; idempotency_key: null };
  data: { object: Record<string, unknown> };
}

export interface Delivery {
  event: StripeEvent;
  /** Sluice's answer; null when no webhook URL is configured or it could not be reached. */
  status: number | null;
  body: string;
}

export interface SendOptions {
  /** Reuse an event id (a redelivery). */
  id?: string;
  created?: number;
  /** The signature's timestamp (default now): a stale or future one for tests. */
  signedAt?: number;
}

const API_VERSION = '2025-11-17.clover';
const JSON_TYPE = 'application/json';

/** The fake's state and behaviour, shared by its HTTP face and its in-process API. */
export class FakeStripeState {
  readonly customers = new Map<string, Customer>();
  readonly checkoutSessions = new Map<string, CheckoutSession>();
  readonly portalSessions = new Map<string, PortalSession>();
  readonly invoiceItems = new Map<string, InvoiceItem>();
  readonly events = new Map<string, StripeEvent>();
  readonly calls: RecordedCall[] = [];
  private readonly idempotent = new Map<string, { fingerprint: string; status: number; body: string }>();
  private readonly faults: Array<Required<Pick<Fault, 'count'>> & Fault> = [];
  baseUrl = '';

  constructor(
    public webhookUrl: string | null,
    public webhookSecret: string | null,
  ) {}

  injectFault(fault: Fault): void {
    this.faults.push({ ...fault, count: fault.count ?? 1 });
  }

  takeFault(path: string): Fault | null {
    const index = this.faults.findIndex((fault) => !fault.path || path.startsWith(fault.path));
    if (index < 0) return null;
    const fault = this.faults[index];
    if (--fault.count <= 0) this.faults.splice(index, 1);
    return fault;
  }

  /** Replays the stored answer of a key already used with the same request; another request with it is refused as Stripe does. */
  idempotentAnswer(key: string, fingerprint: string): { status: number; body: string } | null {
    const stored = this.idempotent.get(key);
    if (!stored) return null;
    if (stored.fingerprint !== fingerprint) {
      return {
        status: 400,
        body: new StripeError(400, 'idempotency_error', `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`).body(),
      };
    }
    return stored;
  }

  rememberIdempotent(key: string, fingerprint: string, status: number, body: string): void {
    this.idempotent.set(key, { fingerprint, status, body });
  }

  /** Stripe prunes idempotency keys after 24 hours: a test makes that time pass. */
  forgetIdempotencyKeys(): void {
    this.idempotent.clear();
  }

  /** `GET /v1/invoiceitems`: newest first, by customer, paged with `starting_after` as Stripe does. */
  listInvoiceItems(params: FormObject): object {
    const customer = typeof params['customer'] === 'string' ? params['customer'] : null;
    const created = params['created'];
    const gte = typeof created === 'object' && created !== null && !Array.isArray(created) && typeof created['gte'] === 'string' ? Number(created['gte']) : null;
    const limit = Math.min(100, Math.max(1, Number(typeof params['limit'] === 'string' ? params['limit'] : 10) || 10));
    const matching = [...this.invoiceItems.values()].reverse().filter((item) => (customer === null || item.customer === customer) && (gte === null || item.date >= gte));
    const after = typeof params['starting_after'] === 'string' ? matching.findIndex((item) => item.id === params['starting_after']) : -1;
    const rest = matching.slice(after + 1);
    return { object: 'list', url: '/v1/invoiceitems', has_more: rest.length > limit, data: rest.slice(0, limit) };
  }

  /** The customer completes checkout: the session is paid and `checkout.session.completed` is sent. */
  async payCheckoutSession(id: string, options: SendOptions = {}): Promise<Delivery> {
    const session = this.checkoutSessions.get(id);
    if (!session) throw new StripeError(404, 'invalid_request_error', `No such checkout session: '${id}'`, 'resource_missing', 'id');
    if (session.status !== 'open') throw new StripeError(400, 'invalid_request_error', `Checkout session ${id} is ${session.status}`, 'checkout_session_not_open');
    session.customer ??= this.createCustomer({ email: session.customer_email ?? '' }).id;
    session.status = 'complete';
    session.payment_status = 'paid';
    if (session.mode === 'subscription') session.subscription = stripeId('sub_', 24);
    session.invoice = session.mode === 'subscription' ? stripeId('in_', 24) : null;
    return this.sendEvent('checkout.session.completed', { ...session }, options);
  }

  createCustomer(params: FormObject): Customer {
    const customer = newCustomer(params);
    this.customers.set(customer.id, customer);
    return customer;
  }

  /** Builds (or, with an existing `id`, re-sends) an event and posts it signed to the webhook URL. */
  async sendEvent(type: string, object: Record<string, unknown>, options: SendOptions = {}): Promise<Delivery> {
    const existing = options.id ? this.events.get(options.id) : undefined;
    const event: StripeEvent = existing ?? {
      id: options.id ?? stripeId('evt_', 24),
      object: 'event',
      api_version: API_VERSION,
      created: options.created ?? now(),
      type,
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: { object },
    };
    this.events.set(event.id, event);
    return this.deliver(event, options.signedAt);
  }

  async deliver(event: StripeEvent, signedAt?: number): Promise<Delivery> {
    if (!this.webhookUrl || !this.webhookSecret) return { event, status: null, body: '' };
    const payload = JSON.stringify(event, null, 2);
    try {
      const response = await fetch(this.webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'stripe-signature': signatureHeader(payload, this.webhookSecret, signedAt),
        },
        body: payload,
      });
      return { event, status: response.status, body: await response.text() };
    } catch (error) {
      return { event, status: null, body: error instanceof Error ? error.message : String(error) };
    }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': JSON_TYPE,
    'content-length': String(Buffer.byteLength(body)),
    'request-id': stripeId('req_', 14),
    'stripe-version': API_VERSION,
    ...headers,
  });
  res.end(body);
}

function sendError(res: ServerResponse, error: StripeError, headers: Record<string, string> = {}): void {
  send(res, error.status, error.body(), headers);
}

type ApiRoute = (state: FakeStripeState, params: FormObject, match: RegExpMatchArray) => object;

const API_ROUTES: Array<{ method: string; path: RegExp; run: ApiRoute }> = [
  { method: 'POST', path: /^\/v1\/customers$/, run: (state, params) => state.createCustomer(params) },
  { method: 'GET', path: /^\/v1\/customers\/([^/]+)$/, run: (state, _, [, id]) => found(state.customers.get(id), 'customer', id) },
  {
    method: 'POST',
    path: /^\/v1\/checkout\/sessions$/,
    run: (state, params) => {
      const session = newCheckoutSession(params, state.baseUrl, state.customers);
      state.checkoutSessions.set(session.id, session);
      return session;
    },
  },
  { method: 'GET', path: /^\/v1\/checkout\/sessions\/([^/]+)$/, run: (state, _, [, id]) => found(state.checkoutSessions.get(id), 'checkout.session', id) },
  {
    method: 'POST',
    path: /^\/v1\/billing_portal\/sessions$/,
    run: (state, params) => {
      const session = newPortalSession(params, state.baseUrl, state.customers);
      state.portalSessions.set(session.id, session);
      return session;
    },
  },
  {
    method: 'POST',
    path: /^\/v1\/invoiceitems$/,
    run: (state, params) => {
      const item = newInvoiceItem(params, state.customers);
      state.invoiceItems.set(item.id, item);
      return item;
    },
  },
  {
    method: 'POST',
    path: /^\/v1\/customer_sessions$/,
    run: (state, params) => {
      const customer = typeof params['customer'] === 'string' ? params['customer'] : null;
      if (customer === null) throw new StripeError(400, 'invalid_request_error', 'Missing required param: customer.', 'parameter_missing', 'customer');
      found(state.customers.get(customer), 'customer', customer);
      const created = now();
      return { object: 'customer_session', client_secret: stripeId('cuss_secret_', 32), customer, components: params['components'] ?? {}, created, expires_at: created + 1_800, livemode: false };
    },
  },
  { method: 'GET', path: /^\/v1\/invoiceitems$/, run: (state, params) => state.listInvoiceItems(params) },
  { method: 'GET', path: /^\/v1\/invoiceitems\/([^/]+)$/, run: (state, _, [, id]) => found(state.invoiceItems.get(id), 'invoiceitem', id) },
];

function found<T>(value: T | undefined, kind: string, id: string): T {
  if (value === undefined) throw new StripeError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, 'resource_missing', 'id');
  return value;
}

async function handleApi(state: FakeStripeState, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const method = req.method ?? 'GET';
  const raw = await readBody(req);
  const params = parseForm(method === 'GET' ? new URL(req.url ?? '/', 'http://fake').search.slice(1) : raw);
  const idempotencyKey = method === 'POST' ? (req.headers['idempotency-key'] as string | undefined) ?? null : null;
  const record = (status: number) => state.calls.push({ method, path, idempotencyKey, params, status });

  if (!/^Bearer sk_(test|live)_\S+$/.test(req.headers.authorization ?? '')) {
    record(401);
    return sendError(res, new StripeError(401, 'authentication_error', 'Invalid API Key provided'));
  }
  const fault = state.takeFault(path);
  if (fault?.delayMs) await delay(fault.delayMs, undefined, { ref: false });
  if (res.destroyed) return;
  if (fault?.status === 429) {
    record(429);
    const retryAfter = String(fault.retryAfterSeconds ?? 1);
    return sendError(res, new StripeError(429, 'rate_limit_error', 'Too many requests made to the API too quickly', 'rate_limit'), { 'retry-after': retryAfter });
  }
  if (fault?.status === 500) {
    record(500);
    return sendError(res, new StripeError(500, 'api_error', 'An unknown error occurred (injected by fake-stripe)'));
  }

  const fingerprint = createHash('sha256').update(`${method} ${path} ${raw}`).digest('hex');
  if (idempotencyKey) {
    const stored = state.idempotentAnswer(idempotencyKey, fingerprint);
    if (stored) {
      record(stored.status);
      return send(res, stored.status, stored.body, { 'idempotent-replayed': 'true', 'idempotency-key': idempotencyKey });
    }
  }
  const route = API_ROUTES.find((candidate) => candidate.method === method && candidate.path.test(path));
  let status = 200;
  let body: string;
  if (!route) {
    status = 404;
    body = new StripeError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path}).`).body();
  } else {
    try {
      body = JSON.stringify(route.run(state, params, path.match(route.path) as RegExpMatchArray));
    } catch (error) {
      if (!(error instanceof StripeError)) throw error;
      status = error.status;
      body = error.body();
    }
  }
  if (idempotencyKey) state.rememberIdempotent(idempotencyKey, fingerprint, status, body);
  record(status);
  if (fault?.loseAnswer) return void res.socket?.destroy();
  if (fault?.holdAnswerMs) await delay(fault.holdAnswerMs, undefined, { ref: false });
  if (res.destroyed) return;
  send(res, status, body, idempotencyKey ? { 'idempotency-key': idempotencyKey } : {});
}

/** Test controls: pay a session, send an event, inject faults, point the webhooks somewhere. JSON in, JSON out. */
async function handleControl(state: FakeStripeState, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const raw = await readBody(req);
  let body: Record<string, unknown> = {};
  try {
    body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  } catch {
    return sendError(res, new StripeError(400, 'invalid_request_error', 'Control requests take a JSON body'));
  }
  const pay = path.match(/^\/_fake\/checkout\/sessions\/([^/]+)\/pay$/);
  if (req.method === 'POST' && pay) return send(res, 200, JSON.stringify(await state.payCheckoutSession(pay[1])));
  if (req.method === 'POST' && path === '/_fake/events') {
    const { type, object, id, created, signed_at: signedAt } = body as { type?: unknown; object?: unknown; id?: unknown; created?: unknown; signed_at?: unknown };
    if (typeof type !== 'string' || typeof object !== 'object' || object === null) {
      return sendError(res, new StripeError(400, 'invalid_request_error', 'Send {"type": "...", "object": {...}}'));
    }
    const options: SendOptions = {
      id: typeof id === 'string' ? id : undefined,
      created: typeof created === 'number' ? created : undefined,
      signedAt: typeof signedAt === 'number' ? signedAt : undefined,
    };
    return send(res, 200, JSON.stringify(await state.sendEvent(type, object as Record<string, unknown>, options)));
  }
  if (req.method === 'POST' && path === '/_fake/faults') {
    state.injectFault(body as Fault);
    return send(res, 200, JSON.stringify({ ok: true }));
  }
  if (req.method === 'POST' && path === '/_fake/webhook') {
    const { url, secret } = body as { url?: unknown; secret?: unknown };
    if (typeof url === 'string') state.webhookUrl = url;
    if (typeof secret === 'string') state.webhookSecret = secret;
    return send(res, 200, JSON.stringify({ url: state.webhookUrl }));
  }
  if (req.method === 'GET' && path === '/_fake/calls') return send(res, 200, JSON.stringify(state.calls));
  if (req.method === 'POST' && path === '/_fake/idempotency-keys/forget') {
    state.forgetIdempotencyKeys();
    return send(res, 200, JSON.stringify({ ok: true }));
  }
  return sendError(res, new StripeError(404, 'invalid_request_error', `Unrecognized control URL (${req.method}: ${path}).`));
}

/** The hosted pages a person opens: a checkout page with a Pay button, and a portal placeholder. */
async function handlePage(state: FakeStripeState, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const checkout = path.match(/^\/checkout\/([^/]+)(\/pay)?$/);
  const html = (status: number, content: string) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><meta charset="utf-8"><title>Fake Stripe</title><body style="font-family:sans-serif">${content}</body>`);
  };
  if (checkout) {
    const session = state.checkoutSessions.get(checkout[1]);
    if (!session) return html(404, '<p>No such checkout session.</p>');
    if (req.method === 'POST' && checkout[2]) {
      await readBody(req);
      if (session.status === 'open') await state.payCheckoutSession(session.id);
      res.writeHead(303, { location: session.success_url ?? '/' });
      res.end();
      return;
    }
    const amount = (session.amount_total / 100).toFixed(2);
    return html(
      200,
      `<h1>Fake Stripe Checkout</h1><p>${session.mode === 'payment' ? 'Credits' : 'Subscription'}: ${amount} ${session.currency.toUpperCase()}</p>` +
        (session.status === 'open' ? `<form method="post" action="/checkout/${session.id}/pay"><button>Pay</button></form>` : `<p>Paid.</p>`),
    );
  }
  if (/^\/portal\/bps_/.test(path)) return html(200, '<h1>Fake Stripe customer portal</h1>');
  if (path === '/health') return send(res, 200, JSON.stringify({ status: 'ok', service: 'fake-stripe' }));
  return html(404, '<p>Not found.</p>');
}

export function createFakeStripeServer(state: FakeStripeState): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const handler = path.startsWith('/v1/') ? handleApi : path.startsWith('/_fake/') ? handleControl : handlePage;
    handler(state, req, res, path).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (error instanceof StripeError) return sendError(res, error);
      sendError(res, new StripeError(500, 'api_error', error instanceof Error ? error.message : String(error)));
    });
  });
}
