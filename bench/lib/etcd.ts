// A private etcd for benchmarks: started on 127.0.0.1 with ephemeral ports and a temp data dir,
// stopped by its pid; and a small client for etcd's v3 JSON gateway (base64 keys and values,
// 64-bit numbers as strings) over fetch.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/e2e/lib/cluster.js';

export interface EtcdServer {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  pid: number;
  version: string;
  /** Stops etcd (SIGTERM, SIGKILL after 5 s) and removes its data dir. */
  stop(): Promise<void>;
}

export interface EtcdKeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
}

export interface EtcdWatchEvent {
  type: 'PUT' | 'DELETE';
  kv: EtcdKeyValue;
}

const START_ATTEMPTS = 3;
const READY_POLLS = 100;
const POLL_MS = 100;

export async function startEtcd(binary = '/usr/bin/etcd'): Promise<EtcdServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    try {
      return await startOnce(binary); // a port taken between probing and binding: try new ones
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

async function startOnce(binary: string): Promise<EtcdServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'knit-bench-etcd-'));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawn(binary, [
    '--name', 'bench', '--data-dir', dataDir,
    '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `bench=${peer}`, '--log-level', 'error',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    await stopChild(child, exited);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const version = await waitReady(client, child, () => stderr);
    return { endpoint: client, pid: child.pid as number, version, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function waitReady(endpoint: string, child: ChildProcess, stderr: () => string): Promise<string> {
  for (let i = 0; i < READY_POLLS; i++) {
    if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode}: ${stderr()}`);
    try {
      const health = (await (await fetch(`${endpoint}/health`)).json()) as { health?: string };
      if (health.health === 'true') {
        const version = (await (await fetch(`${endpoint}/version`)).json()) as { etcdserver: string };
        return version.etcdserver;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`etcd at ${endpoint} not ready after ${(READY_POLLS * POLL_MS) / 1000} s: ${stderr()}`);
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  process.kill(child.pid as number, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const killLater = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid as number, 'SIGKILL');
      resolve();
    }, 5000);
  });
  await Promise.race([exited, killLater]);
  clearTimeout(timer);
  await exited;
}

// --- client --------------------------------------------------------------------------------

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

/** The key just past every key that starts with prefix (etcd's prefix range end). */
function rangeEnd(prefix: string): string {
  const bytes = Buffer.from(prefix);
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i] < 0xff) {
      bytes[i]++;
      return bytes.subarray(0, i + 1).toString('base64');
    }
  }
  return b64('\0'); // all keys
}

interface RawKv {
  key: string;
  value?: string;
  create_revision?: string;
  mod_revision?: string;
}

const toKv = (kv: RawKv): EtcdKeyValue => ({
  key: unb64(kv.key),
  value: unb64(kv.value),
  createRevision: Number(kv.create_revision ?? 0),
  modRevision: Number(kv.mod_revision ?? 0),
});

export class EtcdClient {
  constructor(readonly endpoint: string) {}

  private async call<T>(path: string, body: unknown): Promise<T> {
    const res = await fetch(`${this.endpoint}/v3/${path}`, { method: 'POST', body: JSON.stringify(body) });
    const json = (await res.json()) as T & { error?: string; message?: string };
    if (!res.ok) throw new Error(`etcd ${path}: ${res.status} ${json.message ?? json.error ?? ''}`);
    return json;
  }

  /** Creates key if absent (a txn on create_revision = 0, as kube-apiserver creates). */
  async create(key: string, value: string): Promise<{ ok: boolean; revision: number }> {
    return this.txn({ key: b64(key), target: 'CREATE', result: 'EQUAL', create_revision: '0' }, key, value);
  }

  /** Replaces key's value if its mod revision is modRevision (a txn, as kube-apiserver updates). */
  async update(key: string, value: string, modRevision: number): Promise<{ ok: boolean; revision: number }> {
    return this.txn({ key: b64(key), target: 'MOD', result: 'EQUAL', mod_revision: String(modRevision) }, key, value);
  }

  private async txn(compare: object, key: string, value: string): Promise<{ ok: boolean; revision: number }> {
    const r = await this.call<{ succeeded?: boolean; header: { revision: string } }>('kv/txn', {
      compare: [compare],
      success: [{ request_put: { key: b64(key), value: b64(value) } }],
    });
    return { ok: r.succeeded === true, revision: Number(r.header.revision) };
  }

  /** Keys under prefix in key order, at most limit (0: all), as of revision (0: latest). */
  async list(prefix: string, options: { limit?: number; revision?: number } = {}): Promise<{ kvs: EtcdKeyValue[]; count: number; revision: number }> {
    const r = await this.call<{ kvs?: RawKv[]; count?: string; header: { revision: string } }>('kv/range', {
      key: b64(prefix), range_end: rangeEnd(prefix), limit: String(options.limit ?? 0), revision: String(options.revision ?? 0),
    });
    return { kvs: (r.kvs ?? []).map(toKv), count: Number(r.count ?? 0), revision: Number(r.header.revision) };
  }

  /**
   * Streams changes under prefix from fromRevision + 1. `ready` resolves once etcd has
   * confirmed the watch; stop() ends the stream.
   */
  watch(prefix: string, fromRevision: number, onEvent: (event: EtcdWatchEvent) => void): { ready: Promise<void>; stop(): void } {
    const abort = new AbortController();
    let confirm!: () => void;
    let fail!: (err: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      confirm = resolve;
      fail = reject;
    });
    const body = { create_request: { key: b64(prefix), range_end: rangeEnd(prefix), start_revision: String(fromRevision + 1) } };
    (async () => {
      const res = await fetch(`${this.endpoint}/v3/watch`, { method: 'POST', body: JSON.stringify(body), signal: abort.signal });
      if (!res.ok || !res.body) throw new Error(`etcd watch: ${res.status}`);
      const decoder = new TextDecoder();
      let buffered = '';
      for await (const chunk of res.body) {
        buffered += decoder.decode(chunk as Uint8Array, { stream: true });
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (!line) continue;
          const message = JSON.parse(line) as { result?: { created?: boolean; events?: { type?: string; kv: RawKv }[] }; error?: unknown };
          if (message.error) throw new Error(`etcd watch: ${JSON.stringify(message.error)}`);
          if (message.result?.created) confirm();
          for (const e of message.result?.events ?? []) onEvent({ type: e.type === 'DELETE' ? 'DELETE' : 'PUT', kv: toKv(e.kv) });
        }
      }
    })().catch((err: Error) => {
      if (!abort.signal.aborted) fail(err);
    });
    return { ready, stop: () => abort.abort() };
  }
}
