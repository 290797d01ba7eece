// For tests: knit's API server on a memory store over HTTPS on loopback, with a client that
// sends any body with any content type, and a CRD builder.

import { request } from 'node:https';
import { createCA, createSigningKey, issueCert } from '../../pki/index.js';
import { MemoryStore } from '../../storage/memory.js';
import { createApiServer } from '../index.js';
import type { JSONSchemaProps } from './types.js';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body as JSON (undefined when it is not). */
  json: any;
}

export interface TestServer {
  store: MemoryStore;
  call(method: string, path: string, body?: unknown, contentType?: string, headers?: Record<string, string>): Promise<Answer>;
  close(): Promise<void>;
}

export async function startServer(): Promise<TestServer> {
  const ca = createCA('kubernetes');
  const serving = issueCert(ca, { commonName: 'kube-apiserver', ipAddresses: ['127.0.0.1'], usage: 'server' });
  const admin = issueCert(ca, { commonName: 'kubernetes-admin', organizations: ['system:masters'], usage: 'client' });
  const store = new MemoryStore();
  const api = createApiServer({
    store, tls: { caPem: ca.certPem, certPem: serving.certPem, keyPem: serving.keyPem },
    serviceCIDR: '10.96.0.0/12', nodePortRange: [30000, 32767], advertiseIP: '127.0.0.1', advertisePort: 6443,
    serviceAccountKey: createSigningKey(),
  });
  await api.start();
  await api.server.listen('127.0.0.1', 0);
  const port = api.server.address().port;
  const call = (method: string, path: string, body?: unknown, contentType = 'application/json', headers: Record<string, string> = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = request({
        host: '127.0.0.1', port, method, path, ca: ca.certPem, cert: admin.certPem, key: admin.keyPem, agent: false,
        headers: { 'Content-Type': contentType, ...headers },
      }, (res) => {
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
    store,
    call,
    async close() {
      await api.server.close();
      await store.close();
    },
  };
}

/** A CRD of stable.example.com with one version per entry of `versions` (the first stored). */
export function crdOf(plural: string, kind: string, schema: JSONSchemaProps, versions: Record<string, unknown>[] = [{ name: 'v1' }], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `${plural}.stable.example.com` },
    spec: {
      group: 'stable.example.com', scope: 'Namespaced', names: { plural, kind },
      versions: versions.map((v, i) => ({ served: true, storage: i === 0, schema: { openAPIV3Schema: schema }, ...v })),
      ...extra,
    },
  };
}

/** Resolves when check() is truthy (polling every 10 ms, at most 5 s). */
export async function eventually<T>(what: string, check: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
