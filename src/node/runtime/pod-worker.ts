// One pod's life on the node, as the kubelet's pod worker and kuberuntime drive it. Each sync
// makes sure the sandbox runs, reads the containers' state, asks computePodActions
// (pod-actions.ts) what to do and does it: starts runs, waits in back-off, kills. Exits and
// probe results schedule the next sync; termination (termination.ts) stops the pod.

import { rmSync } from 'node:fs';
import type { Container, Pod, Probe, Service } from '../../kube/types.js';
import { InvalidImageNameError } from '../../images/index.js';
import { Backoff } from './backoff.js';
import { ContainerProbes } from './container-probes.js';
import { containerHash, logPath, prepareContainer, stateDir } from './container-spec.js';
import { formatResolvConf, podDnsConfig } from './dns.js';
import { ContainerConfigError, type EnvSourceResolver, type PodAddresses } from './env.js';
import { podHostnameAndDomain, podHostsFile } from './hosts.js';
import { computePodActions, shouldRestart, type ContainerAction } from './pod-actions.js';
import type { NetworkProbe, ProbeKind, ProbeOutcome } from './probe.js';
import { readPodState, writePodState, type PodState, type RunInfo } from './pod-state.js';
import { PodSandbox, removeSandboxFiles } from './sandbox.js';
import type { ShimRun } from './shim/protocol.js';
import { generatePodStatus } from './status.js';
import { abandonRun, ContainerStopper, gracePeriodMs } from './termination.js';
import type { ContainerRecord, ContainerRun, RuntimeEvent } from './types.js';

const RETRY_MS = 10_000;
/** Where the kubelet mounts a pod's service-account token, ca.crt and namespace. */
export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const EPOCH = new Date(0).toISOString();

/** What a pod worker needs from the runtime around it. */
export interface WorkerContext {
  /** hostNetwork pods see the node's hostname: the node's name. */
  nodeName: string;
  toolsDir: string;
  socketPath(uid: string): string;
  clusterDNS: string[];
  clusterDomain: string;
  /** The node's resolv.conf and hosts text (read when a sandbox is made). */
  hostResolvConf(): string | undefined;
  hostHosts(): string;
  /** The node's namespace when the agent runs outside it (hostNetwork pods and probes go there). */
  nodeNetns?: string;
  services(): Service[];
  resolver: EnvSourceResolver;
  probeNetwork(probe: NetworkProbe): Promise<ProbeOutcome>;
  event(e: RuntimeEvent): void;
  statusChanged(uid: string): void;
  /** Counts one occurrence for the runtime's metrics. */
  count(name: string, labels: Record<string, string>): void;
}

export class PodWorker {
  readonly uid: string;
  sandbox?: PodSandbox;
  /** active: running its containers; finished: Succeeded/Failed, nothing left to run; killed: terminated by kill(). */
  phase: PodState['phase'] = 'active';
  readonly records = new Map<string, ContainerRecord>();
  readonly runInfo = new Map<string, RunInfo>();
  private readonly backoff = new Backoff();
  private readonly probes = new ContainerProbes({
    pod: () => this.pod,
    addresses: () => this.addresses,
    execTarget: (name) => {
      const info = this.runInfo.get(name);
      return info && this.sandbox?.alive() ? { pid: this.sandbox.shimPid, env: info.env, cwd: info.cwd } : undefined;
    },
    probeNetwork: (p) => this.ctx.probeNetwork(p),
    count: (name, labels) => this.ctx.count(name, labels),
    event: (c, type, reason, message) => this.event(c, type, reason, message),
    onResult: (c, r, runId, kind, ok) => this.onProbeResult(c, r, runId, kind, ok),
  });
  private readonly stopper = new ContainerStopper((c, message) => this.event(c, 'Normal', 'Killing', message));
  private readonly pendingExits = new Map<string, ShimRun>();
  private readonly backoffReported = new Map<string, number>();
  private watch?: { close(): void };
  private timer?: NodeJS.Timeout;
  private timerDue = Infinity;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly ctx: WorkerContext,
    public pod: Pod,
    public addresses: PodAddresses,
    /** The pod's service-account files (the node agent writes them), mounted when the sandbox starts. */
    public serviceAccountDir: string | undefined,
    readonly netns: string,
    readonly podDir: string,
    readonly startTime = new Date().toISOString(),
  ) {
    this.uid = pod.metadata.uid ?? '';
  }

  // ---- scheduling ----

  /** Runs a sync after `ms` (the earliest request wins); syncs never overlap. */
  scheduleSync(ms = 0): void {
    if (this.stopped || this.phase !== 'active') return;
    const due = Date.now() + ms;
    if (this.timer && this.timerDue <= due) return;
    clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerDue = Infinity;
      this.chain = this.chain.then(() => this.sync()).catch((err: Error) => {
        this.podEvent('Warning', 'FailedSync', `error determining status: ${err.message}`);
        this.scheduleSync(RETRY_MS);
      });
    }, ms);
  }

  /** Waits for the sync in progress, if any. */
  settled(): Promise<void> {
    return this.chain;
  }

  /** Stops timers, probes and the exit watch; containers keep running (agent shutdown). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.probes.stopAll();
    this.watch?.close();
    this.watch = undefined;
  }

  // ---- events ----

  private fieldPath(c: Container): string {
    const init = (this.pod.spec.initContainers ?? []).some((i) => i.name === c.name);
    return `spec.${init ? 'initContainers' : 'containers'}{${c.name}}`;
  }

  private podRef() {
    return { namespace: this.pod.metadata.namespace ?? 'default', name: this.pod.metadata.name ?? '', uid: this.uid };
  }

  private podEvent(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.ctx.event({ pod: this.podRef(), type, reason, message });
  }

  private event(c: Container, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.ctx.event({ pod: this.podRef(), fieldPath: this.fieldPath(c), type, reason, message });
  }

  private changed(): void {
    this.persist();
    this.ctx.statusChanged(this.uid);
  }

  // ---- the sync loop ----

  private specs(): { c: Container; init: boolean }[] {
    return [...(this.pod.spec.initContainers ?? []).map((c) => ({ c, init: true })), ...this.pod.spec.containers.map((c) => ({ c, init: false }))];
  }

  private record(c: Container, init: boolean): ContainerRecord {
    let r = this.records.get(c.name);
    if (!r) {
      r = { name: c.name, init, restartCount: 0, started: false, ready: false };
      this.records.set(c.name, r);
    }
    return r;
  }

  status() {
    return generatePodStatus(this.pod, {
      records: this.records,
      podIPs: this.addresses.podIPs,
      hostIPs: this.addresses.hostIPs,
      startTime: this.startTime,
      sandboxReady: this.phase === 'active' && !!this.sandbox?.alive(),
      terminal: this.phase !== 'active',
    });
  }

  private async sync(): Promise<void> {
    if (this.stopped || this.phase !== 'active') return;
    if (!(await this.ensureSandbox())) return;
    const now = Date.now();
    const next = computePodActions({
      pod: this.pod, phase: this.status().phase, records: this.records, runInfo: this.runInfo,
      backoff: this.backoff, backoffReported: this.backoffReported, now,
    });
    if (next.type === 'finish') return this.finish();
    for (const action of next.actions) await this.carryOut(action, now);
  }

  private async carryOut(action: ContainerAction, now: number): Promise<void> {
    const c = action.container;
    switch (action.type) {
      case 'kill':
        return this.killContainer(c, action.message);
      case 'backOff': {
        this.records.get(c.name)!.waiting = action.waiting;
        if (action.event !== undefined) {
          this.backoffReported.set(c.name, action.finishedAt);
          this.event(c, 'Warning', 'BackOff', action.event);
        }
        this.scheduleSync(action.retryInMs);
        this.changed();
        return;
      }
      case 'start': {
        const r = this.record(c, action.init);
        if (action.backoffFrom !== undefined) this.backoff.next(c.name, action.backoffFrom, now);
        return this.startContainer(c, r, action.attempt);
      }
    }
  }

  /** A pod that reached Succeeded or Failed: nothing will run again; the sandbox goes. */
  private async finish(): Promise<void> {
    this.phase = 'finished';
    this.probes.stopAll();
    this.watch?.close();
    this.watch = undefined;
    await this.sandbox?.destroy();
    this.changed();
  }

  /** The UTS name: the pod's hostname (its FQDN with setHostnameAsFQDN), the node's for hostNetwork. */
  private hostname(): string {
    if (this.pod.spec.hostNetwork) return this.ctx.nodeName;
    const { hostname, domain } = podHostnameAndDomain(this.pod, this.ctx.clusterDomain);
    return this.pod.spec.setHostnameAsFQDN && domain ? `${hostname}.${domain}` : hostname;
  }

  private async ensureSandbox(): Promise<boolean> {
    if (this.sandbox?.alive()) {
      if (!this.watch) this.startWatch(this.sandbox);
      return true;
    }
    if (this.sandbox) {
      this.podEvent('Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
      this.abandonRuns();
      await removeSandboxFiles(this.sandbox.record);
      this.sandbox = undefined;
    }
    const dns = podDnsConfig(this.pod, { clusterDNS: this.ctx.clusterDNS, clusterDomain: this.ctx.clusterDomain, hostResolvConf: this.ctx.hostResolvConf(), nodeIPs: this.addresses.hostIPs });
    for (const w of dns.warnings) this.podEvent('Warning', w.reason, w.message);
    try {
      this.sandbox = await PodSandbox.create({
        podUid: this.uid,
        podDir: this.podDir,
        socketPath: this.ctx.socketPath(this.uid),
        hostname: this.hostname(),
        resolvConf: formatResolvConf(dns.conf),
        hosts: podHostsFile(this.pod, this.addresses.podIPs, this.ctx.clusterDomain, this.ctx.hostHosts()),
        netns: this.netns,
        hostNetwork: this.pod.spec.hostNetwork ? { nodeNetns: this.ctx.nodeNetns } : undefined,
        // Where every client library looks for in-cluster credentials (read-only, as the kubelet mounts them).
        mounts: this.serviceAccountDir ? [{ source: this.serviceAccountDir, target: SERVICE_ACCOUNT_MOUNT_PATH, readOnly: true }] : undefined,
      });
    } catch (err) {
      this.podEvent('Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(err as Error).message}`);
      this.scheduleSync(RETRY_MS);
      this.changed();
      return false;
    }
    this.startWatch(this.sandbox);
    this.changed();
    return true;
  }

  /** The shim is gone: its runs are lost; kill what it left behind and run init containers again. */
  private abandonRuns(): void {
    for (const r of this.records.values()) {
      if (r.current?.state !== 'running') continue;
      r.current = abandonRun(this.podDir, r.name, r.current);
      this.probes.stop(r.name);
    }
    for (const c of this.pod.spec.initContainers ?? []) {
      const r = this.records.get(c.name);
      if (r?.current) {
        r.previous = r.current;
        r.current = undefined;
      }
    }
  }

  private startWatch(sandbox: PodSandbox): void {
    this.watch?.close();
    this.watch = sandbox.client.watch(
      // Exits that happened while no one watched (an agent restart).
      (runs) => { for (const run of runs) if (run.state === 'exited' && this.records.get(run.name)?.current?.id === run.id) this.onExit(run); },
      (run) => this.onExit(run),
      () => {
        this.watch = undefined;
        this.scheduleSync(0);
      },
    );
  }

  private onExit(run: ShimRun): void {
    const exited: ContainerRun = { id: run.id, attempt: run.attempt, state: 'exited', pid: run.pid, startedAt: run.startedAt, finishedAt: run.finishedAt, exitCode: run.exitCode, reason: run.reason, message: run.message };
    const r = this.records.get(run.name);
    if (r?.current?.id === run.id) {
      if (r.current.state === 'exited') return;
      r.current = exited;
      r.ready = false;
      r.started = false;
      this.probes.stop(run.name);
    } else if (r?.previous?.id === run.id) {
      r.previous = exited;
    } else {
      // A run whose start reply has not arrived yet (it ended at once).
      this.pendingExits.set(run.id, run);
      return;
    }
    this.stopper.exited(run.id);
    this.changed();
    this.scheduleSync(0);
  }

  // ---- starting containers ----

  private async startContainer(c: Container, r: ContainerRecord, attempt: number): Promise<void> {
    const sandbox = this.sandbox!;
    let prepared;
    try {
      prepared = await prepareContainer({
        pod: this.pod, container: c, attempt, podDir: this.podDir, toolsDir: this.ctx.toolsDir,
        hostname: this.hostname(),
        addresses: this.addresses, services: this.ctx.services(), resolver: this.ctx.resolver,
      });
    } catch (err) {
      const message = (err as Error).message;
      if (err instanceof InvalidImageNameError) {
        this.event(c, 'Warning', 'InspectFailed', message);
        this.event(c, 'Warning', 'Failed', 'Error: InvalidImageName');
        r.waiting = { reason: 'InvalidImageName', message };
      } else {
        this.event(c, 'Warning', 'Failed', `Error: ${message}`);
        r.waiting = { reason: err instanceof ContainerConfigError ? 'CreateContainerConfigError' : 'CreateContainerError', message };
      }
      this.scheduleSync(RETRY_MS);
      this.changed();
      return;
    }
    r.image = prepared.image;
    r.imageID = prepared.imageID;
    this.event(c, 'Normal', 'Pulled', `Container image ${JSON.stringify(c.image ?? '')} already present on machine`);
    for (const note of prepared.notes) this.event(c, 'Normal', note.reason, note.message);
    this.event(c, 'Normal', 'Created', `Created container: ${c.name}`);
    this.dropRun(r, attempt - 2);

    const containerType = r.init ? 'init_container' : 'container';
    let reply;
    try {
      reply = await sandbox.client.call({ op: 'start', spec: prepared.spec });
    } catch (err) {
      const message = (err as Error).message;
      this.ctx.count('kubelet_started_containers_errors_total', { code: 'StartError', container_type: containerType });
      this.event(c, 'Warning', 'Failed', `Error: ${message}`);
      this.setRun(r, attempt, { id: prepared.spec.id, attempt, state: 'exited', startedAt: EPOCH, finishedAt: new Date().toISOString(), exitCode: 128, reason: 'StartError', message });
      r.waiting = { reason: 'RunContainerError', message };
      this.changed();
      this.scheduleSync(0);
      return;
    }
    this.ctx.count('kubelet_started_containers_total', { container_type: containerType });
    const run = reply.run!;
    this.runInfo.set(c.name, { env: prepared.spec.env, cwd: prepared.spec.cwd, hash: containerHash(c) });
    this.setRun(r, attempt, { id: run.id, attempt, state: 'running', pid: run.pid, startedAt: run.startedAt });
    r.started = !c.startupProbe;
    r.ready = !c.readinessProbe;
    this.event(c, 'Normal', 'Started', `Started container ${c.name}`);
    this.probes.start(c, r);
    this.changed();
    const early = this.pendingExits.get(run.id);
    if (early) {
      this.pendingExits.delete(run.id);
      this.onExit(early);
    }
  }

  private setRun(r: ContainerRecord, attempt: number, run: ContainerRun): void {
    if (r.current) r.previous = r.current;
    r.current = run;
    r.restartCount = attempt;
    r.waiting = undefined;
  }

  /** The kubelet keeps one dead run per container: older logs and state go. */
  private dropRun(r: ContainerRecord, attempt: number): void {
    if (attempt < 0) return;
    rmSync(logPath(this.podDir, r.name, attempt), { force: true });
    rmSync(stateDir(this.podDir, r.name, attempt), { recursive: true, force: true });
    if (r.previous?.attempt === attempt) void this.sandbox?.client.request({ op: 'forget', id: r.previous.id }).catch(() => undefined);
  }

  // ---- probes ----

  private onProbeResult(c: Container, r: ContainerRecord, runId: string, kind: ProbeKind, ok: boolean): void {
    if (r.current?.id !== runId || r.current.state !== 'running') return;
    if (kind === 'readiness') {
      if (r.ready !== ok) {
        r.ready = ok;
        this.changed();
      }
      return;
    }
    if (ok) {
      if (kind === 'startup' && !r.started) {
        r.started = true;
        this.changed();
      }
      return;
    }
    const restart = shouldRestart(this.pod, 137);
    void this.killContainer(c, `Container ${c.name} failed ${kind} probe${restart ? ', will be restarted' : ''}`, (c[`${kind}Probe`] as Probe | undefined)?.terminationGracePeriodSeconds);
  }

  // ---- stopping ----

  /** Stops the container's current run (TERM, then KILL after the grace period) with a Killing event. */
  private async killContainer(c: Container, message: string, graceSeconds?: number): Promise<void> {
    const run = this.records.get(c.name)?.current;
    if (run?.state !== 'running' || !this.sandbox) return;
    this.probes.stop(c.name);
    await this.stopper.stop(this.sandbox.client, c, run, message, gracePeriodMs(this.pod, graceSeconds));
  }

  /**
   * Terminates the pod: every running container gets SIGTERM ("Stopping container x"), SIGKILL
   * after the grace period; then the sandbox goes. `graceSeconds` overrides the pod's.
   */
  async kill(graceSeconds?: number): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.chain;
    clearTimeout(this.timer);
    if (this.phase === 'killed') return;
    this.phase = 'killed';
    this.probes.stopAll();
    if (this.sandbox?.alive()) {
      if (!this.watch) this.startWatch(this.sandbox);
      await this.stopper.stopAll(this.sandbox.client, this.specs().map(({ c }) => c), (c) => this.records.get(c.name)?.current, gracePeriodMs(this.pod, graceSeconds));
    }
    // Whatever did not report its exit (the shim is gone or hung) is killed by its recorded pid.
    if ([...this.records.values()].some((r) => r.current?.state === 'running')) this.abandonRuns();
    this.watch?.close();
    this.watch = undefined;
    await this.sandbox?.destroy();
    this.changed();
  }

  /** Deletes the pod's directory (logs included): the pod is gone from the API. */
  removeFiles(): void {
    rmSync(this.podDir, { recursive: true, force: true });
  }

  // ---- persistence ----

  persist(): void {
    writePodState(this.podDir, {
      pod: this.pod,
      addresses: this.addresses,
      serviceAccountDir: this.serviceAccountDir,
      netns: this.netns,
      startTime: this.startTime,
      records: [...this.records.values()],
      runInfo: Object.fromEntries(this.runInfo),
      phase: this.phase,
    });
  }

  /** A worker from pod.json, with its sandbox if the shim still runs. */
  static restore(ctx: WorkerContext, podDir: string): PodWorker | undefined {
    const state = readPodState(podDir);
    if (!state) return undefined;
    const w = new PodWorker(ctx, state.pod, state.addresses, state.serviceAccountDir, state.netns, podDir, state.startTime);
    for (const r of state.records) w.records.set(r.name, r);
    for (const [k, v] of Object.entries(state.runInfo)) w.runInfo.set(k, v);
    w.phase = state.phase;
    // A sandbox whose shim died is re-created by the next sync (SandboxChanged); until then its
    // containers show as gone, not as the running and ready ones they were.
    w.sandbox = PodSandbox.adopt(podDir);
    if (w.phase !== 'active') return w;
    if (w.sandbox?.alive()) {
      w.startWatch(w.sandbox);
      for (const { c } of w.specs()) {
        const r = w.records.get(c.name);
        if (r?.current?.state === 'running') w.probes.start(c, r);
      }
    } else {
      w.abandonRuns();
    }
    return w;
  }
}
