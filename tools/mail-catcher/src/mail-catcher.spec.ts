import { createTransport } from 'nodemailer';
import { loadConfig } from './config';
import { startMailCatcher, type CaughtMessage, type MailCatcher } from './index';

describe('mail catcher', () => {
  let catcher: MailCatcher;
  beforeAll(async () => {
    catcher = await startMailCatcher({ capacity: 3 });
  });
  afterAll(() => catcher.close());

  const send = (to: string, subject: string) =>
    createTransport(catcher.smtpUrl).sendMail({ from: 'Sluice <noreply@sluice.test>', to, subject, text: `text of ${subject}`, html: `<p>html of ${subject}</p>` });

  it('keeps what it receives over SMTP and lists it newest first over HTTP, text and HTML parts apart', async () => {
    await send('first@example.com', 'one');
    await send('second@example.com', 'two');
    const listed = (await (await fetch(`${catcher.httpUrl}/messages`)).json()) as CaughtMessage[];
    expect(listed.map((message) => message.subject)).toEqual(['two', 'one']);
    expect(listed[0]).toEqual({
      id: expect.any(String),
      to: ['second@example.com'],
      from: 'noreply@sluice.test',
      subject: 'two',
      text: expect.stringContaining('text of two'),
      html: '<p>html of two</p>',
      received_at: expect.any(String),
    });
    const filtered = (await (await fetch(`${catcher.httpUrl}/messages?to=FIRST@example.com`)).json()) as CaughtMessage[];
    expect(filtered.map((message) => message.subject)).toEqual(['one']);
  });

  it('keeps only the newest messages up to its capacity', async () => {
    for (const subject of ['a', 'b', 'c']) await send('many@example.com', subject);
    expect(catcher.messages().map((message) => message.subject)).toEqual(['c', 'b', 'a']);
  });

  it('reads its ports from the environment, with defaults', () => {
    expect(loadConfig({})).toEqual({ httpPort: 1080, smtpPort: 1025, host: '127.0.0.1' });
    expect(loadConfig({ MAIL_CATCHER_HTTP_PORT: '0', MAIL_CATCHER_SMTP_PORT: '2525' })).toMatchObject({ httpPort: 0, smtpPort: 2525 });
    expect(() => loadConfig({ MAIL_CATCHER_SMTP_PORT: 'smtp' })).toThrow(/MAIL_CATCHER_SMTP_PORT/);
  });
});
