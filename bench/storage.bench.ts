// Storage benchmark: knit's SqliteStore against etcd 3.4 (Debian's etcd-server), both measured
// in this run on this machine. Prints each figure beside etcd's and the ratio.
//
//   node --import tsx bench/storage.bench.ts [--keys 10000] [--seconds 20]
//
// knit is measured as the API server uses it, in process; etcd as an API server would reach it,
// over loopback HTTP through its v3 JSON gateway (kube-apiserver speaks gRPC, which costs less
// than JSON + base64 but is still a network hop). Creates and updates are compare-and-swap
// transactions on both sides, CONCURRENCY in flight. Every loop is bounded in count and time.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, type SqliteStoreOptions } from '../src/storage/sqlite.js';
import { EtcdClient, startEtcd } from './lib/etcd.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const KEYS = arg('keys', 10_000);
const PHASE_MS = arg('seconds', 20) * 1000;
const UPDATES = Math.min(5_000, KEYS);
const CONCURRENCY = 16;
const LISTS = 30;
const PAGE = 500;
const PAGE_LISTS = 100;
const WATCHERS = 100;
const WATCH_WRITES = 200;
const DELIVERY_GIVE_UP_MS = 10_000;
const PREFIX = '/registry/configmaps/bench/';

/** What the benchmark needs from a backend. Revisions come back from every write. */
interface Backend {
  create(key: string, value: string): Promise<number>;
  update(key: string, value: string, revision: number): Promise<number>;
  /** Lists the prefix (limit 0: all); returns how many items came back. */
  list(prefix: string, limit: number): Promise<number>;
  currentRevision(): Promise<number>;
  watch(prefix: string, fromRevision: number, onEvent: (revision: number) => void): { ready: Promise<void>; stop(): void };
}

interface Results {
  createsPerSec: number;
  updatesPerSec: number;
  list: Percentiles;
  page: Percentiles;
  watch: Percentiles;
}

interface Percentiles {
  p50: number;
  p99: number;
}

const key = (i: number) => `${PREFIX}cm-${String(i).padStart(6, '0')}`;
const value = (i: number, generation: number) =>
  JSON.stringify({
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: `cm-${i}`, namespace: 'bench', uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, labels: { app: 'bench', generation: String(generation) } },
    data: { 'config.yaml': 'x'.repeat(800) },
  });

const now = () => performance.now();

/** Runs task(0..count-1), `concurrency` at a time, until all are done or limitMs has passed. */
async function pool(count: number, limitMs: number, task: (i: number) => Promise<void>): Promise<{ done: number; seconds: number }> {
  const start = now();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count && now() - start < limitMs) {
      await task(next++);
      done++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { done, seconds: (now() - start) / 1000 };
}

function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.floor(q * (sorted.length - 1))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99) };
}

async function timedLoop(times: number, limitMs: number, body: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  const start = now();
  for (let i = 0; i < times && now() - start < limitMs; i++) {
    const t = now();
    await body();
    samples.push(now() - t);
  }
  return samples;
}

async function measure(name: string, backend: Backend): Promise<Results> {
  process.stdout.write(`${name}: `);
  const revisions = new Array<number>(KEYS);
  const create = async (i: number) => {
    revisions[i] = await backend.create(key(i), value(i, 0));
  };
  const creates = await pool(KEYS, PHASE_MS, create);
  if (creates.done < KEYS) await pool(KEYS - creates.done, Infinity, (i) => create(creates.done + i)); // fill, untimed
  process.stdout.write('creates ');

  const updates = await pool(UPDATES, PHASE_MS, async (i) => {
    revisions[i] = await backend.update(key(i), value(i, 1), revisions[i]);
  });
  process.stdout.write('updates ');

  const list = await timedLoop(LISTS, PHASE_MS, async () => {
    if ((await backend.list(PREFIX, 0)) !== KEYS) throw new Error(`${name}: list did not return ${KEYS} items`);
  });
  const page = await timedLoop(PAGE_LISTS, PHASE_MS, () => backend.list(PREFIX, PAGE));
  process.stdout.write('lists ');

  const watch = await watchLatency(backend, revisions);
  process.stdout.write('watch\n');
  return {
    createsPerSec: creates.done / creates.seconds,
    updatesPerSec: updates.done / updates.seconds,
    list: percentiles(list),
    page: percentiles(page),
    watch: percentiles(watch),
  };
}

/** WATCHERS watch the prefix; each write waits until all of them have it, timing each delivery. */
async function watchLatency(backend: Backend, revisions: number[]): Promise<number[]> {
  const samples: number[] = [];
  let writeStarted = 0;
  let pending = 0;
  let allDelivered: (() => void) | undefined;
  const from = await backend.currentRevision();
  const watches = Array.from({ length: WATCHERS }, () =>
    backend.watch(PREFIX, from, () => {
      samples.push(now() - writeStarted);
      if (--pending === 0) allDelivered?.();
    }),
  );
  try {
    await Promise.all(watches.map((w) => w.ready));
    const start = now();
    for (let i = 0; i < WATCH_WRITES && now() - start < PHASE_MS; i++) {
      pending = WATCHERS;
      let timer: NodeJS.Timeout | undefined;
      const delivered = new Promise<void>((resolve, reject) => {
        allDelivered = resolve;
        timer = setTimeout(() => reject(new Error(`only ${WATCHERS - pending} of ${WATCHERS} watchers got write ${i}`)), DELIVERY_GIVE_UP_MS);
      });
      writeStarted = now();
      revisions[i] = await backend.update(key(i), value(i, 2 + i), revisions[i]);
      await delivered.finally(() => clearTimeout(timer));
    }
  } finally {
    for (const w of watches) w.stop();
  }
  return samples;
}

function sqliteBackend(store: SqliteStore): Backend {
  return {
    create: async (k, v) => (await store.create(k, v)).modRevision,
    update: async (k, v, r) => (await store.update(k, v, r)).modRevision,
    list: async (p, limit) => (await store.list(p, { limit })).items.length,
    currentRevision: () => store.currentRevision(),
    watch: (p, from, onEvent) => {
      const w = store.watch(p, { fromRevision: from, onEvent: (e) => onEvent(e.kv.modRevision) });
      return { ready: Promise.resolve(), stop: () => w.stop() };
    },
  };
}

function etcdBackend(client: EtcdClient): Backend {
  const checked = async (r: Promise<{ ok: boolean; revision: number }>, what: string) => {
    const { ok, revision } = await r;
    if (!ok) throw new Error(`etcd: ${what} failed its compare`);
    return revision;
  };
  return {
    create: (k, v) => checked(client.create(k, v), `create ${k}`),
    update: (k, v, r) => checked(client.update(k, v, r), `update ${k}`),
    list: async (p, limit) => (await client.list(p, { limit })).kvs.length,
    currentRevision: async () => (await client.list('/', { limit: 1 })).revision,
    watch: (p, from, onEvent) => client.watch(p, from, (e) => onEvent(e.kv.modRevision)),
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

function report(etcdVersion: string, knit: Results, knitFull: Results, etcd: Results): void {
  const n = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3));
  const ms = (x: number) => `${x < 1 ? x.toFixed(3) : x.toPrecision(3)} ms`;
  const faster = (ratio: number) => `${ratio >= 1 ? ratio.toPrecision(3) : ratio.toFixed(2)}x`;
  const rows: [string, string, string, string][] = [];
  const rate = (label: string, k: number, e: number) => rows.push([label, `${n(k)}/s`, `${n(e)}/s`, faster(k / e)]);
  const latency = (label: string, k: number, e: number) => rows.push([label, ms(k), ms(e), faster(e / k)]);
  rate(`creates (${CONCURRENCY} in flight)`, knit.createsPerSec, etcd.createsPerSec);
  rate('  with synchronous=full', knitFull.createsPerSec, etcd.createsPerSec);
  rate(`updates (${CONCURRENCY} in flight)`, knit.updatesPerSec, etcd.updatesPerSec);
  rate('  with synchronous=full', knitFull.updatesPerSec, etcd.updatesPerSec);
  latency(`list ${KEYS} keys p50`, knit.list.p50, etcd.list.p50);
  latency(`list ${KEYS} keys p99`, knit.list.p99, etcd.list.p99);
  latency(`list first ${PAGE} of ${KEYS} p50`, knit.page.p50, etcd.page.p50);
  latency(`list first ${PAGE} of ${KEYS} p99`, knit.page.p99, etcd.page.p99);
  latency(`watch delivery, ${WATCHERS} watchers p50`, knit.watch.p50, etcd.watch.p50);
  latency(`watch delivery, ${WATCHERS} watchers p99`, knit.watch.p99, etcd.watch.p99);

  const header: [string, string, string, string] = ['', 'knit (SQLite)', `etcd ${etcdVersion}`, 'knit speed vs etcd'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('   ');
  console.log(`\n${line(header)}\n${rows.map(line).join('\n')}`);
  console.log('\nknit speed vs etcd: >1x means knit is faster (throughput ratio, or etcd latency / knit latency).');
  console.log('synchronous=full rows: knit fsyncs every write, as etcd does; the default (normal) survives kill -9, not power loss.');
}

async function main(): Promise<void> {
  console.log(`storage benchmark: ${KEYS} keys of ~1 KiB, phases capped at ${PHASE_MS / 1000} s`);
  const knit = await withSqlite({}, (store) => measure('knit SqliteStore', sqliteBackend(store)));
  const knitFull = await withSqlite({ synchronous: 'full' }, (store) => measure('knit SqliteStore, synchronous=full', sqliteBackend(store)));
  const etcd = await startEtcd();
  let etcdResults: Results;
  try {
    etcdResults = await measure(`etcd ${etcd.version} (pid ${etcd.pid})`, etcdBackend(new EtcdClient(etcd.endpoint)));
  } finally {
    await etcd.stop();
  }
  report(etcd.version, knit, knitFull, etcdResults);
}

await main();
