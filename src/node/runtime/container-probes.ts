// The probes of a pod's containers: one ProbeWorker per probe of the current run, each running
// httpGet/tcpSocket from the node's namespace against the pod IP, or exec inside the container.

import type { Container, Pod, Probe } from '../../kube/types.js';
import type { PodAddresses } from './env.js';
import { execCapture } from './exec.js';
import { networkProbe, ProbeWorker, type NetworkProbe, type ProbeKind, type ProbeOutcome } from './probe.js';
import type { ContainerRecord } from './types.js';

/** What the probes need from their pod worker. */
export interface ProbeHost {
  pod(): Pod;
  addresses(): PodAddresses;
  /** Where exec probes run: the sandbox's pid, the container's env and working directory. */
  execTarget(container: string): { pid: number; env: Record<string, string>; cwd: string } | undefined;
  probeNetwork(probe: NetworkProbe): Promise<ProbeOutcome>;
  count(name: string, labels: Record<string, string>): void;
  event(c: Container, type: 'Warning', reason: string, message: string): void;
  /** A result that passed its threshold, for the run `runId`. */
  onResult(c: Container, r: ContainerRecord, runId: string, kind: ProbeKind, ok: boolean): void;
}

const KINDS: ProbeKind[] = ['startup', 'liveness', 'readiness'];

export class ContainerProbes {
  private readonly workers = new Map<string, ProbeWorker[]>();

  constructor(private readonly host: ProbeHost) {}

  /** Starts the probes of `c` for its record's current run (replacing earlier ones). */
  start(c: Container, r: ContainerRecord): void {
    this.stop(c.name);
    const run = r.current!;
    const workers: ProbeWorker[] = [];
    for (const kind of KINDS) {
      const probe = c[`${kind}Probe`] as Probe | undefined;
      if (!probe) continue;
      workers.push(new ProbeWorker({
        kind,
        probe,
        startedAt: Date.parse(run.startedAt),
        run: () => this.run(c, kind, probe),
        isStarted: () => r.current?.id === run.id && r.started,
        onResult: (ok) => this.host.onResult(c, r, run.id, kind, ok),
        onEvent: (type, reason, message) => this.host.event(c, type, reason, message),
      }));
    }
    this.workers.set(c.name, workers);
    for (const w of workers) w.start();
  }

  stop(name: string): void {
    for (const w of this.workers.get(name) ?? []) w.stop();
    this.workers.delete(name);
  }

  stopAll(): void {
    for (const name of [...this.workers.keys()]) this.stop(name);
  }

  private async run(c: Container, kind: ProbeKind, probe: Probe): Promise<ProbeOutcome> {
    const outcome = await this.outcome(c, probe);
    const pod = this.host.pod();
    const result = outcome.result === 'failure' ? 'failed' : outcome.result === 'error' ? 'unknown' : 'successful';
    this.host.count('prober_probe_total', {
      probe_type: kind[0].toUpperCase() + kind.slice(1), result, container: c.name,
      pod: pod.metadata.name ?? '', namespace: pod.metadata.namespace ?? '', pod_uid: pod.metadata.uid ?? '',
    });
    return outcome;
  }

  private async outcome(c: Container, probe: Probe): Promise<ProbeOutcome> {
    if (probe.exec) {
      const target = this.host.execTarget(c.name);
      if (!target) return { result: 'error', output: 'container is not running' };
      const command = probe.exec.command ?? [];
      try {
        const out = await execCapture(target.pid, { command, env: target.env, cwd: target.cwd }, (probe.timeoutSeconds ?? 1) * 1000);
        if (out.timedOut) return { result: 'failure', output: `command ${JSON.stringify(command.join(' '))} timed out` };
        return { result: out.exitCode === 0 ? 'success' : 'failure', output: out.output };
      } catch (err) {
        return { result: 'failure', output: (err as Error).message };
      }
    }
    if (probe.grpc) return { result: 'error', output: 'gRPC probes are not supported by knit' };
    const addresses = this.host.addresses();
    const ip = (this.host.pod().spec.hostNetwork ? addresses.hostIPs : addresses.podIPs)[0] ?? '127.0.0.1';
    let net;
    try {
      net = networkProbe(probe, c, ip);
    } catch (err) {
      return { result: 'error', output: (err as Error).message };
    }
    return net ? this.host.probeNetwork(net) : { result: 'error', output: 'probe has no handler' };
  }
}
