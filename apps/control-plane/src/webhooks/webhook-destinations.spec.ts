import { parseCidrList, type HostResolver } from '@sluice/auth';
import { WebhookReceiver } from '@sluice/testing';
import { WebhookDestinations } from './webhook-destinations';
import { WebhookSender } from './webhook-sender';

/** A resolver that answers from a table (no real DNS); `answers` may change between calls, as a rebinding name does. */
function tableResolver(answers: Map<string, string>): HostResolver {
  return (hostname, _options, callback) => {
    const address = answers.get(hostname);
    if (address === undefined) return callback(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    callback(null, [{ address, family: address.includes(':') ? 6 : 4 }]);
  };
}

describe('WebhookDestinations and WebhookSender (the SSRF guard)', () => {
  const answers = new Map<string, string>();
  const loopbackAllowed = new WebhookDestinations({ requireHttps: false, allowedPrivate: parseCidrList('127.0.0.0/8') }, tableResolver(answers));
  let receiver: WebhookReceiver;
  let sender: WebhookSender;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    sender = new WebhookSender(loopbackAllowed.policy, 2_000);
  });
  afterAll(async () => {
    await sender.close();
    await receiver.close();
  });
  beforeEach(() => answers.clear());

  it('refuses at creation a name that resolves to the metadata address', async () => {
    answers.set('metadata.example.test', '169.254.169.254');
    await expect(loopbackAllowed.check('http://metadata.example.test/latest')).rejects.toMatchObject({ code: 'url_not_allowed' });
  });

  it('refuses at connect time a name that resolved to an allowed address at creation and to the metadata address now (DNS rebinding)', async () => {
    const port = new URL(receiver.url).port;
    answers.set('rebinding.example.test', '127.0.0.1');
    await expect(loopbackAllowed.check(`http://rebinding.example.test:${port}/hook`)).resolves.toBeInstanceOf(URL);
    const allowed = await sender.send({ url: `http://rebinding.example.test:${port}/hook`, headers: {}, body: '{}' });
    expect(allowed).toMatchObject({ ok: true, statusCode: 200 });

    answers.set('rebinding.example.test', '169.254.169.254');
    const before = receiver.received.length;
    const refused = await sender.send({ url: `http://rebinding.example.test:${port}/hook`, headers: {}, body: '{}' });
    expect(refused).toMatchObject({ ok: false, statusCode: null, error: expect.stringMatching(/Refused to connect to rebinding\.example\.test \(169\.254\.169\.254\).*WEBHOOK_ALLOWED_PRIVATE_CIDRS/) });
    expect(receiver.received.length).toBe(before);
  });

  it('refuses the metadata address as a literal, IPv4-mapped or NAT64, whatever the allow-list says about loopback', async () => {
    for (const url of ['http://169.254.169.254/', 'http://[::ffff:a9fe:a9fe]/', 'http://[64:ff9b::a9fe:a9fe]/']) {
      await expect(loopbackAllowed.check(url)).rejects.toMatchObject({ code: 'url_not_allowed' });
      expect(await sender.send({ url, headers: {}, body: '{}' })).toMatchObject({ ok: false, statusCode: null });
    }
  });

  it('opens exactly the allowed ranges: 127.0.0.0/8 does not open ::1 or 10.0.0.0/8', async () => {
    await expect(loopbackAllowed.check('http://127.0.0.2:9/')).resolves.toBeInstanceOf(URL);
    await expect(loopbackAllowed.check('http://[::1]:9/')).rejects.toMatchObject({ code: 'url_not_allowed' });
    await expect(loopbackAllowed.check('http://10.1.2.3/')).rejects.toMatchObject({ code: 'url_not_allowed' });
    const publicOnly = new WebhookDestinations({ requireHttps: false, allowedPrivate: [] }, tableResolver(answers));
    await expect(publicOnly.check('http://127.0.0.1:9/')).rejects.toMatchObject({ code: 'url_not_allowed' });
  });

  it('requires https in production', async () => {
    answers.set('hooks.example.com', '93.184.216.34');
    const production = new WebhookDestinations({ requireHttps: true, allowedPrivate: [] }, tableResolver(answers));
    await expect(production.check('http://hooks.example.com/')).rejects.toMatchObject({ code: 'url_not_allowed' });
    await expect(production.check('https://hooks.example.com/')).resolves.toBeInstanceOf(URL);
  });

  it('keeps only a bounded excerpt of a large answer', async () => {
    const big = await WebhookReceiver.start(() => ({ status: 500, body: 'x'.repeat(100_000) }));
    try {
      const response = await sender.send({ url: big.url, headers: {}, body: '{}' });
      expect(response.statusCode).toBe(500);
      expect(response.excerpt.length).toBeLessThanOrEqual(1_024);
    } finally {
      await big.close();
    }
  });
});
