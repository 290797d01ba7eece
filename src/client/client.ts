// An API client for knit's components, speaking to the API server over HTTPS exactly as a remote
// process would: JSON requests, Status errors surfaced as ApiError, streaming watches.

import { Agent, request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';
import { ApiError, statusFailure } from '../kube/errors.js';
import type { KubeList, KubeObject, Status } from '../kube/types.js';
import type { ClientConfig } from './config.js';
import { apiVersionOf, pathOf, type ResourceRef } from './resources.js';

export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

const patchContentType: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchHandle {
  stop(): void;
  /** Resolves when the stream ends (server timeout, stop(), or an error: then rejects). */
  done: Promise<void>;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** Aborting it ends the request (the promise rejects). */
  signal?: AbortSignal;
}

function queryString(q: RequestOptions['query']): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

const DIAL_TIMEOUT_MS = 30_000;

export class ApiClient {
  private readonly agent: Agent;
  private readonly url: URL;
  private tokenCache?: { value: string; readAt: number };

  constructor(readonly config: ClientConfig) {
    this.url = new URL(config.server);
    this.agent = new Agent({ keepAlive: true, maxSockets: 64, ca: config.caPem, cert: config.certPem, key: config.keyPem });
  }

  close(): void {
    this.agent.destroy();
  }

  private token(): string | undefined {
    if (this.config.tokenSource) return this.config.tokenSource();
    if (this.config.token) return this.config.token;
    if (!this.config.tokenFile) return undefined;
    const now = Date.now();
    if (!this.tokenCache || now - this.tokenCache.readAt > 60_000) {
      this.tokenCache = { value: readFileSync(this.config.tokenFile, 'utf8').trim(), readAt: now };
    }
    return this.tokenCache.value;
  }

  private open(method: string, path: string, o: RequestOptions, onResponse: (res: IncomingMessage) => void, onError: (e: Error) => void): () => void {
    const headers: Record<string, string> = { Accept: o.accept ?? 'application/json', 'User-Agent': this.config.userAgent ?? 'knit' };
    const token = this.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    let payload: Buffer | undefined;
    if (o.body !== undefined) {
      payload = Buffer.from(typeof o.body === 'string' ? o.body : JSON.stringify(o.body));
      headers['Content-Type'] = o.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const req = httpsRequest({
      host: this.url.hostname.replace(/^\[|\]$/g, ''), port: this.url.port || 443, method, path: path + queryString(o.query), headers, agent: this.agent, signal: o.signal,
      servername: /^[\d.]+$|:/.test(this.url.hostname) ? undefined : this.url.hostname,
    }, onResponse);
    req.on('error', onError);
    // A dial that never completes (a Service IP before its rules exist) fails after 30 s, as client-go's dialer.
    req.on('socket', (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(() => req.destroy(new Error(`dial tcp ${this.url.host}: i/o timeout`)), DIAL_TIMEOUT_MS);
      socket.once('connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
    req.end(payload);
    return () => req.destroy();
  }

  /** One request; a non-2xx answer throws ApiError carrying the server's Status. */
  request<T = unknown>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    return new Promise((resolve, reject) => {
      this.open(method, path, o, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const code = res.statusCode ?? 0;
          let body: any;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = text;
          }
          if (code >= 200 && code < 300) return resolve(body as T);
          const status: Status = body?.kind === 'Status' ? body : statusFailure(code, 'Unknown', typeof body === 'string' && body ? body : `${method} ${path}: HTTP ${code}`);
          reject(new ApiError(status));
        });
      }, reject);
    });
  }

  get<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string | undefined, name: string, subresource?: string): Promise<T> {
    return this.request<T>('GET', pathOf(ref, namespace, name, subresource));
  }

  list<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace?: string, o: ListOptions = {}, signal?: AbortSignal): Promise<KubeList<T>> {
    return this.request<KubeList<T>>('GET', pathOf(ref, namespace), { query: { ...o }, signal });
  }

  create<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string | undefined, obj: KubeObject, subresource?: string): Promise<T> {
    const body = { apiVersion: apiVersionOf(ref), kind: ref.kind, ...obj };
    const name = subresource ? obj.metadata?.name : undefined;
    return this.request<T>('POST', pathOf(ref, namespace, name, subresource), { body });
  }

  update<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: KubeObject, subresource?: string): Promise<T> {
    const body = { apiVersion: apiVersionOf(ref), kind: ref.kind, ...obj };
    return this.request<T>('PUT', pathOf(ref, obj.metadata.namespace, obj.metadata.name, subresource), { body });
  }

  updateStatus<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: KubeObject): Promise<T> {
    return this.update<T>(ref, obj, 'status');
  }

  patch<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string | undefined, name: string, patch: unknown, type: PatchType = 'merge', subresource?: string, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('PATCH', pathOf(ref, namespace, name, subresource), { body: patch, contentType: patchContentType[type], query });
  }

  delete(ref: ResourceRef, namespace: string | undefined, name: string, options: { gracePeriodSeconds?: number; propagationPolicy?: string; preconditions?: { uid?: string; resourceVersion?: string } } = {}): Promise<KubeObject> {
    return this.request<KubeObject>('DELETE', pathOf(ref, namespace, name), { body: { kind: 'DeleteOptions', apiVersion: 'v1', ...options } });
  }

  /**
   * A GET whose answer is read line by line as it comes (a watch, a followed log); stop() ends it.
   * A non-2xx answer rejects `done` with the server's Status; so does anything onLine throws,
   * which also ends the stream.
   */
  streamLines(path: string, o: RequestOptions, onLine: (line: string) => void): WatchHandle {
    let cancel: () => void = () => undefined;
    let stopped = false;
    const done = new Promise<void>((resolve, reject) => {
      cancel = this.open('GET', path, o, (res) => {
        const failed = (res.statusCode ?? 0) >= 300;
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          if (failed) return;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            try {
              onLine(line);
            } catch (err) {
              reject(err as Error);
              cancel();
              return;
            }
          }
        });
        res.on('end', () => {
          if (!failed) return resolve();
          let status: Status;
          try { status = JSON.parse(buf); } catch { status = statusFailure(res.statusCode ?? 500, 'Unknown', buf || `GET ${path} failed`); }
          reject(new ApiError(status));
        });
        res.on('close', () => resolve());
        res.on('error', (e) => (stopped ? resolve() : reject(e)));
      }, (e) => (stopped ? resolve() : reject(e)));
    });
    return {
      stop: () => {
        stopped = true;
        cancel();
      },
      done,
    };
  }

  /** Streams watch events; handler errors end the watch. */
  watch<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string | undefined, o: WatchOptions, onEvent: (type: WatchEventType, obj: T) => void): WatchHandle {
    const query = { watch: 1, ...o, allowWatchBookmarks: o.allowWatchBookmarks ? 'true' : undefined };
    return this.streamLines(pathOf(ref, namespace), { query }, (line) => {
      if (!line.trim()) return;
      const ev = JSON.parse(line) as { type: WatchEventType; object: any };
      if (ev.type === 'ERROR') throw new ApiError(ev.object as Status);
      onEvent(ev.type, ev.object as T);
    });
  }
}
