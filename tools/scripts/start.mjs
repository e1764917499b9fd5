#!/usr/bin/env node
// `npm start`: build, then run the control plane, the gateway, the mock
// provider, the mock partner services and the fake Stripe against the default (or configured) PostgreSQL and Redis, print how
// to call them, and stop them all on Ctrl-C. Their logs are one line each:
// requests, warnings and errors (`npm start -- --verbose` for everything).
// Variables already set in the environment win over the defaults below.
import { spawnSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { logLineFormatter } from './log-lines.mjs';
import { demoCheckoutUrl, demoIntegration, demoTraffic, seedDemo } from './seed-demo.mjs';
import { useLocalRegionDatabase } from './local-region-database.mjs';
import { Supervisor } from './supervisor.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const env = {
  NODE_ENV: 'development',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/sluice',
  REDIS_URL: 'redis://127.0.0.1:6379/0',
  CONTROL_PLANE_PORT: '8000',
  GATEWAY_PORT: '8080',
  MOCK_PROVIDER_PORT: '9100',
  // Development credentials of the platform admin created on an empty database.
  SLUICE_ADMIN_EMAIL: 'admin@sluice.local',
  SLUICE_ADMIN_PASSWORD: 'sluice-admin-password',
  ...process.env,
};
env.MOCK_PROVIDER_URL ??= `http://127.0.0.1:${env.MOCK_PROVIDER_PORT}`;
// Models whose provider has no credential here are answered by the mock (never in production); the gateway may reach only the mock's address.
if (env.NODE_ENV !== 'production') env.DEV_MOCK_UPSTREAM_URL ??= env.MOCK_PROVIDER_URL;
env.UPSTREAM_ALLOWED_PRIVATE_CIDRS ??= '127.0.0.1/32';
// Billing against the local fake Stripe (tools/fake-stripe) unless Stripe is configured already (docs/billing.md).
env.FAKE_STRIPE_PORT ??= '12111';
env.STRIPE_SECRET_KEY ??= 'sk_test_sluice_development';
env.STRIPE_WEBHOOK_SECRET ??= 'whsec_sluice_development';
env.STRIPE_API_BASE ??= `http://127.0.0.1:${env.FAKE_STRIPE_PORT}`;
env.FAKE_STRIPE_WEBHOOK_URL ??= `http://127.0.0.1:${env.CONTROL_PLANE_PORT}/api/billing/webhooks/stripe/`;
// Partner services for the demo integration (tools/mock-services); providers may reach this host only because of the allow-list.
env.MOCK_SERVICES_PORT ??= '9300';
env.INTEGRATIONS_ALLOWED_PRIVATE_CIDRS ??= '127.0.0.0/8';
const mockServicesUrl = `http://127.0.0.1:${env.MOCK_SERVICES_PORT}`;
// Outbound webhooks may reach receivers on this machine (docs/webhooks.md); WEBHOOK_RETRY_SCHEDULE, if set, passes through as it is.
env.WEBHOOK_ALLOWED_PRIVATE_CIDRS ??= '127.0.0.0/8';
// Mail (codes, invitations) goes to the local mail catcher (tools/mail-catcher) unless SMTP is configured already.
env.MAIL_CATCHER_HTTP_PORT ??= '1080';
env.MAIL_CATCHER_SMTP_PORT ??= '1025';
const catchingMail = env.SMTP_URL === undefined;
env.SMTP_URL ??= `smtp://127.0.0.1:${env.MAIL_CATCHER_SMTP_PORT}`;
const mailCatcherUrl = `http://127.0.0.1:${env.MAIL_CATCHER_HTTP_PORT}`;

const controlPlaneUrl = `http://127.0.0.1:${env.CONTROL_PLANE_PORT}`;
const gatewayUrl = `http://127.0.0.1:${env.GATEWAY_PORT}`;
// Private AI keys answer this as their `litellm_api_url` (docs/private-ai-keys.md).
env.GATEWAY_PUBLIC_URL ??= gatewayUrl;

function fail(message) {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(1);
}

function reachable(url, defaultPort) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || defaultPort), timeout: 1500 });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

async function checkDependencies() {
  const hint = 'start it with `docker compose up -d postgres redis`, or install the Debian packages (postgresql, redis-server)';
  // With REDIS_CLUSTER_NODES set, the apps never use REDIS_URL: neither does this check.
  const clusterNodes = (env.REDIS_CLUSTER_NODES ?? '').split(',').map((node) => node.trim()).filter(Boolean);
  const redis = clusterNodes.length > 0 ? clusterNodes.map((node) => ['Redis Cluster node', 'REDIS_CLUSTER_NODES', `redis://${node}`, 6379]) : [['Redis', 'REDIS_URL', env.REDIS_URL, 6379]];
  for (const [name, variable, url, port] of [['PostgreSQL', 'DATABASE_URL', env.DATABASE_URL, 5432], ...redis]) {
    const { host } = new URL(url);
    if (!(await reachable(url, port))) fail(`${name} is not answering at ${host.includes(':') ? host : `${host}:${port}`} (${variable}); ${hint}.`);
  }
}

function build() {
  process.stdout.write('Building control-plane, console, gateway, mock-provider, mock-services, fake-stripe and mail-catcher...\n');
  const result = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '-p', 'control-plane', 'console', 'gateway', 'mock-provider', 'mock-services', 'fake-stripe', 'mail-catcher', '--outputStyle=static'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
  });
  if (result.status !== 0) {
    process.stdout.write(result.stdout);
    fail('the build failed (output above)');
  }
}

const verbose = process.argv.includes('--verbose');
const format = logLineFormatter({ verbose, color: process.stdout.isTTY });
/** Resolves when a child logs a line containing the awaited text (see `logged`). */
const awaited = new Map();
const supervisor = new Supervisor({
  onLine: (name, stream, line) => {
    for (const [text, resolve] of awaited) if (line.includes(text)) resolve();
    const shown = format(name, line);
    if (shown !== null) (stream === 'stderr' ? process.stderr : process.stdout).write(`${shown}\n`);
  },
  say: (message) => process.stdout.write(`npm start: ${message}\n`),
  // The apps' own shutdown deadline (drain pause plus grace), and a little more.
  stopDeadlineMs: Number(env.SHUTDOWN_DRAIN_DELAY_MS ?? 0) + Number(env.SHUTDOWN_GRACE_MS ?? 25_000) + 5_000,
});
const stopping = () => supervisor.stopping;

function run(name, script, options = {}) {
  supervisor.run(name, process.execPath, ['--enable-source-maps', join(root, script)], { cwd: root, env, ...options });
}

/** Waits until a child logs `text` (a request id), for at most `deadlineMs`: its log may be quieter than expected. */
function logged(text, deadlineMs = 2_000) {
  return new Promise((resolve) => {
    const done = () => {
      awaited.delete(text);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, deadlineMs);
    awaited.set(text, done);
  });
}

async function waitForHealth(url, deadlineMs = 60_000) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline && !stopping()) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (!stopping()) {
    process.stderr.write(`npm start: ${url} did not become ready within ${deadlineMs / 1000} s\n`);
    supervisor.stop(1);
  }
}

supervisor.handleSignals();
void supervisor.finished.then((code) => {
  if (code === 0) process.stdout.write('npm start: stopped\n');
  process.exit(code);
});

await checkDependencies();
build();
run('mock-provider', 'dist/tools/mock-provider/main.js', { stopLast: true });
run('fake-stripe', 'dist/tools/fake-stripe/main.js', { stopLast: true });
run('mock-services', 'dist/tools/mock-services/main.js', { stopLast: true });
if (catchingMail) run('mail-catcher', 'dist/tools/mail-catcher/main.js', { stopLast: true });
run('control-plane', 'dist/apps/control-plane/main.js');
run('gateway', 'dist/apps/gateway/main.js');
await Promise.all([
  waitForHealth(`${env.MOCK_PROVIDER_URL}/health`),
  waitForHealth(`http://127.0.0.1:${env.FAKE_STRIPE_PORT}/health`),
  waitForHealth(`${mockServicesUrl}/api/mock/health/`),
  ...(catchingMail ? [waitForHealth(`${mailCatcherUrl}/health`)] : []),
  waitForHealth(`${controlPlaneUrl}/health/ready`),
  waitForHealth(`${gatewayUrl}/health/ready`),
]);
let demo;
let checkoutLine = '';
let integrationLines = '';
if (!stopping()) {
  try {
    const requestIdPrefix = `npm-start-${randomUUID()}`;
    demo = await seedDemo(controlPlaneUrl, { adminEmail: env.SLUICE_ADMIN_EMAIL, adminPassword: env.SLUICE_ADMIN_PASSWORD, requestIdPrefix });
    // A Checkout page for the demo tenant's credits: its Pay button makes the fake Stripe send the signed webhook.
    let lastRequestId = demo.lastRequestId;
    checkoutLine = await demoCheckoutUrl(controlPlaneUrl, demo, { requestIdPrefix: `${requestIdPrefix}-checkout` }).then(
      (checkout) => {
        lastRequestId = checkout.lastRequestId;
        return `Buy credits for the demo tenant (fake Stripe Checkout; Pay sends the signed webhook):\n  ${checkout.url}\n`;
      },
      (error) => `Demo checkout unavailable: ${error.message}\n`,
    );
    // The local PostgreSQL as the `local` region's server for private AI keys.
    checkoutLine += await useLocalRegionDatabase(controlPlaneUrl, env.DATABASE_URL, {
      adminEmail: env.SLUICE_ADMIN_EMAIL,
      adminPassword: env.SLUICE_ADMIN_PASSWORD,
      requestIdPrefix: `${requestIdPrefix}-region`,
    }).then(
      (region) => {
        lastRequestId = region.lastRequestId;
        return '';
      },
      (error) => `Private AI keys unavailable (the local region has no database server): ${error.message}\n`,
    );
    integrationLines = await demoIntegration(controlPlaneUrl, demo, { mockServicesUrl, requestIdPrefix: `${requestIdPrefix}-integration` }).then(
      (integration) => {
        lastRequestId = integration.lastRequestId;
        return integrationHowTo(integration);
      },
      (error) => `Demo integration unavailable: ${error.message}\n`,
    );
    // Some usage for the console's charts; a failure here is reported, not fatal.
    const traffic = await demoTraffic(gatewayUrl, demo, { requestIdPrefix: `${requestIdPrefix}-traffic` }).catch((error) => {
      process.stderr.write(`npm start: the demo requests failed: ${error.message}\n`);
      return null;
    });
    // The ready block comes last: after the apps have logged the set-up's own requests.
    await logged(`"id":"${lastRequestId}"`);
    if (traffic) await logged(`"id":"${traffic.lastRequestId}"`);
  } catch (error) {
    process.stderr.write(`npm start: seeding the demo tenant failed: ${error.message}\n`);
    supervisor.stop(1);
  }
}

/** How to send the demo provider a signed event and trigger a sync (docs/integrations.md). */
function integrationHowTo(integration) {
  const body = JSON.stringify({ event_type: 'payment.succeeded', event_id: `evt_demo_${randomUUID().slice(0, 8)}`, data: { payment_id: 'pay_123', amount: 1000, currency: 'usd' } });
  const signature = `sha256=${createHmac('sha256', integration.secret).update(body).digest('hex')}`;
  return `Integrations: the demo tenant's provider ${integration.name} talks to the mock partner services (secret ${integration.secret}; docs/integrations.md).
  Send it a signed event (202; then see it processed):
  curl ${controlPlaneUrl}/api/integrations/webhooks/${integration.name}/ -H 'content-type: application/json' -H 'x-tenant-domain: demo' -H 'x-signature: ${signature}' -d '${body}'
  curl ${controlPlaneUrl}/api/integrations/events/ -H 'authorization: Bearer <demo owner token>'
  Trigger a sync of the partner's users, then watch it:
  curl ${controlPlaneUrl}/api/integrations/sync/trigger/ -H 'authorization: Bearer <demo owner token>' -H 'content-type: application/json' -d '{"provider":"${integration.id}","sync_type":"users"}'
  curl ${controlPlaneUrl}/api/integrations/data-sync/ -H 'authorization: Bearer <demo owner token>'
`;
}

if (!stopping()) {
  process.stdout.write(`
Sluice is up.
  console         ${controlPlaneUrl}/console/   sign in as the platform admin or the demo tenant owner (below)
  control plane   ${controlPlaneUrl}        health: curl ${controlPlaneUrl}/health/   docs: ${controlPlaneUrl}/docs
  AI gateway      ${gatewayUrl}        health: curl ${gatewayUrl}/health
  mock provider   ${env.MOCK_PROVIDER_URL}
  fake Stripe     ${env.STRIPE_API_BASE}
  mock services   ${mockServicesUrl}/api/mock   health: curl ${mockServicesUrl}/api/mock/health/
  mail            ${catchingMail ? `caught locally, read it: curl ${mailCatcherUrl}/messages` : `sent through ${env.SMTP_URL.replace(/\/\/[^@/]*@/, '//***@')}`}
  models without provider credentials (gpt-4, claude-3-sonnet, ...): ${env.DEV_MOCK_UPSTREAM_URL ? 'answered by the mock provider, marked x-sluice-upstream: mock' : '503 provider_not_configured'}
Readiness: curl ${controlPlaneUrl}/health/ready   curl ${gatewayUrl}/health/ready
Metrics:   curl http://127.0.0.1:${env.CONTROL_PLANE_METRICS_PORT ?? 9464}/metrics   curl http://127.0.0.1:${env.GATEWAY_METRICS_PORT ?? 9465}/metrics
Try the mock provider directly:
  curl ${env.MOCK_PROVIDER_URL}/v1/chat/completions -H 'content-type: application/json' -d '{"model":"mock-fast","messages":[{"role":"user","content":"Hello"}]}'
Sign in (platform admin ${env.SLUICE_ADMIN_EMAIL} / ${env.SLUICE_ADMIN_PASSWORD}; demo tenant owner ${demo.ownerEmail} / ${demo.ownerPassword}):
  curl ${controlPlaneUrl}/api/auth/token/ -H 'content-type: application/json' -d '{"email":"${demo.ownerEmail}","password":"${demo.ownerPassword}"}'
Call the gateway with the demo tenant's API key (a test key: it reaches the sandbox mock-* models):
  curl ${gatewayUrl}/v1/models -H 'authorization: Bearer ${demo.apiKey}'
  curl -N ${gatewayUrl}/v1/chat/completions -H 'authorization: Bearer ${demo.apiKey}' -H 'content-type: application/json' -d '{"model":"mock-fast","stream":true,"messages":[{"role":"user","content":"Hello"}]}'
  curl ${gatewayUrl}/v1/chat/completions -H 'authorization: Bearer ${demo.apiKey}' -H 'content-type: application/json' -d '{"model":"mock-fast","messages":[{"role":"user","content":"Hello"}]}'
Create API keys of your own: README.md, "API keys". The demo key above changes on every npm start.
Webhooks (docs/webhooks.md): start a receiver on this machine, register it for the demo tenant, send a test, read the delivery log:
  node -e "require('http').createServer((q,s)=>{let b='';q.on('data',c=>b+=c).on('end',()=>{console.log(q.headers['webhook-id'],b);s.end()})}).listen(9400)" &
  OWNER=$(curl -s ${controlPlaneUrl}/api/auth/token/ -H 'content-type: application/json' -d '{"email":"${demo.ownerEmail}","password":"${demo.ownerPassword}"}' | jq -r .access)
  HOOK=$(curl -s ${controlPlaneUrl}/api/webhooks/ -H "authorization: Bearer $OWNER" -H 'content-type: application/json' -d '{"tenant":"${demo.tenantSlug}","url":"http://127.0.0.1:9400/hook","events":["key.created","key.revoked","key.rotated"]}' | jq -r .id)
  curl -s -X POST ${controlPlaneUrl}/api/webhooks/$HOOK/test/ -H "authorization: Bearer $OWNER"; sleep 1
  curl -s ${controlPlaneUrl}/api/webhooks/$HOOK/deliveries/ -H "authorization: Bearer $OWNER" | jq '.results[0]'
${checkoutLine}${integrationLines}Logs below: one line per request, warning or error (npm start -- --verbose for everything).
Press Ctrl-C to stop them all.
`);
}
