// pod.json: what a pod worker keeps on disk so that a restarted agent carries on where the last
// one stopped (restart counts, the runs and what exec needs). Not the crash back-off: like the
// kubelet's, it starts afresh with each agent.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '../../kube/types.js';
import type { PodAddresses } from './env.js';
import type { ContainerRecord } from './types.js';

/** Per container: what exec needs and what the current run was made from. */
export interface RunInfo {
  env: Record<string, string>;
  cwd: string;
  hash: string;
}

export interface PodState {
  pod: Pod;
  addresses: PodAddresses;
  /** The service-account files mounted into the sandbox (absent: none, or written by an older agent). */
  serviceAccountDir?: string;
  netns: string;
  startTime: string;
  records: ContainerRecord[];
  runInfo: Record<string, RunInfo>;
  /** active, finished (Succeeded/Failed) or killed. */
  phase: 'active' | 'finished' | 'killed';
}

export function writePodState(podDir: string, state: PodState): void {
  const file = join(podDir, 'pod.json');
  try {
    writeFileSync(`${file}.tmp`, JSON.stringify(state));
    renameSync(`${file}.tmp`, file);
  } catch {
    // the pod directory is gone: the pod was removed
  }
}

export function readPodState(podDir: string): PodState | undefined {
  try {
    return JSON.parse(readFileSync(join(podDir, 'pod.json'), 'utf8')) as PodState;
  } catch {
    return undefined;
  }
}
