// The API server: HTTPS, authentication and authorization of every request (auth/), discovery,
// health, version, OpenAPI, and the generic REST handler for every served kind.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { Server as NetServer, Socket } from 'node:net';
import { ApiError, errors } from '../kube/errors.js';
import { AGGREGATED_DISCOVERY_TYPE, Discovery, versionInfo, wantsAggregated } from './discovery.js';
import { parseRequestInfo, type RequestInfo, type RequestUser } from './http/request-info.js';
import { writeError, writeJson } from './http/respond.js';
import type { ResourceDef } from './resource.js';
import type { ApiCodecs } from './rest/codecs.js';
import { RestHandler, type ResourceIndex } from './rest/handler.js';
import { Registry, type Admission, type FieldTracker, type MetaValidator } from './rest/registry.js';
import type { SubresourceHooks } from './rest/subresources.js';
import type { Store } from '../storage/types.js';
import type { KubeObject, Status } from '../kube/types.js';

export interface OpenApiProvider {
  /** Serves /openapi/v3 and /openapi/v3/...; returns false when the path is not one of its documents. */
  serve(req: IncomingMessage, res: ServerResponse, url: URL): boolean;
}

export interface UpgradeRequest {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  url: URL;
  info: RequestInfo;
  object: KubeObject;
  user: RequestUser;
}

/** Who sends a request, and whether they may: src/api/auth implements it. */
export interface RequestAuth {
  /** The request's user (after impersonation; anonymous without credentials); throws 401 or 403. */
  authenticate(req: IncomingMessage): Promise<RequestUser>;
  /** Throws 403 unless the user may do what the request asks. */
  authorize(req: IncomingMessage, url: URL, info: RequestInfo, user: RequestUser): Promise<void>;
}

export interface ApiServerOptions {
  store: Store;
  resources: ResourceDef[];
  codecs: ApiCodecs;
  validateMeta: MetaValidator;
  trackFields?: FieldTracker;
  tls: { caPem: string; certPem: string; keyPem: string };
  /** host:port clients should use (discovery's serverAddressByClientCIDRs). */
  advertiseAddress: string;
  auth: RequestAuth;
  /** Checks writes once validated (NodeRestriction, RBAC escalation). */
  admission?: Admission;
  openapi?: OpenApiProvider;
  hooks?: SubresourceHooks;
  /** exec/attach/portforward arriving as an HTTP upgrade (WebSocket or SPDY). */
  upgrade?: (r: UpgradeRequest) => void | Promise<void>;
  log?: (line: string) => void;
  /** Readiness checks beyond "the store answers" (for /readyz). */
  ready?: () => boolean;
}

class Resources implements ResourceIndex {
  private byGvp = new Map<string, ResourceDef>();
  private byGp = new Map<string, ResourceDef>();
  constructor(defs: ResourceDef[]) {
    this.replace(defs);
  }
  replace(defs: ResourceDef[]): void {
    const byGvp = new Map<string, ResourceDef>();
    const byGp = new Map<string, ResourceDef>();
    for (const d of defs) {
      byGvp.set(`${d.group}/${d.version}/${d.plural}`, d);
      // The first def of a group/plural (a custom resource's preferred version) answers for all.
      if (!byGp.has(`${d.group}/${d.plural}`)) byGp.set(`${d.group}/${d.plural}`, d);
    }
    this.byGvp = byGvp;
    this.byGp = byGp;
  }
  find(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.byGvp.get(`${group}/${version}/${plural}`);
  }
  byPlural(group: string, plural: string): ResourceDef | undefined {
    return this.byGp.get(`${group}/${plural}`);
  }
}

export class ApiServer {
  readonly registry: Registry;
  readonly resources: ResourceIndex;
  private readonly resourceIndex: Resources;
  private readonly rest: RestHandler;
  private discovery: Discovery;
  private readonly closers: (() => void | Promise<void>)[] = [];
  private readonly https: HttpsServer;
  private readonly extraListeners: NetServer[] = [];
  private readonly sockets = new Set<Socket>();

  constructor(private readonly o: ApiServerOptions) {
    const resources = new Resources(o.resources);
    this.resources = resources;
    this.resourceIndex = resources;
    this.registry = new Registry(o.store, o.validateMeta, (g, p) => resources.byPlural(g, p), o.trackFields, o.admission);
    this.rest = new RestHandler({ registry: this.registry, resources, codecs: o.codecs, hooks: o.hooks ?? {} });
    this.discovery = new Discovery(o.resources, o.advertiseAddress);
    this.https = createHttpsServer({
      ca: o.tls.caPem, cert: o.tls.certPem, key: o.tls.keyPem,
      requestCert: true, rejectUnauthorized: false,
      // Watches and log streams are long-lived: no request timeout.
      requestTimeout: 0,
      keepAliveTimeout: 120_000,
    });
    this.https.on('request', (req, res) => void this.serve(req, res));
    this.https.on('upgrade', (req, socket, head) => void this.serveUpgrade(req, socket, head));
    this.https.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.https.on('tlsClientError', () => { /* a client that failed the handshake: nothing to answer */ });
  }

  /** Listens on host:port (TLS). */
  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.https.once('error', onError);
      this.https.listen(port, host, () => {
        this.https.off('error', onError);
        resolve();
      });
    });
  }

  address(): { host: string; port: number } {
    const a = this.https.address();
    if (!a || typeof a === 'string') throw new Error('API server is not listening');
    return { host: a.address, port: a.port };
  }

  /** Serves TLS on an already-listening server (for example one bound inside another network namespace). */
  attach(listener: NetServer): void {
    this.extraListeners.push(listener);
    listener.on('connection', (s: Socket) => this.https.emit('connection', s));
  }

  /** Replaces the served kinds (custom resources come and go): the REST handler and discovery follow at once. */
  setResources(defs: ResourceDef[]): void {
    this.resourceIndex.replace(defs);
    this.discovery = new Discovery(defs, this.o.advertiseAddress);
  }

  /** Runs `stop` when the server closes: the owner of what the assembler started beside it (custom resources, auth's caches). */
  onClose(stop: () => void | Promise<void>): void {
    this.closers.push(stop);
  }

  async close(): Promise<void> {
    for (const stop of this.closers.splice(0)) await stop();
    for (const l of this.extraListeners) l.close();
    await new Promise<void>((resolve) => {
      this.https.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'https://localhost');
    } catch {
      return writeError(res, errors.badRequest('malformed request URL'));
    }
    try {
      const user = await this.o.auth.authenticate(req);
      await this.o.auth.authorize(req, url, parseRequestInfo(req.method ?? 'GET', url), user);
      await this.route(req, res, url, user);
    } catch (err) {
      if (!(err instanceof ApiError)) this.o.log?.(`${req.method} ${req.url}: ${(err as Error)?.stack ?? err}`);
      writeError(res, err);
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL, user: RequestUser): Promise<void> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path === '/healthz' || path === '/livez' || path === '/readyz') return this.health(res, url, path);
    if (path === '/version') return writeJson(res, 200, versionInfo());
    if (path.startsWith('/openapi/')) {
      if (this.o.openapi?.serve(req, res, url)) return;
      throw errors.notFound({ group: '', resource: '' }, '');
    }
    const info = parseRequestInfo(req.method ?? 'GET', url);
    if (!info.isResourceRequest) return this.serveDiscovery(req, res, path);
    await this.rest.handle(req, res, url, info, user);
  }

  private health(res: ServerResponse, url: URL, path: string): void {
    const ready = path !== '/readyz' || (this.o.ready?.() ?? true);
    const checks = ['ping', 'log', 'etcd', 'poststarthook/start-apiextensions-informers'];
    const body = url.searchParams.has('verbose')
      ? checks.map((c) => `[+]${c} ok`).join('\n') + `\n${path.slice(1)} check ${ready ? 'passed' : 'failed'}\n`
      : ready ? 'ok' : '[-]informer-sync failed: reason withheld\nreadyz check failed';
    res.writeHead(ready ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache, private' });
    res.end(body);
  }

  private serveDiscovery(req: IncomingMessage, res: ServerResponse, path: string): void {
    const parts = path.split('/').filter(Boolean);
    const aggregated = wantsAggregated(req);
    if (path === '/api' || path === '/apis') {
      if (aggregated) {
        const body = JSON.stringify(this.discovery.aggregated(path === '/api', aggregated));
        res.writeHead(200, { 'Content-Type': AGGREGATED_DISCOVERY_TYPE.replace('v=v2', `v=${aggregated}`), 'Content-Length': Buffer.byteLength(body), Vary: 'Accept' });
        res.end(body);
        return;
      }
      return writeJson(res, 200, path === '/api' ? this.discovery.apiVersions() : this.discovery.apiGroupList());
    }
    let doc: unknown;
    if (parts[0] === 'api' && parts.length === 2) doc = this.discovery.resourceList('', parts[1]);
    else if (parts[0] === 'apis' && parts.length === 2) doc = this.discovery.apiGroup(parts[1]);
    else if (parts[0] === 'apis' && parts.length === 3) doc = this.discovery.resourceList(parts[1], parts[2]);
    if (doc) return writeJson(res, 200, doc);
    const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 };
    writeJson(res, 404, status);
  }

  private async serveUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const fail = (err: unknown): void => {
      const status = err instanceof ApiError ? err.status : errors.internal(err).status;
      const body = JSON.stringify(status);
      socket.end(`HTTP/1.1 ${status.code} ${status.reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    try {
      const url = new URL(req.url ?? '/', 'https://localhost');
      const user = await this.o.auth.authenticate(req);
      const info = parseRequestInfo(req.method ?? 'GET', url);
      await this.o.auth.authorize(req, url, info, user);
      const def = info.isResourceRequest ? this.resources.find(info.group, info.version, info.resource) : undefined;
      if (!def || !info.name || !info.subresource || !['exec', 'attach', 'portforward', 'proxy'].includes(info.subresource) || !(def.subresources ?? []).includes(info.subresource as never)) {
        throw errors.badRequest(`upgrade is not supported on ${url.pathname}`);
      }
      if (!this.o.upgrade) throw errors.badRequest(`${info.subresource} is not available: no node agent serves pods yet`);
      const object = await this.registry.get(def, info.namespace, info.name);
      await this.o.upgrade({ req, socket, head, url, info, object, user });
    } catch (err) {
      fail(err);
    }
  }
}
