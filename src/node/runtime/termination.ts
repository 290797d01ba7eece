// Stopping containers as the kubelet does: a Killing event, then SIGTERM to the container's main
// process and SIGKILL to its whole tree once the grace period is over (the shim does both, so
// that a stop outlives an agent restart). A pod's termination stops every running container, the
// last in the spec first, and waits for their exits; runs whose shim is gone are killed by the
// pid recorded when they started.

import { readFileSync } from 'node:fs';
import type { Container, Pod } from '../../kube/types.js';
import { stateDir } from './container-spec.js';
import { isSameProcess, signalTree } from './procfs.js';
import type { ShimClient } from './shim/client.js';
import type { ContainerRun } from './types.js';

/** How much longer than the grace period a pod's termination waits for an exit to be reported. */
const EXIT_REPORT_SLACK_MS = 10_000;

/**
 * The grace period in ms: the override (a probe's terminationGracePeriodSeconds, a kill's), else
 * the deletion's, else the pod's terminationGracePeriodSeconds, else 30 s.
 */
export function gracePeriodMs(pod: Pod, overrideSeconds?: number): number {
  return (overrideSeconds ?? pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
}

/** A run whose shim is gone: what it left behind is killed by its recorded pid; returns the run as the status shows it now. */
export function abandonRun(podDir: string, name: string, run: ContainerRun): ContainerRun {
  try {
    const pid = JSON.parse(readFileSync(`${stateDir(podDir, name, run.attempt)}/pid.json`, 'utf8')) as { pid: number; startTime?: number };
    if (isSameProcess(pid.pid, pid.startTime)) signalTree(pid.pid, 'SIGKILL');
  } catch {
    // no pid recorded
  }
  return { ...run, state: 'exited', exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated', finishedAt: new Date().toISOString() };
}

/** Stops a pod's containers through its shim; the pod worker tells it of exits (exited()). */
export class ContainerStopper {
  private readonly exitWaiters = new Map<string, () => void>();

  constructor(private readonly killing: (c: Container, message: string) => void) {}

  /** The run `id` has exited: whoever waits for it goes on. */
  exited(id: string): void {
    this.exitWaiters.get(id)?.();
  }

  /** Stops one run with a Killing event (`message`): TERM, then KILL after graceMs. */
  async stop(shim: ShimClient, c: Container, run: ContainerRun, message: string, graceMs: number): Promise<void> {
    this.killing(c, message);
    await shim.call({ op: 'stop', id: run.id, graceMs }).catch(() => undefined);
  }

  /**
   * Terminates a pod: every container still running (`current` asks, as each is reached), the
   * last in `containers` first, "Stopping container x"; resolves once each has reported its exit
   * or the grace period and 10 s more have passed.
   */
  async stopAll(shim: ShimClient, containers: Container[], current: (c: Container) => ContainerRun | undefined, graceMs: number): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const c of [...containers].reverse()) {
      const run = current(c);
      if (run?.state !== 'running') continue;
      waits.push(this.waitExit(run.id, graceMs + EXIT_REPORT_SLACK_MS));
      await this.stop(shim, c, run, `Stopping container ${c.name}`, graceMs);
    }
    await Promise.all(waits);
  }

  private waitExit(id: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.exitWaiters.delete(id);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.exitWaiters.set(id, done);
    });
  }
}
