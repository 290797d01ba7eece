// For the CRD tests: knit's API server (src/api/testing.ts) and a CRD builder.

import { startTestApiServer, type TestApiServer } from '../testing.js';
import type { JSONSchemaProps } from './types.js';

export type { Answer } from '../testing.js';
export type TestServer = TestApiServer;

export const startServer = (): Promise<TestServer> => startTestApiServer();

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
