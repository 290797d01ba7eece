// kube-proxy's HTTP health endpoints, answering as upstream's pkg/proxy/healthcheck does:
// - ProxyHealthServer: /healthz and /livez on 10256, healthy unless a queued change has waited
//   longer than the health timeout without being programmed (or the node is being deleted);
// - ServiceHealthServer: one listener per healthCheckNodePort of a LoadBalancer Service with
//   externalTrafficPolicy Local, 200 when this node has a local endpoint, 503 otherwise, so that
//   a load balancer sends traffic only to nodes that can serve it.

import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Node } from '../kube/types.js';

const TO_BE_DELETED_TAINT = 'ToBeDeletedByClusterAutoscaler';
const startedAt = Date.now() - performance.now();

/** A time as Go's %q prints a time.Time: "2024-05-10 10:13:16.390138 +0000 UTC m=+12.345678901". */
export function goTime(ms: number | null): string {
  if (ms === null) return '0001-01-01 00:00:00 +0000 UTC';
  const iso = new Date(ms).toISOString();
  const frac = iso.slice(20, 23).replace(/0+$/, '');
  const monotonic = ((ms - startedAt) / 1000).toFixed(9);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac ? '.' + frac : ''} +0000 UTC m=+${monotonic}`;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function sendJSON(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff', ...headers });
  res.end(body);
}

export class ProxyHealthServer {
  private lastUpdated: number | null = null;
  private oldestQueued: number | null = null;
  private nodeEligible = true;
  private server: Server | null = null;

  constructor(private readonly healthTimeoutMs: number, private readonly now: () => number = Date.now) {}

  /** A change was received that is not programmed yet. */
  queuedUpdate(): void {
    this.oldestQueued ??= this.now();
  }

  /** The rules now match every change received. */
  updated(): void {
    this.oldestQueued = null;
    this.lastUpdated = this.now();
  }

  /** A node being deleted (or tainted for deletion by the autoscaler) is not eligible. */
  syncNode(node: Node | null): void {
    this.nodeEligible = !!node && !node.metadata.deletionTimestamp && !(node.spec?.taints ?? []).some((t) => t.key === TO_BE_DELETED_TAINT);
  }

  isHealthy(): boolean {
    return this.oldestQueued === null || this.now() - this.oldestQueued < this.healthTimeoutMs;
  }

  /** Listens on "host:port" (port 0 picks one). */
  async start(bindAddress: string): Promise<AddressInfo> {
    if (this.server) throw new Error('the healthz server is already started');
    const i = bindAddress.lastIndexOf(':');
    this.server = createServer((req, res) => this.handle(req, res));
    await listen(this.server, Number(bindAddress.slice(i + 1)), bindAddress.slice(0, i) || '0.0.0.0');
    return this.server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    if (this.server) await close(this.server);
    this.server = null;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/healthz' && path !== '/livez') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      return void res.end('404 page not found\n');
    }
    const now = this.now();
    let healthy = this.isHealthy();
    if (path === '/healthz') healthy &&= this.nodeEligible;
    // As upstream: a healthy answer reports "now" as the last update.
    const lastUpdated = healthy ? now : this.lastUpdated;
    const eligible = path === '/healthz' ? `, "nodeEligible": ${this.nodeEligible}` : '';
    sendJSON(res, healthy ? 200 : 503, `{"lastUpdated": "${goTime(lastUpdated)}","currentTime": "${goTime(now)}"${eligible}}`);
  }
}

interface ServiceListener {
  server: Server;
  nodePort: number;
  localEndpoints: number;
}

export interface ServiceHealthOptions {
  /** Address the listeners bind ("0.0.0.0": every node address). */
  bindAddress: string;
  /** Whether kube-proxy itself is healthy (a 503 otherwise). */
  proxyHealthy: () => boolean;
  /** Port actually bound for a healthCheckNodePort (tests map it to 0). */
  listenPort?: (healthCheckNodePort: number) => number;
}

export class ServiceHealthServer {
  private readonly services = new Map<string, ServiceListener>();

  constructor(private readonly opts: ServiceHealthOptions) {}

  /** Opens a listener per "ns/svc" -> healthCheckNodePort, closes those no longer wanted. */
  async syncServices(wanted: Map<string, number>): Promise<void> {
    for (const [name, l] of this.services) {
      if (wanted.get(name) !== l.nodePort) {
        this.services.delete(name);
        await close(l.server);
      }
    }
    for (const [name, nodePort] of wanted) {
      if (this.services.has(name)) continue;
      const l: ServiceListener = { nodePort, localEndpoints: 0, server: createServer((req, res) => this.handle(name, req, res)) };
      await listen(l.server, this.opts.listenPort?.(nodePort) ?? nodePort, this.opts.bindAddress);
      this.services.set(name, l);
    }
  }

  /** Local ready endpoints per "ns/svc"; Services not listed have none. */
  syncEndpoints(counts: Map<string, number>): void {
    for (const [name, l] of this.services) l.localEndpoints = counts.get(name) ?? 0;
  }

  /** The port a Service's listener is bound to. */
  boundPort(name: string): number | undefined {
    return (this.services.get(name)?.server.address() as AddressInfo | null)?.port;
  }

  async close(): Promise<void> {
    const all = [...this.services.values()];
    this.services.clear();
    await Promise.all(all.map((l) => close(l.server)));
  }

  private handle(name: string, _req: IncomingMessage, res: ServerResponse): void {
    const l = this.services.get(name);
    if (!l) return void res.destroy();
    const count = l.localEndpoints;
    const proxyHealthy = this.opts.proxyHealthy();
    const [namespace, svc] = name.split('/');
    const body = [
      '{',
      '\t"service": {',
      `\t\t"namespace": ${JSON.stringify(namespace)},`,
      `\t\t"name": ${JSON.stringify(svc)}`,
      '\t},',
      `\t"localEndpoints": ${count},`,
      `\t"serviceProxyHealthy": ${proxyHealthy}`,
      '}',
    ].join('\n');
    sendJSON(res, count !== 0 && proxyHealthy ? 200 : 503, body, { 'X-Load-Balancing-Endpoint-Weight': String(count) });
  }
}
