// The HTTP side of the DNS pod: health (:8080/health), readiness (:8181/ready, 200 once the
// cluster model has synced and the server is up) and Prometheus metrics (:9153/metrics), each
// where the Corefile puts it (several may share one address).

import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = (req: http.IncomingMessage) => { status: number; body: string; type?: string };

export class HttpEndpoint {
  private server: http.Server | null = null;
  private readonly routes = new Map<string, Route>();

  constructor(readonly host: string, private readonly requestedPort: number) {}

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** The address as "host:port" with the port asked for, to tell endpoints apart before they listen. */
  get key(): string { return `${this.host}:${this.requestedPort}`; }

  /** Replaces the routes served (paths such as "/health"). */
  setRoutes(routes: Map<string, Route>): void {
    this.routes.clear();
    for (const [path, route] of routes) this.routes.set(path, route);
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const route = this.routes.get(path);
      const out = route ? route(req) : { status: 404, body: '404 page not found\n' };
      res.writeHead(out.status, { 'content-type': out.type ?? 'text/plain; charset=utf-8' });
      res.end(out.body);
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.requestedPort, this.host || undefined, () => { server.removeListener('error', reject); resolve(); });
    });
    this.server = server;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
