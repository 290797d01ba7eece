// Storage benchmark: knit's SqliteStore against etcd 3.4 (Debian's etcd-server), both measured
// in this run on this machine. Prints each figure beside etcd's and the ratio.
//
//   node --import tsx bench/storage.bench.ts [--keys 10000] [--seconds 20]
//
// knit is measured as the API server uses it, in process; etcd as an API server would reach it,
// over loopback HTTP through its v3 JSON gateway (kube-apiserver speaks gRPC, which costs less
// than JSON + base64 but is still a network hop). Creates and updates are compare-and-swap
// transactions on both sides. Every loop is bounded in count and time.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, type SqliteStoreOptions } from '../src/storage/sqlite.js';
import { EtcdClient, startEtcd } from './lib/etcd.js';
import { etcdBackend, measure, numberArg, report, type Backend, type BenchShape, type Results } from './lib/kvbench.js';

const keys = numberArg('keys', 10_000);
const shape: BenchShape = {
  objects: keys, phaseMs: numberArg('seconds', 20) * 1000, updates: Math.min(5_000, keys), concurrency: 16,
  lists: 30, page: 500, pageLists: 100, watchers: 100, watchWrites: 200,
};
const PREFIX = '/registry/configmaps/bench/';

const key = (i: number) => `cm-${String(i).padStart(6, '0')}`;
const value = (i: number, generation: number) =>
  JSON.stringify({
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: `cm-${i}`, namespace: 'bench', uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, labels: { app: 'bench', generation: String(generation) } },
    data: { 'config.yaml': 'x'.repeat(800) },
  });

function sqliteBackend(store: SqliteStore): Backend {
  return {
    create: async (i) => (await store.create(PREFIX + key(i), value(i, 0))).modRevision,
    update: async (i, g, r) => (await store.update(PREFIX + key(i), value(i, g), r)).modRevision,
    list: async (limit) => (await store.list(PREFIX, { limit })).items.length,
    currentRevision: () => store.currentRevision(),
    watch: (from, onEvent) => {
      const w = store.watch(PREFIX, { fromRevision: from, onEvent: () => onEvent() });
      return { ready: Promise.resolve(), stop: () => w.stop() };
    },
  };
}

async function withSqlite<T>(options: SqliteStoreOptions, body: (store: SqliteStore) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'knit-bench-sqlite-'));
  const store = new SqliteStore(join(dir, 'state.db'), options);
  try {
    return await body(store);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`storage benchmark: ${keys} keys of ~1 KiB, phases capped at ${shape.phaseMs / 1000} s`);
  console.log('knit\'s SQLite store is called in process; etcd is reached over loopback HTTP through its v3 JSON gateway,');
  console.log('so every etcd figure includes a network round trip and JSON + base64 encoding that knit\'s do not.');
  const knit = await withSqlite({}, (store) => measure('knit SqliteStore', shape, sqliteBackend(store)));
  const knitFull = await withSqlite({ synchronous: 'full' }, (store) => measure('knit SqliteStore, synchronous=full', shape, sqliteBackend(store)));
  const etcd = await startEtcd();
  let etcdResults: Results;
  try {
    etcdResults = await measure(`etcd ${etcd.version} (pid ${etcd.pid})`, shape, etcdBackend(new EtcdClient(etcd.endpoint), PREFIX, key, value));
  } finally {
    await etcd.stop();
  }
  report(shape, [{ title: 'SQLite in process', results: knit }, { title: 'SQLite sync=full', results: knitFull }], { title: `etcd ${etcd.version} via HTTP`, results: etcdResults }, [
    'sync=full: knit fsyncs every write, as etcd does; the default (normal) survives kill -9, not power loss.',
    'Not like for like: SQLite in process against etcd over loopback HTTP (its JSON gateway); kube-apiserver reaches etcd over gRPC, also a network hop.',
  ]);
}

await main();
