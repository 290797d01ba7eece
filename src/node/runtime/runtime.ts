// PodRuntime: the node agent's container runtime. The agent hands it the pods bound to its node
// (syncPod/killPod), listens to its events ("event": Kubernetes Events, "status": a pod's status
// changed), reads podStatus(uid) to write status, and serves exec, attach and logs through it.

import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex, Readable } from 'node:stream';
import type { Container, Pod, PodStatus, Service } from '../../kube/types.js';
import { execArgv, nodeProgram, prepareImageTools } from '../../images/index.js';
import { run } from '../../platform/index.js';
import { podNetns } from '../names.js';
import { logPath, stateDir } from './container-spec.js';
import { Counters } from './metrics.js';
import type { EnvSourceResolver } from './env.js';
import { execInPod, type ExecSession } from './exec.js';
import { readContainerLog } from './logs.js';
import { PodWorker, type WorkerContext } from './pod-worker.js';
import { runNetworkProbe, type NetworkProbe, type ProbeOutcome } from './probe.js';
import type { AttachStreams } from './shim/client.js';
import { containerStatus, RUNTIME_NAME } from './status.js';
import type { RuntimeEvent } from './types.js';

export interface RuntimeConfig {
  /** The cluster's name: netns names are knit-<cluster>-pod-<uid>. */
  cluster: string;
  nodeName: string;
  /** The node's own directory: pods/<ns>_<name>_<uid>/ (logs, state), tools/. */
  dataDir: string;
  /** kubelet --cluster-dns. */
  clusterDNS: string[];
  /** kubelet --cluster-domain; default cluster.local. */
  clusterDomain?: string;
  /** The node's resolv.conf (kubelet --resolv-conf); default /etc/resolv.conf, null for none. */
  resolvConf?: string | null;
  /** The node's hosts file, the base of hostNetwork pods' /etc/hosts; default /etc/hosts. */
  hostsFile?: string;
  /**
   * The node's network namespace when the agent itself runs outside it (tests): hostNetwork pods
   * join it and httpGet/tcpSocket probes run there. Leave unset when the agent runs in it.
   */
  nodeNetns?: string;
  /** The Services for the link variables (an informer's list). */
  services?: () => Service[];
  /** ConfigMaps and Secrets for env, envFrom and valueFrom. */
  resolver?: EnvSourceResolver;
  /** Where pod shims listen (short paths: unix sockets are limited to 107 bytes). */
  socketDir?: string;
}

export interface PodNetwork {
  podIPs: string[];
  hostIPs: string[];
  /** The pod's network namespace (from CNI); default knit-<cluster>-pod-<uid>. Ignored for hostNetwork pods. */
  netns?: string;
}

/** Files the node agent prepared for the pod. */
export interface PodFiles {
  /** Its service-account token, ca.crt and namespace: mounted at /var/run/secrets/kubernetes.io/serviceaccount. */
  serviceAccountDir?: string;
}

export interface LogRequest {
  previous?: boolean;
  follow?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  timestamps?: boolean;
  limitBytes?: number;
}

const noResolver: EnvSourceResolver = { configMap: async () => undefined, secret: async () => undefined };

export class PodRuntime extends EventEmitter<{ event: [RuntimeEvent]; status: [string] }> {
  private readonly workers = new Map<string, PodWorker>();
  private readonly ctx: WorkerContext;
  private readonly podsDir: string;
  private readonly counters = new Counters({
    kubelet_started_containers_total: 'Cumulative number of containers started',
    kubelet_started_containers_errors_total: 'Cumulative number of errors when starting containers',
    prober_probe_total: 'Cumulative number of a liveness, readiness or startup probe for a container by result.',
  });

  constructor(readonly config: RuntimeConfig) {
    super();
    this.podsDir = join(config.dataDir, 'pods');
    const socketDir = config.socketDir ?? join('/run/knit', createHash('sha256').update(config.dataDir).digest('hex').slice(0, 12));
    const clusterDomain = config.clusterDomain ?? 'cluster.local';
    this.ctx = {
      nodeName: config.nodeName,
      toolsDir: join(config.dataDir, 'tools'),
      socketPath: (uid) => join(socketDir, `${uid}.sock`),
      clusterDNS: config.clusterDNS,
      clusterDomain,
      hostResolvConf: () => (config.resolvConf === null ? undefined : readFileSync(config.resolvConf ?? '/etc/resolv.conf', 'utf8')),
      hostHosts: () => readFileSync(config.hostsFile ?? '/etc/hosts', 'utf8'),
      nodeNetns: config.nodeNetns,
      services: config.services ?? (() => []),
      resolver: config.resolver ?? noResolver,
      probeNetwork: (p) => (config.nodeNetns ? this.probeInNamespace(config.nodeNetns, p) : runNetworkProbe(p)),
      event: (e) => this.emit('event', e),
      statusChanged: (uid) => this.emit('status', uid),
      count: (name, labels) => this.counters.inc(name, labels),
    };
  }

  /** Prepares the image tools and adopts the pods a previous agent left (returns their uids). */
  async start(): Promise<string[]> {
    mkdirSync(this.podsDir, { recursive: true });
    prepareImageTools(this.ctx.toolsDir);
    for (const name of readdirSync(this.podsDir)) {
      const worker = PodWorker.restore(this.ctx, join(this.podsDir, name));
      if (worker && !this.workers.has(worker.uid)) this.workers.set(worker.uid, worker);
    }
    return [...this.workers.keys()];
  }

  /** Stops timers, watches and probes. Containers keep running for the next agent to adopt. */
  async stop(): Promise<void> {
    for (const w of this.workers.values()) w.stop();
    await Promise.all([...this.workers.values()].map((w) => w.settled().catch(() => undefined)));
  }

  /** Makes the node run `pod` (idempotent): creates its sandbox and containers, restarts them as its spec says. */
  syncPod(pod: Pod, network: PodNetwork, files: PodFiles = {}): void {
    const uid = pod.metadata.uid;
    if (!uid) throw new Error('pod has no metadata.uid');
    let worker = this.workers.get(uid);
    if (!worker) {
      const dir = join(this.podsDir, `${pod.metadata.namespace ?? 'default'}_${pod.metadata.name}_${uid}`);
      const netns = pod.spec.hostNetwork || !network.netns ? podNetns(this.config.cluster, uid) : network.netns;
      worker = new PodWorker(this.ctx, pod, { podIPs: network.podIPs, hostIPs: network.hostIPs }, files.serviceAccountDir, netns, dir);
      this.workers.set(uid, worker);
    } else {
      worker.pod = pod;
      worker.addresses = { podIPs: network.podIPs, hostIPs: network.hostIPs };
      worker.serviceAccountDir = files.serviceAccountDir;
    }
    worker.scheduleSync(0);
  }

  /** Terminates the pod's containers (grace period: the argument, else the pod's) and its sandbox. */
  async killPod(uid: string, gracePeriodSeconds?: number): Promise<void> {
    await this.workers.get(uid)?.kill(gracePeriodSeconds);
  }

  /** Kills the pod if needed and deletes everything the runtime kept for it, logs included. */
  async removePod(uid: string): Promise<void> {
    const worker = this.workers.get(uid);
    if (!worker) return;
    await worker.kill();
    // A kill already under way (a graceful deletion cut short by a forced one) returns at once:
    // the sandbox goes here too, so that no shim outlives its pod.
    await worker.sandbox?.destroy();
    worker.stop();
    worker.removeFiles();
    this.workers.delete(uid);
  }

  /** After an agent restart: removes every pod not in `uids` (their pods are gone from the API). */
  async retainPods(uids: Iterable<string>): Promise<void> {
    const keep = new Set(uids);
    await Promise.all([...this.workers.keys()].filter((uid) => !keep.has(uid)).map((uid) => this.removePod(uid)));
  }

  pods(): string[] {
    return [...this.workers.keys()];
  }

  /** Metrics in the Prometheus text format, under the kubelet's names. */
  metrics(): string {
    const states = new Map<string, number>();
    let pods = 0;
    for (const w of this.workers.values()) {
      if (w.phase === 'active' && w.sandbox?.alive()) pods++;
      for (const r of w.records.values()) if (r.current) states.set(r.current.state, (states.get(r.current.state) ?? 0) + 1);
    }
    return this.counters.render({
      kubelet_running_pods: { help: 'Number of pods that have a running pod sandbox', series: [[{}, pods]] },
      kubelet_running_containers: { help: 'Number of containers currently running', series: [...states].map(([state, n]) => [{ container_state: state }, n]) },
    });
  }

  /** The pod status the kubelet would report now, or undefined for a pod this runtime does not run. */
  podStatus(uid: string): PodStatus | undefined {
    return this.workers.get(uid)?.status();
  }

  private worker(uid: string): PodWorker {
    const worker = this.workers.get(uid);
    if (!worker) throw new Error(`pod not found (${JSON.stringify(uid)})`);
    return worker;
  }

  private spec(worker: PodWorker, name: string): Container {
    const c = [...worker.pod.spec.containers, ...(worker.pod.spec.initContainers ?? [])].find((x) => x.name === name);
    if (!c) throw new Error(`container ${name} is not valid for pod ${worker.pod.metadata.name}`);
    return c;
  }

  /**
   * The container's current run, which must be running. The node agent asks isRunning() before it
   * accepts an exec or attach (the kubelet's "container not found"); a container that ended since
   * is refused in containerd's words.
   */
  private running(worker: PodWorker, name: string) {
    const run = worker.records.get(name)?.current;
    const info = worker.runInfo.get(name);
    if (!run || !worker.sandbox?.alive()) throw new Error(`container not found (${JSON.stringify(name)})`);
    if (run.state !== 'running' || !info) throw new Error('container is in CONTAINER_EXITED state');
    return { run, info, sandbox: worker.sandbox };
  }

  /** Whether the pod's container runs now: what the kubelet's exec and attach look for first. */
  isRunning(uid: string, container: string): boolean {
    const worker = this.workers.get(uid);
    if (!worker?.sandbox?.alive()) return false;
    return worker.records.get(container)?.current?.state === 'running' && worker.runInfo.has(container);
  }

  /** Whether the pod's sandbox runs: what the kubelet's port-forward looks for first. */
  sandboxRunning(uid: string): boolean {
    return !!this.workers.get(uid)?.sandbox?.alive();
  }

  /** Runs a command in a running container (kubectl exec); errors in containerd's words. */
  exec(uid: string, container: string, opts: { command: string[]; stdin?: boolean; tty?: boolean }): ExecSession {
    const worker = this.worker(uid);
    const spec = this.spec(worker, container);
    let target;
    try {
      target = this.running(worker, container);
    } catch (err) {
      throw new Error(`failed to exec in container: ${(err as Error).message}`);
    }
    const { run, info, sandbox } = target;
    const command = execArgv(spec.image ?? '', opts.command, {
      stateDir: stateDir(worker.podDir, container, run.attempt), toolsDir: this.ctx.toolsDir, podName: worker.pod.metadata.name ?? '',
    });
    return execInPod(sandbox.shimPid, { command, env: info.env, cwd: info.cwd, stdin: opts.stdin, tty: opts.tty });
  }

  /** Attaches to a running container's stdin (when it has one) and output (kubectl attach, run -it). */
  attach(uid: string, container: string, opts: { stdin?: boolean; stdout?: boolean; stderr?: boolean }): AttachStreams & { tty: boolean } {
    const worker = this.worker(uid);
    const spec = this.spec(worker, container);
    const { run, sandbox } = this.running(worker, container);
    const streams = sandbox.client.attach(run.id, { stdin: !!opts.stdin && !!spec.stdin, stdout: opts.stdout ?? true, stderr: opts.stderr ?? true });
    return { ...streams, tty: !!spec.tty };
  }

  /** A connection to localhost:port in the pod's network namespace (kubectl port-forward), made by its shim. */
  portForward(uid: string, port: number): Promise<Duplex> {
    const sandbox = this.worker(uid).sandbox;
    if (!sandbox?.alive()) return Promise.reject(new Error(`pod sandbox of ${uid} is not running`));
    return sandbox.client.portForward(port);
  }

  /** A container's log as `kubectl logs` asks for it; errors in the kubelet's words. */
  logs(uid: string, container: string, req: LogRequest = {}): Readable {
    const worker = this.worker(uid);
    const spec = this.spec(worker, container);
    const record = worker.records.get(container);
    const podName = worker.pod.metadata.name;
    const status = containerStatus(spec, record, 'ContainerCreating');
    const runs = [record?.current, record?.previous].filter((r) => r !== undefined);
    const byId = (id: string | undefined) => runs.find((r) => id === `${RUNTIME_NAME}://${r.id}`);
    let run;
    if (req.previous) {
      run = byId(status.lastState?.terminated?.containerID);
      if (!run) throw new Error(`previous terminated container ${JSON.stringify(container)} in pod ${JSON.stringify(podName)} not found`);
    } else {
      run = status.state?.running || status.state?.terminated ? record?.current : byId(status.lastState?.terminated?.containerID);
      if (!run) throw new Error(`container ${JSON.stringify(container)} in pod ${JSON.stringify(podName)} is waiting to start: ${status.state?.waiting?.reason ?? 'ContainerCreating'}`);
    }
    const path = logPath(worker.podDir, container, run.attempt);
    if (!existsSync(path)) throw new Error(`failed to try resolving symlinks in path ${JSON.stringify(path)}: lstat ${path}: no such file or directory`);
    const since = req.sinceTime ? new Date(req.sinceTime) : req.sinceSeconds !== undefined ? new Date(Date.now() - req.sinceSeconds * 1000) : undefined;
    const id = run.id;
    const isRunning = () => {
      const current = worker.records.get(container)?.current;
      return current?.id === id && current.state === 'running';
    };
    return readContainerLog(path, { follow: req.follow, tailLines: req.tailLines, since, timestamps: req.timestamps, limitBytes: req.limitBytes }, isRunning);
  }

  /** Runs a network probe from the node's namespace through a short-lived helper process. */
  private async probeInNamespace(netns: string, probe: NetworkProbe): Promise<ProbeOutcome> {
    const [node, ...script] = nodeProgram('node/runtime/probe-helper');
    let stdout = '';
    let failure: string | undefined;
    try {
      stdout = (await run(node, [...script, JSON.stringify(probe)], { netns, timeoutMs: probe.timeoutMs + 30_000 })).stdout;
    } catch (err) {
      failure = (err as Error).message;
    }
    try {
      return JSON.parse(stdout) as ProbeOutcome;
    } catch {
      return { result: 'error', output: `probe helper failed: ${failure ?? stdout}` };
    }
  }
}
