import { DestinationPolicy, type DestinationRefusedError } from '@sluice/auth';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { UpstreamClient } from './upstream-client';
import { UpstreamError } from './upstream.error';

describe('the destination policy in the upstream client', () => {
  describe('at connection time', () => {
    let server: Server;
    let port: number;
    let connections = 0;

    beforeAll(async () => {
      server = createServer((socket) => {
        connections++;
        socket.destroy();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it.each(['127.0.0.1', 'localhost', '[::ffff:127.0.0.1]', '0x7f.1'])('refuses http://%s before anything is sent, and reports it', async (host) => {
      const refusals: DestinationRefusedError[] = [];
      const client = new UpstreamClient({ destinations: new DestinationPolicy({ onRefused: (refusal) => refusals.push(refusal) }) });
      const before = connections;
      let thrown: unknown;
      try {
        await client.send({ url: `http://${host}:${port}/v1/chat/completions`, headers: {}, body: '{}' }, { timeoutMs: 5_000 });
      } catch (error) {
        thrown = error;
      } finally {
        await client.destroy();
      }
      expect(thrown).toBeInstanceOf(UpstreamError);
      expect(thrown).toMatchObject({ code: 'provider_unavailable', kind: 'destination_refused', retryable: true, message: 'Could not reach the provider' });
      expect(refusals.length).toBeGreaterThan(0);
      expect(connections).toBe(before);
    });
  });
});
