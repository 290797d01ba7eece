// The measurements the storage and API server benchmarks share: creates and updates per second
// with a number of requests in flight, list latency over everything and over a first page, and
// watch delivery latency to many watchers; one report table with ratios against etcd.

import type { EtcdClient } from './etcd.js';

/** What a benchmark needs from a backend, for objects numbered 0..n-1. Writes return their revision. */
export interface Backend {
  create(i: number): Promise<number>;
  update(i: number, generation: number, revision: number): Promise<number>;
  /** Lists every object (limit 0) or the first `limit`; returns how many came back. */
  list(limit: number): Promise<number>;
  currentRevision(): Promise<number>;
  watch(fromRevision: number, onEvent: () => void): { ready: Promise<void>; stop(): void };
}

export interface Percentiles {
  p50: number;
  p99: number;
}

export interface Results {
  createsPerSec: number;
  updatesPerSec: number;
  list: Percentiles;
  page: Percentiles;
  watch: Percentiles;
}

export interface BenchShape {
  objects: number;
  phaseMs: number;
  updates: number;
  concurrency: number;
  lists: number;
  page: number;
  pageLists: number;
  watchers: number;
  watchWrites: number;
}

const DELIVERY_GIVE_UP_MS = 10_000;

export const numberArg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

const now = () => performance.now();

/** Runs task(0..count-1), `concurrency` at a time, until all are done or limitMs has passed. */
async function pool(count: number, concurrency: number, limitMs: number, task: (i: number) => Promise<void>): Promise<{ done: number; seconds: number }> {
  const start = now();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count && now() - start < limitMs) {
      await task(next++);
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
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

export function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.floor(q * (sorted.length - 1))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99) };
}

/** The watchers watch the objects; each write waits until all of them have it, timing each delivery. */
async function watchLatency(s: BenchShape, backend: Backend, revisions: number[]): Promise<number[]> {
  const samples: number[] = [];
  let writeStarted = 0;
  let pending = 0;
  let allDelivered: (() => void) | undefined;
  const from = await backend.currentRevision();
  const watches = Array.from({ length: s.watchers }, () => backend.watch(from, () => {
    samples.push(now() - writeStarted);
    if (--pending === 0) allDelivered?.();
  }));
  try {
    await Promise.all(watches.map((w) => w.ready));
    const start = now();
    for (let i = 0; i < s.watchWrites && now() - start < s.phaseMs; i++) {
      pending = s.watchers;
      let timer: NodeJS.Timeout | undefined;
      const delivered = new Promise<void>((resolve, reject) => {
        allDelivered = resolve;
        timer = setTimeout(() => reject(new Error(`only ${s.watchers - pending} of ${s.watchers} watchers got write ${i}`)), DELIVERY_GIVE_UP_MS);
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

export async function measure(label: string, s: BenchShape, backend: Backend): Promise<Results> {
  process.stdout.write(`${label}: `);
  const revisions = new Array<number>(s.objects);
  const create = async (i: number) => {
    revisions[i] = await backend.create(i);
  };
  const creates = await pool(s.objects, s.concurrency, s.phaseMs, create);
  if (creates.done < s.objects) await pool(s.objects - creates.done, s.concurrency, Infinity, (i) => create(creates.done + i)); // fill, untimed
  process.stdout.write('creates ');
  const updates = await pool(s.updates, s.concurrency, s.phaseMs, async (i) => {
    revisions[i] = await backend.update(i, 1, revisions[i]);
  });
  process.stdout.write('updates ');
  const list = await timedLoop(s.lists, s.phaseMs, async () => {
    const n = await backend.list(0);
    if (n < s.objects) throw new Error(`${label}: a list returned ${n} of ${s.objects} objects`);
  });
  const page = await timedLoop(s.pageLists, s.phaseMs, () => backend.list(s.page));
  process.stdout.write('lists ');
  const watch = await watchLatency(s, backend, revisions);
  process.stdout.write('watch\n');
  return {
    createsPerSec: creates.done / creates.seconds,
    updatesPerSec: updates.done / updates.seconds,
    list: percentiles(list),
    page: percentiles(page),
    watch: percentiles(watch),
  };
}

/** etcd doing the same operations on `prefix`, each object's value from value(i, generation). */
export function etcdBackend(client: EtcdClient, prefix: string, key: (i: number) => string, value: (i: number, generation: number) => string): Backend {
  const checked = async (r: Promise<{ ok: boolean; revision: number }>, what: string) => {
    const { ok, revision } = await r;
    if (!ok) throw new Error(`etcd: ${what} failed its compare`);
    return revision;
  };
  return {
    create: (i) => checked(client.create(prefix + key(i), value(i, 0)), `create ${key(i)}`),
    update: (i, generation, revision) => checked(client.update(prefix + key(i), value(i, generation), revision), `update ${key(i)}`),
    list: async (limit) => (await client.list(prefix, { limit })).kvs.length,
    currentRevision: async () => (await client.list(prefix, { limit: 1 })).revision,
    watch: (from, onEvent) => client.watch(prefix, from, () => onEvent()),
  };
}

/** One row per figure: knit's (one or more columns), etcd's, and knit's speed relative to etcd. */
export function report(s: BenchShape, columns: { title: string; results: Results }[], etcd: { title: string; results: Results }, notes: string[]): void {
  const n = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3));
  const ms = (x: number) => `${x < 1 ? x.toFixed(3) : x < 100 ? x.toPrecision(3) : Math.round(x).toLocaleString('en-US')} ms`;
  const ratio = (r: number) => `${r >= 1 ? r.toPrecision(3) : r.toFixed(2)}x`;
  const rows: string[][] = [];
  const rate = (label: string, f: (r: Results) => number) =>
    rows.push([label, ...columns.map((c) => `${n(f(c.results))}/s`), `${n(f(etcd.results))}/s`, ...columns.map((c) => ratio(f(c.results) / f(etcd.results)))]);
  const latency = (label: string, f: (r: Results) => number) =>
    rows.push([label, ...columns.map((c) => ms(f(c.results))), ms(f(etcd.results)), ...columns.map((c) => ratio(f(etcd.results) / f(c.results)))]);
  rate(`creates (${s.concurrency} in flight)`, (r) => r.createsPerSec);
  rate(`updates (${s.concurrency} in flight)`, (r) => r.updatesPerSec);
  latency(`list ${s.objects} objects p50`, (r) => r.list.p50);
  latency(`list ${s.objects} objects p99`, (r) => r.list.p99);
  latency(`list first ${s.page} of ${s.objects} p50`, (r) => r.page.p50);
  latency(`list first ${s.page} of ${s.objects} p99`, (r) => r.page.p99);
  latency(`watch delivery, ${s.watchers} watchers p50`, (r) => r.watch.p50);
  latency(`watch delivery, ${s.watchers} watchers p99`, (r) => r.watch.p99);
  const header = ['', ...columns.map((c) => c.title), etcd.title, ...columns.map((c) => `${columns.length > 1 ? `${c.title} ` : 'knit '}vs etcd`)];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('   ');
  console.log(`\n${line(header)}\n${rows.map(line).join('\n')}`);
  console.log('\nvs etcd: >1x means knit is faster (throughput ratio, or etcd latency / knit latency).');
  for (const note of notes) console.log(note);
}
