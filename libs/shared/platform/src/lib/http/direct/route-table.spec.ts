import { RouteTable } from './route-table';

describe('RouteTable', () => {
  const table = new RouteTable<string>();
  table.add('/v1/chat/completions', 'chat');
  table.add('/v1/messages', 'messages');

  it.each([
    ['/v1/chat/completions', 'chat'],
    ['/v1/chat/completions/', 'chat'],
    ['/v1/chat/completions?stream=1', 'chat'],
    ['/v1/chat/completions/?', 'chat'],
    ['/v1/messages', 'messages'],
    ['/v1/messages/?beta=true', 'messages'],
  ])('takes %s as Fastify (ignoreTrailingSlash) would', (url, route) => {
    expect(table.match(url)).toBe(route);
  });

  it.each([
    '/v1/chat/completions//',
    '/v1//chat/completions',
    '//v1/chat/completions',
    '/v1/Chat/completions',
    '/V1/messages',
    '/%761/messages',
    '/v1/messages%2F',
    '/v1/messages;x=1',
    '/v1/messages#top',
    '/v1/x/../messages',
    '/v1/./messages',
    '/v1/messages/x',
    '/v1/message',
    '/v1',
    '',
    '*',
  ])('leaves %s to Fastify', (url) => {
    expect(table.match(url)).toBeUndefined();
  });

  it('refuses a path that is not plain', () => {
    expect(() => new RouteTable<string>().add('/v1/:id', 'x')).toThrow('Not a plain route path');
    expect(() => new RouteTable<string>().add('v1/x', 'x')).toThrow('Not a plain route path');
    expect(() => new RouteTable<string>().add('/v1/x/', 'x')).toThrow('Not a plain route path');
    expect(() => new RouteTable<string>().add('/v1/x?y', 'x')).toThrow('Not a plain route path');
    expect(() => new RouteTable<string>().add('/v1/%78', 'x')).toThrow('Not a plain route path');
  });
});
