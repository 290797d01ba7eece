// API server benchmark: a knit control plane (`knit up --nodes 0`, its own process) as clients
// reach it, over HTTPS with JSON, against etcd 3.4 (Debian's etcd-server) doing the same
// operations over its v3 JSON gateway, both measured in this run on this machine.
//
//   node --import tsx bench/api.bench.ts [--objects 10000] [--seconds 20]
//
// knit's figures carry everything a request costs in an API server (TLS, decoding, defaulting,
// validation, managedFields, storage, encoding, the controllers' informers); etcd's are storage
// alone, the floor under any Kubernetes API server. Creates and updates keep `concurrency`
// requests in flight; updates carry the resourceVersion they replace (compare-and-swap on both
// sides). Every loop is bounded in count and time; everything started is stopped by its pid.

import { startCluster } from '../test/e2e/lib/cluster.js';
import { ApiServerClient } from './lib/apiserver.js';
import { EtcdClient, startEtcd } from './lib/etcd.js';
import { etcdBackend, measure, numberArg, report, type Backend, type BenchShape } from './lib/kvbench.js';

const objects = numberArg('objects', 10_000);
const shape: BenchShape = {
  objects, phaseMs: numberArg('seconds', 20) * 1000, updates: Math.min(5_000, objects), concurrency: 16,
  lists: 20, page: 500, pageLists: 100, watchers: 100, watchWrites: 200,
};
const NAMESPACE = 'bench';

const name = (i: number) => `cm-${String(i).padStart(6, '0')}`;
/** A ConfigMap of about 1 KiB, as a client writes it. */
const configMap = (i: number, generation: number, resourceVersion?: number) => ({
  apiVersion: 'v1', kind: 'ConfigMap',
  metadata: { name: name(i), namespace: NAMESPACE, labels: { app: 'bench', generation: String(generation) }, ...(resourceVersion ? { resourceVersion: String(resourceVersion) } : {}) },
  data: { 'config.yaml': 'x'.repeat(800) },
});

function knitBackend(api: ApiServerClient): Backend {
  const collection = `/api/v1/namespaces/${NAMESPACE}/configmaps`;
  const rv = (obj: { metadata: { resourceVersion: string } }) => Number(obj.metadata.resourceVersion);
  return {
    create: async (i) => rv(await api.call('POST', collection, configMap(i, 0))),
    update: async (i, generation, revision) => rv(await api.call('PUT', `${collection}/${name(i)}`, configMap(i, generation, revision))),
    list: async (limit) => (await api.call('GET', `${collection}${limit ? `?limit=${limit}` : ''}`)).items.length,
    currentRevision: async () => rv(await api.call('GET', `${collection}?limit=1`)),
    watch: (from, onEvent) => api.watch(`${collection}?watch=true&resourceVersion=${from}`, (e) => {
      if (e.type !== 'BOOKMARK') onEvent();
    }),
  };
}

async function main(): Promise<void> {
  console.log(`API server benchmark: ${objects} ConfigMaps of ~1 KiB, phases capped at ${shape.phaseMs / 1000} s`);
  const cluster = await startCluster({ prefix: 'bench-' });
  let knit;
  try {
    await cluster.createNamespace(NAMESPACE);
    const api = new ApiServerClient(cluster.port, cluster.credentials(), shape.concurrency);
    try {
      knit = await measure(`knit (pid ${cluster.pid()})`, shape, knitBackend(api));
    } finally {
      api.close();
    }
  } finally {
    await cluster.down();
  }
  const etcd = await startEtcd();
  let etcdResults;
  try {
    const client = new EtcdClient(etcd.endpoint);
    etcdResults = await measure(`etcd ${etcd.version} (pid ${etcd.pid})`, shape, etcdBackend(client, `/registry/configmaps/${NAMESPACE}/`, name, (i, g) => JSON.stringify(configMap(i, g))));
  } finally {
    await etcd.stop();
  }
  report(shape, [{ title: 'knit API server', results: knit }], { title: `etcd ${etcd.version}`, results: etcdResults }, [
    'knit: the whole API server over HTTPS; etcd: storage alone over its JSON gateway, what any API server adds its work to.',
  ]);
}

await main();
