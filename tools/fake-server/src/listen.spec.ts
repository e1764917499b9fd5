import { createServer, request, type Server } from 'node:http';
import { closer, listen, urlHost } from './listen';

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/', agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

describe('listening and closing', () => {
  const servers: Server[] = [];
  const server = (): Server => {
    const created = createServer((_request, response) => response.end('ok'));
    servers.push(created);
    return created;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).filter((created) => created.listening).map((created) => closer(created)()));
  });

  it('listens on a free port for 0 and answers there', async () => {
    const port = await listen(server(), 0, '127.0.0.1');
    expect(port).toBeGreaterThan(0);
    await expect(get(port)).resolves.toBe('ok');
  });

  it('rejects when the port is taken', async () => {
    const port = await listen(server(), 0, '127.0.0.1');
    await expect(listen(server(), port, '127.0.0.1')).rejects.toThrow(/EADDRINUSE/);
  });

  it('closes once, destroying open connections, and stops answering', async () => {
    const target = createServer(() => undefined); // never answers: its connection stays open
    servers.push(target);
    const port = await listen(target, 0, '127.0.0.1');
    const arrived = new Promise((resolve) => target.once('request', resolve));
    const pending = get(port);
    await arrived;
    const close = closer(target);
    const first = close();
    expect(close()).toBe(first);
    await first;
    await expect(pending).rejects.toThrow(/socket hang up|ECONNRESET/);
    await expect(get(port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('brackets IPv6 hosts in URLs', () => {
    expect(urlHost('::1')).toBe('[::1]');
    expect(urlHost('127.0.0.1')).toBe('127.0.0.1');
  });
});
