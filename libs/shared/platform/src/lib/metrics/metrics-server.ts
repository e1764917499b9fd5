import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsListenOptions {
  port: number;
  host: string;
}

/**
 * Prometheus' scrape endpoint on a port of its own, so that the API port
 * (which an ingress exposes) never answers GET /metrics: only what can reach
 * this port (the cluster's Prometheus, by NetworkPolicy) reads the process's
 * internals. Plain node:http: no routing, logging or tracing to go through.
 */
export class MetricsServer {
  private readonly server: Server;

  constructor(private readonly registry: Registry) {
    this.server = createServer((request, response) => {
      const path = (request.url ?? '').split('?')[0].replace(/\/+$/, '');
      if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: GET /metrics\n');
        return;
      }
      this.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': this.registry.contentType }).end(request.method === 'HEAD' ? undefined : text),
        () => response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics collection failed\n'),
      );
    });
  }

  async listen({ port, host }: MetricsListenOptions): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** `http://host:port` once listening (tests listen on port 0). */
  get url(): string {
    const { address, family, port } = this.server.address() as AddressInfo;
    return `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
