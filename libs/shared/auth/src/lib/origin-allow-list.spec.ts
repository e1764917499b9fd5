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
});
