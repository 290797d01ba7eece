// Custom resources against ConfigMaps in the same knit control plane (`knit up --nodes 0`, its
// own process), both of about 1 KiB, over HTTPS with JSON: creates per second with 16 requests in
// flight, and a list of every object (10,000 by default), p50 and p99 over repeated lists.
//
//   node --import tsx bench/crd.bench.ts [--objects 10000] [--seconds 30] [--lists 10]
//
// The CRD is what operators write: a structural schema with a map of strings (as a ConfigMap's
// data), a status subresource and a printer column. A custom resource's write adds pruning,
// defaulting and OpenAPI validation to what a ConfigMap's costs; the goal is to stay within 1.2x.
// Every loop is bounded in count and time; the cluster is stopped by the harness.

import { startCluster } from '../test/e2e/lib/cluster.js';
import { ApiServerClient } from './lib/apiserver.js';
import { numberArg, percentiles, type Percentiles } from './lib/kvbench.js';

const objects = numberArg('objects', 10_000);
const phaseMs = numberArg('seconds', 30) * 1000;
const lists = numberArg('lists', 10);
const CONCURRENCY = 16;
const NAMESPACE = 'bench';
/** Objects each kind writes first, in another namespace, so that neither measures a cold server. */
const WARMUP = 500;
const DATA = { 'config.yaml': 'x'.repeat(800) };

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'settings.bench.example.com' },
  spec: {
    group: 'bench.example.com', scope: 'Namespaced', names: { plural: 'settings', kind: 'Setting' },
    versions: [{
      name: 'v1', served: true, storage: true, subresources: { status: {} },
      additionalPrinterColumns: [{ name: 'Phase', type: 'string', jsonPath: '.status.phase' }],
      schema: {
        openAPIV3Schema: {
          type: 'object',
          properties: {
            data: { type: 'object', additionalProperties: { type: 'string' } },
            status: { type: 'object', properties: { phase: { type: 'string' } } },
          },
        },
      },
    }],
  },
};

interface Kind {
  title: string;
  collection(ns: string): string;
  body(ns: string, i: number): unknown;
}

const name = (i: number) => `obj-${String(i).padStart(6, '0')}`;
const KINDS: Kind[] = [
  {
    title: 'ConfigMap', collection: (ns) => `/api/v1/namespaces/${ns}/configmaps`,
    body: (ns, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: name(i), namespace: ns, labels: { app: 'bench' } }, data: DATA }),
  },
  {
    title: 'custom resource', collection: (ns) => `/apis/bench.example.com/v1/namespaces/${ns}/settings`,
    body: (ns, i) => ({ apiVersion: 'bench.example.com/v1', kind: 'Setting', metadata: { name: name(i), namespace: ns, labels: { app: 'bench' } }, data: DATA }),
  },
];

const now = () => performance.now();

async function creates(api: ApiServerClient, kind: Kind, ns: string, count: number): Promise<number> {
  const start = now();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count && now() - start < phaseMs) {
      await api.call('POST', kind.collection(ns), kind.body(ns, next++));
      done++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return done / ((now() - start) / 1000);
}

async function listAll(api: ApiServerClient, kind: Kind): Promise<{ latency: Percentiles; items: number }> {
  const samples: number[] = [];
  let items = 0;
  const start = now();
  for (let i = 0; i < lists && now() - start < phaseMs; i++) {
    const t = now();
    items = (await api.call('GET', kind.collection(NAMESPACE))).items.length;
    samples.push(now() - t);
  }
  return { latency: percentiles(samples), items };
}

async function main(): Promise<void> {
  console.log(`Custom resources against ConfigMaps: ${objects} objects of ~1 KiB each, ${CONCURRENCY} creates in flight, ${lists} full lists`);
  const cluster = await startCluster({ prefix: 'benchcrd-' });
  const results: { kind: Kind; createsPerSec: number; list: Percentiles; items: number }[] = [];
  try {
    await cluster.createNamespace(NAMESPACE);
    await cluster.createNamespace('warmup');
    await cluster.kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(CRD) });
    await cluster.kubectlOk(['wait', '--for=condition=Established', 'crd/settings.bench.example.com', '--timeout=30s']);
    const api = new ApiServerClient(cluster.port, cluster.credentials(), CONCURRENCY);
    try {
      for (const kind of KINDS) await creates(api, kind, 'warmup', WARMUP);
      for (const kind of KINDS) {
        const createsPerSec = await creates(api, kind, NAMESPACE, objects);
        const { latency, items } = await listAll(api, kind);
        results.push({ kind, createsPerSec, list: latency, items });
      }
    } finally {
      api.close();
    }
  } finally {
    await cluster.down();
  }
  const [cm, cr] = results;
  const row = (label: string, a: string, b: string, ratio: string) => console.log(`${label.padEnd(28)}${a.padStart(14)}${b.padStart(18)}${ratio.padStart(10)}`);
  console.log('');
  row('', 'ConfigMap', 'custom resource', 'ratio');
  row('creates/s', cm.createsPerSec.toFixed(0), cr.createsPerSec.toFixed(0), `${(cm.createsPerSec / cr.createsPerSec).toFixed(2)}x`);
  row('list of all, p50 (ms)', cm.list.p50.toFixed(1), cr.list.p50.toFixed(1), `${(cr.list.p50 / cm.list.p50).toFixed(2)}x`);
  row('list of all, p99 (ms)', cm.list.p99.toFixed(1), cr.list.p99.toFixed(1), `${(cr.list.p99 / cm.list.p99).toFixed(2)}x`);
  row('objects listed', String(cm.items), String(cr.items), '');
  console.log('\nratio: how many times the custom resource\'s cost is the ConfigMap\'s (creates: ConfigMap rate / custom resource rate). Goal: within 1.2x.');
  console.log('The namespace\'s ConfigMaps include kube-root-ca.crt, which the controllers write.');
}

await main();
