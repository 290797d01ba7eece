// For tests: knit's API server as a cluster runs it, on a memory store (or a given one) over HTTPS
// on a free loopback port, with its CA and an admin client certificate (system:masters), and a
// raw client that sends any body with any content type, as anyone.

import { request } from 'node:https';
import { createCA, createSigningKey, issueCert } from '../pki/index.js';
import { MemoryStore } from '../storage/memory.js';
import type { Store } from '../storage/types.js';
import { createApiServer, type ApiServer } from './index.js';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body as JSON (undefined when it is not). */
  json: any;
}

/** Who sends a request: a client certificate, a bearer token, headers (impersonation). */
export interface Caller {
  cert?: string;
  key?: string;
  token?: string;
  headers?: Record<string, string>;
}

export interface TestApiServerOptions {
  /** The store to serve (default: a new memory store, closed with the server). */
  store?: Store;
  /** The CA to issue the server's certificate from (default: a new one). */
  ca?: ReturnType<typeof createCA>;
  serviceAccountKey?: ReturnType<typeof createSigningKey>;
  log?: (line: string) => void;
}

export interface TestApiServer {
  store: Store;
  server: ApiServer;
  port: number;
  url: string;
  ca: ReturnType<typeof createCA>;
  /** The admin's client certificate (system:masters). */
  admin: { cert: string; key: string };
  /** One request as the admin, or as `who`; the whole answer (a watch: until the server ends it). */
  call(method: string, path: string, body?: unknown, contentType?: string, headers?: Record<string, string>, who?: Caller): Promise<Answer>;
  close(): Promise<void>;
}

export async function startTestApiServer(o: TestApiServerOptions = {}): Promise<TestApiServer> {
  const ca = o.ca ?? createCA('kubernetes');
  const serving = issueCert(ca, { commonName: 'kube-apiserver', ipAddresses: ['127.0.0.1'], usage: 'server' });
  const adminCert = issueCert(ca, { commonName: 'kubernetes-admin', organizations: ['system:masters'], usage: 'client' });
  const admin = { cert: adminCert.certPem, key: adminCert.keyPem };
  const store = o.store ?? new MemoryStore();
  const api = createApiServer({
    store, tls: { caPem: ca.certPem, certPem: serving.certPem, keyPem: serving.keyPem },
    serviceCIDR: '10.96.0.0/12', nodePortRange: [30000, 32767], advertiseIP: '127.0.0.1', advertisePort: 6443,
    serviceAccountKey: o.serviceAccountKey ?? createSigningKey(), log: o.log,
  });
  await api.start();
  await api.server.listen('127.0.0.1', 0);
  const port = api.server.address().port;
  const call = (method: string, path: string, body?: unknown, contentType = 'application/json', headers: Record<string, string> = {}, who: Caller = admin): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const all: Record<string, string> = { 'Content-Type': contentType, ...who.headers, ...headers };
      if (who.token) all.Authorization = `Bearer ${who.token}`;
      const req = request({ host: '127.0.0.1', port, method, path, ca: ca.certPem, cert: who.cert, key: who.key, agent: false, headers: all }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          let json: unknown;
          try { json = JSON.parse(text); } catch { json = undefined; }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
    });
  return {
    store, server: api.server, port, url: `https://127.0.0.1:${port}`, ca, admin, call,
    async close() {
      await api.server.close();
      if (!o.store) await store.close();
    },
  };
}
