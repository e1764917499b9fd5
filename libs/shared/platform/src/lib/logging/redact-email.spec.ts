import { Writable } from 'node:stream';
import { createLogger } from './logging';
import { redactEmail, redactEmails, redactUrl } from './redact-email';

describe('email redaction', () => {
  it('keeps only the first character and the domain', () => {
    expect(redactEmail('jane.doe@example.com')).toBe('j***@example.com');
    expect(redactEmail('not an email')).toBe('[redacted]');
  });

  it('redacts every address in a text, percent-encoded ones too', () => {
    expect(redactEmails('/api/users/?search=jane%40example.com&x=bob@corp.io')).toBe('/api/users/?search=j***@example.com&x=b***@corp.io');
  });

  it('hides invitation tokens in request URLs', () => {
    expect(redactUrl('/api/auth/invitations/sli_secret123/accept/')).toBe('/api/auth/invitations/[redacted]/accept/');
  });

  it('redacts a URL’s addresses, plain or percent-encoded, and returns any other URL as it is', () => {
    expect(redactUrl('/api/users/?search=jane@example.com')).toBe('/api/users/?search=j***@example.com');
    expect(redactUrl('/api/users/?search=jane%40example.com')).toBe('/api/users/?search=j***@example.com');
    const plain = '/v1/chat/completions?x=1';
    expect(redactUrl(plain)).toBe(plain);
  });

  it('censors email fields that reach a log line through objects', () => {
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk, _encoding, done) => void (lines.push(String(chunk)), done()) });
    createLogger({ service: 'test', level: 'info', destination }).info({ email: 'jane@example.com', body: { email: 'bob@example.com', to: 'x@example.com' } }, 'hello');
    expect(lines.join('')).not.toMatch(/jane@|bob@|x@example/);
  });
});
