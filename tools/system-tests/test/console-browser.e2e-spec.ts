import { addMember, createActiveTenant, TEST_PASSWORD, unique, waitUntil } from '@sluice/testing';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ADMIN_EMAIL, Cluster } from './support/cluster';

const REPO_ROOT = resolve(__dirname, '../../..');
/** Where a reviewer finds a picture of every page after a run (gitignored). */
const SCREENSHOTS = join(REPO_ROOT, 'tmp/console-screenshots');
/** Debian's Chromium (.ci/run installs it); nothing here downloads a browser. */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const START_DEADLINE_MS = 180_000;
/** Key propagation to the gateway, metering into the usage tables: seconds, polled. */
const PROPAGATION_DEADLINE_MS = 15_000;
const STEP_TIMEOUT_MS = 60_000;
const FIRST_LOAD_BUDGET_BYTES = 300 * 1024;

interface BrowserGlobals {
  document: { cookie: string };
  fetch: typeof fetch;
}

/**
 * The console in a real browser against the real apps (control plane serving
 * the built console, gateway, mock provider) on a fresh database: the
 * acceptance walk, a key's whole life, a viewer, and another tenant's data.
 */
describe('web console in Chromium', () => {
  let cluster: Cluster;
  let browser: Browser;
  let page: Page;
  let buildDir: string;
  let origin: string;
  let acme: { id: string; slug: string };
  let globex: { id: string; slug: string };
  const viewerEmail = `${unique('viewer')}@example.com`;
  const keyName = unique('console-key');
  const requested: string[] = [];
  /** A local webhook receiver (the control plane may call loopback here only because the test opens 127.0.0.0/8). */
  let receiver: Server;
  let receiverUrl: string;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install Debian's package (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH`);
    buildDir = mkdtempSync(join(tmpdir(), 'sluice-console-build-'));
    const build = spawnSync(process.execPath, [require.resolve('vite/bin/vite.js'), 'build', '--config', 'apps/console/vite.config.mts', '--outDir', buildDir, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      // Jest sets NODE_ENV=test, which would give React's development build.
      env: { ...process.env, NODE_ENV: 'production' },
    });
    if (build.status !== 0) throw new Error(`console build failed:\n${build.stdout}\n${build.stderr}`);
    receiver = createServer((request, response) => request.resume().on('end', () => response.writeHead(204).end()));
    await new Promise<void>((listening) => receiver.listen(0, '127.0.0.1', listening));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    cluster = await Cluster.start({ controlPlanes: 1, gateways: 1, controlPlaneEnv: { CONSOLE_DIR: buildDir, WEBHOOK_ALLOWED_PRIVATE_CIDRS: '127.0.0.0/8' } });
    origin = cluster.controlPlanes[0].url;
    acme = await createActiveTenant(cluster.call, cluster.adminToken, unique('acme'));
    globex = await createActiveTenant(cluster.call, cluster.adminToken, unique('globex'));
    await addMember(cluster.call, cluster.adminToken, acme.id, viewerEmail, 'viewer');
    const foreign = await cluster.call('POST', '/api/api-keys/', { token: cluster.adminToken, body: { tenant: globex.id, name: 'globex-only-key' } });
    expect(foreign.status).toBe(201);
    rmSync(SCREENSHOTS, { recursive: true, force: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, chromiumSandbox: false });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    page = await context.newPage();
    page.on('request', (request) => requested.push(request.url()));
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  }, START_DEADLINE_MS);

  afterAll(async () => {
    await browser?.close();
    await cluster?.close();
    await new Promise((closed) => (receiver ? receiver.close(closed) : closed(undefined)));
    if (buildDir) rmSync(buildDir, { recursive: true, force: true });
  }, START_DEADLINE_MS);

  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const open = async (label: string, heading: string | RegExp) => {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: label, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  };
  const signIn = async (email: string) => {
    await page.goto(`${origin}/console/`);
    await page.locator('input[type=email]').fill(email);
    await page.locator('input[type=password]').fill(TEST_PASSWORD);
    await page.locator('input[type=password]').press('Enter');
    await page.getByRole('heading', { level: 1, name: /^Overview of / }).waitFor();
  };
  const chat = async (secret: string) => {
    const response = await fetch(`${cluster.gateways[0].url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-fast', messages: [{ role: 'user', content: 'hello from the console test' }], max_tokens: 20 }),
    });
    await response.arrayBuffer();
    return response.status;
  };
  /** A call from the signed-in page itself: its session cookie, and the CSRF token the page can read. */
  const callFromPage = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
    page.evaluate(
      async ({ method, path, headers, body }) => {
        const browserGlobals = globalThis as unknown as BrowserGlobals;
        const csrf = /(?:^|; )csrf_token=([^;]*)/.exec(browserGlobals.document.cookie)?.[1] ?? '';
        const response = await browserGlobals.fetch(path, {
          method,
          headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), 'x-csrf-token': decodeURIComponent(csrf), ...headers },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return response.status;
      },
      { method, path, headers, body },
    );

  it('loads in under 300 KB gzipped on first visit', () => {
    const assets = readdirSync(join(buildDir, 'assets')).filter((name) => /\.(js|css)$/.test(name));
    const gzipped = ['index.html', ...assets.map((name) => join('assets', name))].reduce((sum, file) => sum + gzipSync(readFileSync(join(buildDir, file))).length, 0);
    process.stdout.write(`console first load: ${(gzipped / 1024).toFixed(1)} KiB gzipped (${assets.join(', ')})\n`);
    expect(gzipped).toBeLessThan(FIRST_LOAD_BUDGET_BYTES);
  });

  it(
    'signs the platform admin in with Enter and lands on the overview with a usage chart and the navigation',
    async () => {
      await signIn(ADMIN_EMAIL);
      await page.locator('figure.chart canvas').first().waitFor();
      const navigation = page.getByRole('navigation', { name: 'Console' });
      for (const label of ['Overview', 'Usage', 'API keys', 'Members and teams', 'Audit log', 'Limits and quota', 'Credits', 'Webhooks', 'Integrations', 'Tenants']) {
        await expectVisible(navigation.getByRole('link', { name: label, exact: true }));
      }
      await page.locator('.tenant-switcher select').selectOption(acme.slug);
      await page.getByRole('heading', { level: 1, name: `Overview of Tenant ${acme.slug}` }).waitFor();
      await shot('01-overview');
    },
    STEP_TIMEOUT_MS,
  );

  let secret = '';

  it(
    'creates a key whose secret it shows once, and the gateway takes that secret',
    async () => {
      await open('API keys', 'API keys');
      await page.getByLabel('Name', { exact: true }).fill(keyName);
      // The API's field error lands next to its field, in the API's words.
      const ips = page.getByLabel('IP allow-list');
      await ips.fill('not-an-address');
      await page.getByRole('button', { name: 'Create key' }).click();
      await page.locator('input[name=allowed_ips][aria-invalid=true]').waitFor();
      const ipError = (await page.locator('.field', { has: ips }).locator('.field-error').textContent()) ?? '';
      expect(ipError.length).toBeGreaterThan(0);
      await shot('02-keys-field-error');
      await ips.fill('');
      await page.getByRole('button', { name: 'Create key' }).click();
      const shown = page.getByTestId('secret-value');
      await shown.waitFor();
      secret = (await shown.textContent()) ?? '';
      expect(secret).toMatch(/^slk_/);
      await page.getByRole('button', { name: 'Copy', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
      await shot('03-keys-secret-once');
      await page.getByRole('button', { name: 'I have stored it' }).click();
      await page.getByRole('row', { name: new RegExp(keyName) }).waitFor();
      expect(await page.content()).not.toContain(secret);
      await page.reload();
      await page.getByRole('row', { name: new RegExp(keyName) }).waitFor();
      expect(await page.content()).not.toContain(secret);
      // Another tenant's key never shows up here.
      expect(await page.getByText('globex-only-key').count()).toBe(0);
      await shot('04-keys');
      await waitUntil(async () => (await chat(secret)) === 200, PROPAGATION_DEADLINE_MS, 'the gateway to serve the new key');
    },
    STEP_TIMEOUT_MS,
  );

  it(
    "shows the gateway's request on the usage chart once it is metered",
    async () => {
      await open('Overview', /^Overview of /);
      const requestsChart = page.locator('figure.chart').first();
      await waitUntil(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          await page.locator('figure.chart').first().waitFor();
          return Number(await requestsChart.getAttribute('data-total')) >= 1;
        },
        PROPAGATION_DEADLINE_MS,
        'the usage chart to count the request',
      );
      await expectVisible(requestsChart.getByText('Requests: 1 in 30 days'));
      await shot('05-overview-after-request');
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'revokes the key, and the gateway refuses it',
    async () => {
      await open('API keys', 'API keys');
      const row = page.getByRole('row', { name: new RegExp(keyName) });
      await row.getByRole('button', { name: 'Revoke', exact: true }).click();
      await page.getByRole('button', { name: `Confirm revoking ${keyName}` }).click();
      await row.waitFor({ state: 'detached' });
      await waitUntil(async () => (await chat(secret)) === 401, PROPAGATION_DEADLINE_MS, 'the gateway to refuse the revoked key');
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'adds a webhook endpoint, shows its signing secret once, and logs a test delivery',
    async () => {
      await open('Webhooks', 'Webhooks');
      const form = page.getByRole('form', { name: 'Add an endpoint' });
      await form.getByLabel('URL').fill(receiverUrl);
      await form.getByLabel('key.created').check();
      await form.getByRole('button', { name: 'Add endpoint' }).click();
      const shown = page.getByTestId('secret-value');
      await shown.waitFor();
      const signingSecret = (await shown.textContent()) ?? '';
      expect(signingSecret).toMatch(/^whsec_/);
      await shot('15-webhooks-secret-once');
      await page.getByRole('button', { name: 'I have stored it' }).click();
      const row = page.getByRole('row', { name: new RegExp(receiverUrl) });
      await row.waitFor();
      expect(await page.content()).not.toContain(signingSecret);
      await row.getByRole('button', { name: 'Send test' }).click();
      await page.getByRole('status').filter({ hasText: 'Test event queued' }).waitFor();
      await row.getByRole('button', { name: 'Deliveries' }).click();
      const log = page.getByRole('region', { name: /^Deliveries to / });
      await waitUntil(
        async () => {
          await log.getByRole('button', { name: 'Refresh' }).click();
          return (await log.getByRole('row', { name: /webhook\.test.*HTTP 204/ }).count()) === 1;
        },
        PROPAGATION_DEADLINE_MS,
        'the test delivery to be logged',
      );
      await shot('16-webhooks-deliveries');
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'shows every other page: the last-owner rule in the API’s words, a credit grant, a tenant’s lifecycle',
    async () => {
      await open('Usage', 'Usage');
      await page.getByRole('table').first().waitFor();
      await shot('06-usage');
      await open('Members and teams', 'Members and teams');
      await page.getByRole('row', { name: new RegExp(viewerEmail) }).waitFor();
      // Add the tenant's only owner, then try to demote them: the API's own words come back.
      const ownerEmail = `${unique('owner')}@example.com`;
      const addForm = page.getByRole('form', { name: 'Add a member' });
      await addForm.getByLabel('Email').fill(ownerEmail);
      await addForm.getByLabel('Role').selectOption('owner');
      await addForm.getByLabel('Password for a new account').fill(TEST_PASSWORD);
      await addForm.getByRole('button', { name: 'Add member' }).click();
      await page.getByRole('row', { name: new RegExp(ownerEmail) }).waitFor();
      await page.getByLabel(`Role of ${ownerEmail}`).selectOption('viewer');
      await page.getByRole('alert').filter({ hasText: 'A tenant must keep at least one owner' }).waitFor();
      expect(await page.getByLabel(`Role of ${ownerEmail}`).inputValue()).toBe('owner');
      // Teams: create one and put the viewer in it.
      const teamForm = page.getByRole('form', { name: 'Create a team' });
      await teamForm.getByLabel('New team name').fill('Research');
      await teamForm.getByRole('button', { name: 'Create team' }).click();
      await page.getByRole('listitem').filter({ hasText: 'Research — 0 members' }).waitFor();
      await page.getByLabel(`Team of ${viewerEmail}`).selectOption({ label: 'Research' });
      await page.getByRole('listitem').filter({ hasText: 'Research — 1 members' }).waitFor();
      await shot('07-members');
      await open('Audit log', 'Audit log');
      await page.getByText(/The chain verifies/).waitFor();
      await page.getByRole('row', { name: /api_key\.created/ }).first().waitFor();
      await shot('08-audit');
      await open('Limits and quota', 'Limits and quota');
      await page.getByRole('progressbar', { name: 'API calls' }).waitFor();
      await page.getByText(/^As of /).waitFor();
      await shot('09-limits');
      await open('Credits', 'Credits');
      await page.getByText(/^Balance:/).waitFor();
      const grant = page.getByRole('form', { name: 'Grant credits (platform admin)' });
      await grant.getByLabel('Amount (USD)').fill('12.5');
      await grant.getByLabel('Reason').fill('console test grant');
      await grant.getByRole('button', { name: 'Grant' }).click();
      await page.getByRole('row', { name: /console test grant/ }).waitFor();
      await page.getByText('Balance: $12.50').waitFor();
      await page.getByText(/^Billing status:/).waitFor();
      await page.getByText(/^No statements yet/).waitFor();
      await shot('10-credits');
      await open('Integrations', 'Integrations');
      await page.getByRole('heading', { level: 2, name: 'Inbound events' }).waitFor();
      await page.getByText('No events').waitFor();
      await shot('10b-integrations');
      await open('Tenants', 'Tenants');
      await page.getByRole('row', { name: new RegExp(globex.slug) }).waitFor();
      // A tenant's whole lifecycle: created pending, activated, suspended with a reason, restored.
      const newSlug = unique('made-in-console');
      await page.getByText('Create a tenant').click();
      const create = page.getByRole('form', { name: 'Create a tenant' });
      await create.getByLabel('Name').fill('Made in the console');
      await create.getByLabel('Slug').fill(newSlug);
      await create.getByRole('button', { name: 'Create tenant' }).click();
      const made = page.getByRole('row', { name: new RegExp(newSlug) });
      await made.getByRole('cell', { name: 'pending' }).waitFor();
      await made.getByRole('button', { name: 'Activate Made in the console' }).click();
      await made.getByRole('cell', { name: 'active', exact: true }).waitFor();
      await made.getByRole('button', { name: 'Suspend Made in the console' }).click();
      await made.getByLabel('Reason').fill('unpaid invoice');
      await made.getByRole('button', { name: 'Suspend now' }).click();
      await made.getByRole('cell', { name: 'suspended: unpaid invoice' }).waitFor();
      await shot('11-tenants');
      await made.getByRole('button', { name: 'Restore Made in the console' }).click();
      await made.getByRole('cell', { name: 'active', exact: true }).waitFor();
      await page.setViewportSize({ width: 390, height: 844 });
      await open('Overview', /^Overview of /);
      await page.locator('figure.chart canvas').first().waitFor();
      await shot('12-overview-phone');
      await open('API keys', 'API keys');
      await shot('13-keys-phone');
      await page.setViewportSize({ width: 1280, height: 900 });
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'shows a viewer no write buttons, and the API refuses the writes anyway',
    async () => {
      const active = await cluster.call<{ id: string }>('POST', '/api/api-keys/', { token: cluster.adminToken, body: { tenant: acme.id, name: 'viewer-can-see-me' } });
      expect(active.status).toBe(201);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await signIn(viewerEmail);
      const tenantOptions = await page.locator('.tenant-switcher select option').allTextContents();
      expect(tenantOptions).toEqual([`Tenant ${acme.slug} (viewer)`]);
      await open('API keys', 'API keys');
      await page.getByRole('row', { name: /viewer-can-see-me/ }).waitFor();
      expect(await page.getByText('Create a key').count()).toBe(0);
      expect(await page.getByRole('button', { name: /^(Revoke|Rotate)$/ }).count()).toBe(0);
      await shot('14-keys-viewer');
      await open('Members and teams', 'Members and teams');
      await page.getByRole('row', { name: new RegExp(viewerEmail) }).waitFor();
      expect(await page.getByText('Add a member').count()).toBe(0);
      expect(await page.getByRole('button', { name: /^Remove / }).count()).toBe(0);
      for (const adminOnly of ['Tenants', 'Webhooks', 'Integrations']) {
        expect(await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: adminOnly }).count()).toBe(0);
      }
      expect(await callFromPage('POST', '/api/api-keys', {}, { name: 'viewer-tries' })).toBe(403);
      expect(await callFromPage('POST', `/api/api-keys/${active.body.id}/revoke`)).toBe(403);
      // Another tenant's data: not listed, not readable by naming it.
      expect([403, 404]).toContain(await callFromPage('GET', '/api/api-keys', { 'x-tenant': globex.slug }));
      expect(await callFromPage('GET', `/api/tenants/${globex.slug}/usage`)).toBe(404);
      expect(await page.getByText('globex-only-key').count()).toBe(0);
      // A session that ends (here: its cookies gone) brings the sign-in form back instead of failing each page.
      await page.context().clearCookies();
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Overview', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Sign in to Sluice' }).waitFor();
    },
    STEP_TIMEOUT_MS,
  );

  it('asked no host but the control plane, and broke no content security rule', () => {
    const elsewhere = requested.filter((url) => !url.startsWith(`${origin}/`));
    expect(elsewhere).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});

async function expectVisible(locator: { isVisible: () => Promise<boolean> }): Promise<void> {
  expect(await locator.isVisible()).toBe(true);
}
