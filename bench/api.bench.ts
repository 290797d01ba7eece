// API server benchmark: a knit control plane (`knit up --nodes 0`, its own process) as clients
// reach it, over HTTPS with JSON, against etcd 3.4 (Debian's etcd-server) doing the same
// operations over its v3 JSON gateway, both measured in this run on this machine.
//
//   node --import tsx bench/api.bench.ts [--objects 10000] [--seconds 20]
//
// knit's figures carry everything a request costs in an API server (TLS, decoding, defaulting,
// validation, managedFields, storage, encoding, the controllers' informers); etcd's are storage
// alone, the floor under any Kubernetes API server. Creates and updates keep CONCURRENCY requests
// in flight; updates carry the resourceVersion they replace (compare-and-swap on both sides).
// Every loop is bounded in count and time; everything started is stopped by its pid.

import { startCluster } from '../test/e2e/lib/cluster.js';
import { ApiServerClient } from './lib/apiserver.js';
import { EtcdClient, startEtcd } from './lib/etcd.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const OBJECTS = arg('objects', 10_000);
const PHASE_MS = arg('seconds', 20) * 1000;
const UPDATES = Math.min(5_000, OBJECTS);
const CONCURRENCY = 16;
const LISTS = 20;
const PAGE = 500;
const PAGE_LISTS = 100;
const WATCHERS = 100;
const WATCH_WRITES = 200;
const DELIVERY_GIVE_UP_MS = 10_000;
const NAMESPACE = 'bench';

/** The operations, as each side does them. Every write returns the revision it made. */
interface Backend {
  create(i: number): Promise<number>;
  update(i: number, generation: number, revision: number): Promise<number>;
  /** Lists every object (limit 0) or the first `limit`; returns how many came back. */
  list(limit: number): Promise<number>;
  currentRevision(): Promise<number>;
  watch(fromRevision: number, onEvent: () => void): { ready: Promise<void>; stop(): void };
}

interface Percentiles {
  p50: number;
  p99: number;
}

interface Results {
  createsPerSec: number;
  updatesPerSec: number;
  list: Percentiles;
  page: Percentiles;
  watch: Percentiles;
}

const name = (i: number) => `cm-${String(i).padStart(6, '0')}`;
/** A ConfigMap of about 1 KiB, as a client writes it. */
const configMap = (i: number, generation: number, resourceVersion?: number) => ({
  apiVersion: 'v1', kind: 'ConfigMap',
  metadata: { name: name(i), namespace: NAMESPACE, labels: { app: 'bench', generation: String(generation) }, ...(resourceVersion ? { resourceVersion: String(resourceVersion) } : {}) },
  data: { 'config.yaml': 'x'.repeat(800) },
});

const now = () => performance.now();

/** Runs task(0..count-1), CONCURRENCY at a time, until all are done or limitMs has passed. */
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

function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.floor(q * (sorted.length - 1))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99) };
}

async function measure(label: string, backend: Backend): Promise<Results> {
  process.stdout.write(`${label}: `);
  const revisions = new Array<number>(OBJECTS);
  const create = async (i: number) => {
    revisions[i] = await backend.create(i);
  };
  const creates = await pool(OBJECTS, PHASE_MS, create);
  if (creates.done < OBJECTS) await pool(OBJECTS - creates.done, Infinity, (i) => create(creates.done + i)); // fill to OBJECTS, untimed
  process.stdout.write('creates ');

  const updates = await pool(UPDATES, PHASE_MS, async (i) => {
    revisions[i] = await backend.update(i, 1, revisions[i]);
  });
  process.stdout.write('updates ');

  const list = await timedLoop(LISTS, PHASE_MS, async () => {
    const n = await backend.list(0);
    if (n < OBJECTS) throw new Error(`${label}: a list returned ${n} of ${OBJECTS} objects`);
  });
  const page = await timedLoop(PAGE_LISTS, PHASE_MS, () => backend.list(PAGE));
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

/** WATCHERS watch the objects; each write waits until all of them have it, timing each delivery. */
async function watchLatency(backend: Backend, revisions: number[]): Promise<number[]> {
  const samples: number[] = [];
  let writeStarted = 0;
  let pending = 0;
  let allDelivered: (() => void) | undefined;
  const from = await backend.currentRevision();
  const watches = Array.from({ length: WATCHERS }, () => backend.watch(from, () => {
    samples.push(now() - writeStarted);
    if (--pending === 0) allDelivered?.();
  }));
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
      revisions[i] = await backend.update(i, 2 + i, revisions[i]);
      await delivered.finally(() => clearTimeout(timer));
    }
  } finally {
    for (const w of watches) w.stop();
  }
  return samples;
}

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

function etcdBackend(client: EtcdClient): Backend {
  const prefix = `/registry/configmaps/${NAMESPACE}/`;
  const checked = async (r: Promise<{ ok: boolean; revision: number }>, what: string) => {
    const { ok, revision } = await r;
    if (!ok) throw new Error(`etcd: ${what} failed its compare`);
    return revision;
  };
  return {
    create: (i) => checked(client.create(prefix + name(i), JSON.stringify(configMap(i, 0))), `create ${name(i)}`),
    update: (i, generation, revision) => checked(client.update(prefix + name(i), JSON.stringify(configMap(i, generation)), revision), `update ${name(i)}`),
    list: async (limit) => (await client.list(prefix, { limit })).kvs.length,
    currentRevision: async () => (await client.list(prefix, { limit: 1 })).revision,
    watch: (from, onEvent) => client.watch(prefix, from, () => onEvent()),
  };
}

function report(etcdVersion: string, knit: Results, etcd: Results): void {
  const n = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3));
  const ms = (x: number) => `${x < 1 ? x.toFixed(3) : x < 100 ? x.toPrecision(3) : Math.round(x).toLocaleString('en-US')} ms`;
  const ratio = (r: number) => `${r >= 1 ? r.toPrecision(3) : r.toFixed(2)}x`;
  const rows: [string, string, string, string][] = [];
  const rate = (label: string, k: number, e: number) => rows.push([label, `${n(k)}/s`, `${n(e)}/s`, ratio(k / e)]);
  const latency = (label: string, k: number, e: number) => rows.push([label, ms(k), ms(e), ratio(e / k)]);
  rate(`creates (${CONCURRENCY} in flight)`, knit.createsPerSec, etcd.createsPerSec);
  rate(`updates (${CONCURRENCY} in flight)`, knit.updatesPerSec, etcd.updatesPerSec);
  latency(`list ${OBJECTS} objects p50`, knit.list.p50, etcd.list.p50);
  latency(`list ${OBJECTS} objects p99`, knit.list.p99, etcd.list.p99);
  latency(`list first ${PAGE} of ${OBJECTS} p50`, knit.page.p50, etcd.page.p50);
  latency(`list first ${PAGE} of ${OBJECTS} p99`, knit.page.p99, etcd.page.p99);
  latency(`watch delivery, ${WATCHERS} watchers p50`, knit.watch.p50, etcd.watch.p50);
  latency(`watch delivery, ${WATCHERS} watchers p99`, knit.watch.p99, etcd.watch.p99);

  const header: [string, string, string, string] = ['', 'knit API server', `etcd ${etcdVersion}`, 'knit speed vs etcd'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('   ');
  console.log(`\n${line(header)}\n${rows.map(line).join('\n')}`);
  console.log('\nknit speed vs etcd: >1x means knit is faster (throughput ratio, or etcd latency / knit latency).');
  console.log('knit: the whole API server over HTTPS; etcd: storage alone over its JSON gateway, what any API server adds its work to.');
}

async function main(): Promise<void> {
  console.log(`API server benchmark: ${OBJECTS} ConfigMaps of ~1 KiB, phases capped at ${PHASE_MS / 1000} s`);
  const cluster = await startCluster({ prefix: 'bench-' });
  let knit: Results;
  try {
    await cluster.createNamespace(NAMESPACE);
    const api = new ApiServerClient(cluster.port, cluster.credentials(), CONCURRENCY);
    try {
      knit = await measure(`knit (pid ${cluster.pid()})`, knitBackend(api));
    } finally {
      api.close();
    }
  } finally {
    await cluster.down();
  }
  const etcd = await startEtcd();
  let etcdResults: Results;
  try {
    etcdResults = await measure(`etcd ${etcd.version} (pid ${etcd.pid})`, etcdBackend(new EtcdClient(etcd.endpoint)));
  } finally {
    await etcd.stop();
  }
  report(etcd.version, knit, etcdResults);
}

await main();
