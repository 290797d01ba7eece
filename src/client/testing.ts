// Test helpers for the client: knit's real API server on a memory store, over HTTPS on loopback,
// and a proxy in front of it that can hold, end or refuse lists and watches as a server at its
// watch timeout, a slow server or a compacted history would.

import { createServer as createHttpsServer, request as httpsRequest, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse, ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { startTestApiServer as startApiServer } from '../api/testing.js';
import { statusFailure } from '../kube/errors.js';
import type { Status } from '../kube/types.js';
import { issueCert, type CertificateAuthority } from '../pki/index.js';
import type { MemoryStore } from '../storage/memory.js';
import type { ClientConfig } from './config.js';

export interface TestApiServer {
  store: MemoryStore;
  /** The admin's client configuration for this server (or for a proxy at another URL). */
  config(server?: string): ClientConfig;
  /** A proxy in front of this server; closed with it. */
  proxy(): Promise<FaultProxy>;
  close(): Promise<void>;
}

/** The API server as a cluster runs it (src/api/testing.ts), with client configurations and fault proxies. */
export async function startTestApiServer(): Promise<TestApiServer> {
  const api = await startApiServer();
  const config = (at = api.url): ClientConfig => ({ server: at, caPem: api.ca.certPem, certPem: api.admin.cert, keyPem: api.admin.key });
  const proxies: FaultProxy[] = [];
  return {
    store: api.store as MemoryStore,
    config,
    async proxy() {
      const p = await FaultProxy.start(api.ca, config());
      proxies.push(p);
      return p;
    },
    async close() {
      for (const p of proxies) await p.close();
      await api.close();
    },
  };
}

/** A list is a GET without watch; a watch is a GET with watch=1 or watch=true. */
export type RequestKind = 'list' | 'watch';

function kindOf(req: IncomingMessage): RequestKind | undefined {
  if (req.method !== 'GET') return undefined;
  const watch = new URL(req.url ?? '/', 'https://x').searchParams.get('watch');
  return watch === '1' || watch === 'true' ? 'watch' : 'list';
}

/**
 * An HTTPS proxy to the API server that the test steers: it records every list and watch, can
 * hold them until released, answer the next one with an error Status, or end the open watch
 * streams cleanly as the API server does when a watch's timeoutSeconds is over.
 */
export class FaultProxy {
  /** Paths with query of every list and watch, in arrival order. */
  readonly requests: { kind: RequestKind; url: string }[] = [];
  private readonly holding = new Set<RequestKind>();
  private readonly held: { kind: RequestKind; forward: () => void }[] = [];
  private readonly failures: { kind: RequestKind; status: Status }[] = [];
  private readonly openWatches = new Set<() => void>();
  private readonly sockets = new Set<Socket>();
  private readonly upstreams = new Set<ClientRequest>();

  private constructor(private readonly server: Server, private readonly upstream: ClientConfig) {}

  static async start(ca: CertificateAuthority, upstream: ClientConfig): Promise<FaultProxy> {
    const serving = issueCert(ca, { commonName: 'proxy', ipAddresses: ['127.0.0.1'], usage: 'server' });
    const server = createHttpsServer({ cert: serving.certPem, key: serving.keyPem, requestTimeout: 0 });
    const proxy = new FaultProxy(server, upstream);
    server.on('request', (req, res) => proxy.serve(req, res));
    server.on('connection', (s: Socket) => {
      proxy.sockets.add(s);
      s.on('close', () => proxy.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    const a = this.server.address();
    if (!a || typeof a === 'string') throw new Error('proxy is not listening');
    return `https://127.0.0.1:${a.port}`;
  }

  lists(): string[] {
    return this.requests.filter((r) => r.kind === 'list').map((r) => r.url);
  }

  watches(): string[] {
    return this.requests.filter((r) => r.kind === 'watch').map((r) => r.url);
  }

  /** Requests of this kind wait (recorded, not forwarded) until release(kind). */
  hold(kind: RequestKind): void {
    this.holding.add(kind);
  }

  /** Forwards the held requests of this kind and stops holding new ones. */
  release(kind: RequestKind): void {
    this.holding.delete(kind);
    for (const h of this.held.filter((x) => x.kind === kind)) {
      this.held.splice(this.held.indexOf(h), 1);
      h.forward();
    }
  }

  heldCount(kind: RequestKind): number {
    return this.held.filter((x) => x.kind === kind).length;
  }

  /** The next request of this kind to be forwarded gets this Status as its HTTP answer instead. */
  failNext(kind: RequestKind, code: number, reason: string, message: string): void {
    this.failures.push({ kind, status: statusFailure(code, reason, message) });
  }

  /** Watch streams open through the proxy (the server has answered them). */
  openWatchCount(): number {
    return this.openWatches.size;
  }

  /** Ends every open watch stream as the server does at the watch's timeout; returns how many. */
  endWatches(): number {
    const n = this.openWatches.size;
    for (const end of [...this.openWatches]) end();
    return n;
  }

  async close(): Promise<void> {
    this.held.splice(0);
    for (const u of this.upstreams) u.destroy();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const kind = kindOf(req);
    if (kind) this.requests.push({ kind, url: req.url ?? '' });
    const dispatch = () => this.dispatch(req, res, kind);
    if (kind && this.holding.has(kind)) this.held.push({ kind, forward: dispatch });
    else dispatch();
  }

  /** Answers with the failure set for this kind, if any, or forwards to the server. */
  private dispatch(req: IncomingMessage, res: ServerResponse, kind: RequestKind | undefined): void {
    if (req.socket.destroyed) return; // the client gave up while the request was held
    const failure = kind ? this.failures.find((f) => f.kind === kind) : undefined;
    if (!failure) return this.forward(req, res, kind === 'watch');
    this.failures.splice(this.failures.indexOf(failure), 1);
    const body = JSON.stringify(failure.status);
    req.resume();
    res.writeHead(failure.status.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  private forward(req: IncomingMessage, res: ServerResponse, watch: boolean): void {
    const target = new URL(this.upstream.server);
    const headers = { ...req.headers };
    delete headers.host;
    const up = httpsRequest({
      host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent: false,
      ca: this.upstream.caPem, cert: this.upstream.certPem, key: this.upstream.keyPem,
    }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        this.openWatches.delete(end);
        up.destroy();
        res.end();
      };
      if (watch) this.openWatches.add(end);
      upRes.on('data', (d: Buffer) => { if (!ended) res.write(d); });
      upRes.on('end', end);
      upRes.on('close', end);
    });
    this.upstreams.add(up);
    up.on('close', () => this.upstreams.delete(up));
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until check() holds, for work the code under test does on its own time. */
export async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** p, or a failure naming what did not finish within ms (the timer is cleared either way). */
export async function within<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms); });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
