import { isOriginHostAllowed, isOriginPattern, requestOriginHost } from './origin-allow-list';

describe('origin allow-list', () => {
  it.each(['example.com', '*.example.com', 'localhost', 'app.example.co.uk', '127.0.0.1', 'a-b.example.com'])('accepts the pattern %p', (pattern) =>
    expect(isOriginPattern(pattern)).toBe(true),
  );

  it.each(['', '*', '*.', 'https://example.com', 'example.com:443', 'Example.com', 'ex*ample.com', 'a.*.example.com', '-a.com', 'a..com', 'x'.repeat(64) + '.com', 42, null])(
    'refuses the pattern %p',
    (pattern) => expect(isOriginPattern(pattern)).toBe(false),
  );

  it('reads the host of Origin, else of Referer', () => {
    expect(requestOriginHost({ origin: 'https://App.Example.com:8443', referer: 'https://other.test/page' })).toBe('app.example.com');
    expect(requestOriginHost({ referer: 'https://shop.example.com/cart?x=1' })).toBe('shop.example.com');
    expect(requestOriginHost({ origin: ' ', referer: 'http://localhost:3000/' })).toBe('localhost');
    expect(requestOriginHost({})).toBe('absent');
  });

  it('reads an opaque or unparsable origin as having no host', () => {
    expect(requestOriginHost({ origin: 'null' })).toBeNull();
    expect(requestOriginHost({ origin: 'file:///home/me/page.html' })).toBeNull();
    expect(requestOriginHost({ referer: 'not a url' })).toBeNull();
  });

  it('matches exact hosts and subdomain wildcards', () => {
    const patterns = ['example.com', '*.example.org'];
    expect(isOriginHostAllowed('example.com', patterns)).toBe(true);
    expect(isOriginHostAllowed('a.example.org', patterns)).toBe(true);
    expect(isOriginHostAllowed('a.b.example.org', patterns)).toBe(true);
    expect(isOriginHostAllowed('example.org', patterns)).toBe(false);
    expect(isOriginHostAllowed('www.example.com', patterns)).toBe(false);
    expect(isOriginHostAllowed('evilexample.org', patterns)).toBe(false);
    expect(isOriginHostAllowed('example.org.evil.com', patterns)).toBe(false);
    expect(isOriginHostAllowed('example.com', [])).toBe(false);
  });

  it('never throws on hostile header values, and matches none of them', () => {
    const hostile = ['\u0000', 'http://', 'javascript:alert(1)', 'http://[::1]:80', 'https://exa\u0000mple.com', 'https://' + 'a'.repeat(70_000) + '.com', 'https://xn--e1afmkfd.example.com', 'https://EXAMPLE.com.', '\ud800', 'data:text/html,x'];
    for (const value of hostile) {
      for (const headers of [{ origin: value }, { referer: value }, { origin: [value, 'https://example.com'] }]) {
        const host = requestOriginHost(headers);
        expect(host === null || host === 'absent' || typeof host === 'string').toBe(true);
        if (typeof host === 'string' && host !== 'absent') expect(isOriginHostAllowed(host, ['evil.test'])).toBe(false);
      }
    }
    expect(requestOriginHost({ origin: 'https://EXAMPLE.com.' })).toBe('example.com');
  });
});
