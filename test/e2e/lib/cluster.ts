// A knit cluster for one whole-cluster test file: a unique name, a free port, its own KNIT_HOME,
// KUBECONFIG and kubectl cache in a temp dir, `knit up -d` to start it and `knit down` plus
// removing the temp dir to end it. The real kubectl and @kubernetes/client-node talk to it.

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { run, StreamingProcess, type RunOptions, type RunResult } from './process.js';
import { waitFor } from './wait.js';

export interface ClusterOptions {
  /** Nodes to start (default 0: the control plane alone, no root needed). */
  nodes?: number;
  /** More `knit up` flags. */
  extraArgs?: string[];
  /** Start of the cluster's name: each test owner's prefix, e.g. "t10-" (default "e2e-"). */
  prefix?: string;
  /** The kubectl binary kubectl() and kubectlStream() run (default: `kubectl` on PATH); see toolPath(). */
  kubectl?: string;
}

export interface KubectlOptions {
  input?: string;
  timeoutMs?: number;
  /** Extra environment (KUBE_EDITOR, ...). */
  env?: Record<string, string>;
}

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RawRequestOptions {
  body?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  /** Present the admin client certificate (default true). */
  credentials?: boolean;
}

export interface Clients {
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  objects: k8s.KubernetesObjectApi;
}

/** The checkout's root: the folder holding bin/knit.js (from source or from dist/). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'bin', 'knit.js'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find bin/knit.js above the e2e harness');
    dir = up;
  }
  return dir;
}

const ROOT = repoRoot();
const KNIT = join(ROOT, 'bin', 'knit.js');
const START_ATTEMPTS = 3;

/** Clusters not yet down: ended (by pid) and their temp dirs removed if the test process exits early. */
const live = new Set<Cluster>();
process.once('exit', () => {
  for (const c of live) c.abandon();
});

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts a cluster and waits until it serves (and, with nodes, until every node is Ready). */
export async function startCluster(o: ClusterOptions = {}): Promise<Cluster> {
  const prefix = o.prefix ?? 'e2e-';
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const home = await mkdtemp(join(tmpdir(), `${prefix}home-`));
    const cluster = new Cluster(`${prefix}${randomBytes(4).toString('hex')}`, await freePort(), home, o);
    try {
      await cluster.start();
      return cluster;
    } catch (err) {
      lastError = err;
      await cluster.down().catch(() => undefined);
      // A port taken between probing and binding: try another name and port.
      if (!/already in use/.test(String((err as Error).message))) break;
    }
  }
  throw lastError;
}

export class Cluster {
  /** The admin kubeconfig (its only context is the cluster's). */
  readonly kubeconfig: string;
  /** Where the cluster keeps its objects (state.db), pki and log. */
  readonly dataDir: string;
  readonly server: string;
  private downing?: Promise<void>;
  private clients?: Clients;

  constructor(
    readonly name: string,
    readonly port: number,
    /** KNIT_HOME: everything of this cluster lives below it. */
    readonly home: string,
    private readonly o: ClusterOptions,
  ) {
    this.kubeconfig = join(home, 'kubeconfig');
    this.dataDir = join(home, name);
    this.server = `https://127.0.0.1:${port}`;
  }

  /** The environment every command for this cluster runs with. */
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    // kubectl's discovery cache and edit's temp files stay in the temp dir too.
    return { ...process.env, KNIT_HOME: this.home, KUBECONFIG: this.kubeconfig, KUBECACHEDIR: join(this.home, 'kube-cache'), TMPDIR: join(this.home, 'tmp'), ...extra };
  }

  /** Runs the knit command for this cluster (`--name` is added). */
  knit(args: string[], o: RunOptions = {}): Promise<RunResult> {
    // The cluster's name goes before a `--` (after it, args belong to the command knit runs).
    const dashes = args.indexOf('--');
    const argv = dashes < 0 ? [...args, '--name', this.name] : [...args.slice(0, dashes), '--name', this.name, ...args.slice(dashes)];
    return run(process.execPath, [KNIT, ...argv], { timeoutMs: 180_000, ...o, env: this.env() });
  }

  /** `knit up -d` (again, after stop() keeps the same data dir) and waits until it serves. */
  async start(): Promise<void> {
    live.add(this);
    await mkdir(join(this.home, 'tmp'), { recursive: true });
    const args = ['up', '-d', '--nodes', String(this.o.nodes ?? 0), '--port', String(this.port), ...(this.o.extraArgs ?? [])];
    const r = await this.knit(args);
    if (r.code !== 0) throw new Error(`knit up failed (exit ${r.code}):\n${r.stdout}${r.stderr}${this.logTail()}`);
    await waitFor(`${this.name} to answer /readyz`, () => this.request('GET', '/readyz'), (res) => res.status === 200, { timeoutMs: 60_000 });
    const nodes = this.o.nodes ?? 0;
    if (nodes > 0) {
      await waitFor(`${nodes} Ready nodes`, () => this.kubectlJson<{ items: k8s.V1Node[] }>(['get', 'nodes']), (list) =>
        list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === nodes,
      { timeoutMs: 180_000 });
    }
  }

  /** `knit down`: stops the cluster, keeps its data dir (start() brings it back). */
  async stop(): Promise<void> {
    const r = await this.knit(['down']);
    const pid = this.pid();
    if (pid !== undefined) {
      // knit down did not end it: end it by the pid it recorded.
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
    if (r.code !== 0) throw new Error(`knit down failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
  }

  /** The control plane's pid while it runs (a recycled pid of another process does not count). */
  pid(): number | undefined {
    const file = join(this.dataDir, 'run', 'knit.pid');
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').trim());
    try {
      process.kill(pid, 0);
      // A zombie (killed, not yet reaped) has no command line and still counts, as knit counts it.
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return argv === '' || argv.split('\0').includes(this.name) ? pid : undefined;
    } catch {
      return undefined; // gone
    }
  }

  /**
   * Stops the cluster and removes its temp dir (data, kubeconfig, kubectl cache). Idempotent;
   * call it in after() so it runs even when the test failed. Fails when something of the
   * cluster outlives it (a process or a network namespace).
   */
  down(): Promise<void> {
    this.downing ??= (async () => {
      let failure: unknown;
      try {
        await this.stop();
      } catch (err) {
        failure = err;
      }
      const leftovers: string[] = [];
      const pid = this.pid();
      if (pid !== undefined) leftovers.push(`process ${pid}`);
      const netns = await run('ip', ['netns', 'list'], { timeoutMs: 10_000 }).catch(() => undefined);
      for (const line of netns?.stdout.split('\n') ?? []) {
        const ns = line.split(' ')[0];
        if (ns.startsWith(`knit-${this.name}-`)) leftovers.push(`network namespace ${ns}`);
      }
      await rm(this.home, { recursive: true, force: true });
      live.delete(this);
      if (leftovers.length) throw new Error(`cluster ${this.name} left behind: ${leftovers.join(', ')}`);
      if (failure) throw failure;
    })();
    return this.downing;
  }

  /** Last resort when the test process exits without down(): kill by pid, remove the temp dir. */
  abandon(): void {
    const pid = this.pid();
    if (pid !== undefined) try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
    rmSync(this.home, { recursive: true, force: true });
  }

  private logTail(): string {
    const log = join(this.dataDir, 'knit.log');
    return existsSync(log) ? `\nlast lines of ${log}:\n${readFileSync(log, 'utf8').split('\n').slice(-20).join('\n')}` : '';
  }

  /** The kubectl binary this cluster's commands run. */
  get kubectlPath(): string {
    return this.o.kubectl ?? 'kubectl';
  }

  /** Runs the real kubectl against this cluster. */
  kubectl(args: string[], o: KubectlOptions = {}): Promise<RunResult> {
    return run(this.kubectlPath, args, { input: o.input, timeoutMs: o.timeoutMs ?? 60_000, env: this.env(o.env) });
  }

  /** kubectl that must succeed: its stdout, or an error carrying its stderr. */
  async kubectlOk(args: string[], o: KubectlOptions = {}): Promise<string> {
    const r = await this.kubectl(args, o);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** `kubectl ... -o json`, parsed. */
  async kubectlJson<T = any>(args: string[], o: KubectlOptions = {}): Promise<T> {
    return JSON.parse(await this.kubectlOk([...args, '-o', 'json'], o)) as T;
  }

  /** `kubectl ... -o name`: "kind/name" lines, e.g. ["pod/web-5d4f8-x7k2p"]. */
  async kubectlNames(args: string[], o: KubectlOptions = {}): Promise<string[]> {
    return (await this.kubectlOk([...args, '-o', 'name'], o)).split('\n').filter(Boolean);
  }

  /** Creates a namespace (kubectl apply, so an existing one is fine). */
  async createNamespace(name: string): Promise<void> {
    await this.kubectlOk(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }) });
  }

  /** A kubectl that keeps running (`get -w`); stop() it in finally. */
  kubectlStream(args: string[]): StreamingProcess {
    return new StreamingProcess(this.kubectlPath, args, this.env());
  }

  /** @kubernetes/client-node clients with the admin credentials. */
  client(): Clients {
    if (!this.clients) {
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(this.kubeconfig);
      this.clients = { kc, core: kc.makeApiClient(k8s.CoreV1Api), apps: kc.makeApiClient(k8s.AppsV1Api), objects: k8s.KubernetesObjectApi.makeApiClient(kc) };
    }
    return this.clients;
  }

  private creds?: { ca: string; cert: string; key: string };

  /** The admin's credentials (PEM) from the kubeconfig; they stay the same across restarts. */
  credentials(): { ca: string; cert: string; key: string } {
    if (this.creds) return this.creds;
    const doc = YAML.parse(readFileSync(this.kubeconfig, 'utf8'));
    const cluster = doc.clusters.find((c: { name: string }) => c.name === this.name).cluster;
    const user = doc.users.find((u: { name: string }) => u.name === this.name).user;
    const pem = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
    this.creds = { ca: pem(cluster['certificate-authority-data']), cert: pem(user['client-certificate-data']), key: pem(user['client-key-data']) };
    return this.creds;
  }

  /** One HTTPS request to the API server, as a client that controls every byte. */
  request(method: string, path: string, o: RawRequestOptions = {}): Promise<HttpResult> {
    const creds = this.credentials();
    const headers: Record<string, string> = { Accept: 'application/json', ...o.headers };
    if (o.contentType) headers['Content-Type'] = o.contentType;
    return new Promise((resolve, reject) => {
      const req = httpsRequest({
        host: '127.0.0.1', port: this.port, method, path, headers, ca: creds.ca,
        ...(o.credentials === false ? {} : { cert: creds.cert, key: creds.key }),
        agent: false,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path}: no answer in 60 s`)));
      req.on('error', reject);
      req.end(o.body);
    });
  }
}

/**
 * A tool scripts/setup.sh keeps in the checkout's .tools/ (kubectl-1.35); a missing one fails the
 * test with what to run.
 */
export function toolPath(name: string): string {
  const path = join(ROOT, '.tools', name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run scripts/setup.sh, which puts it there`);
  return path;
}

/** A file under test/e2e/fixtures (read from the checkout, also when the tests run from dist/). */
export function fixture(name: string): string {
  return join(ROOT, 'test', 'e2e', 'fixtures', name);
}
