// Entering the namespaces of a running process (`nsenter -t <pid>`), as a container runtime's
// exec enters a container: a pod's network, hostname and mounted /etc files all come along.

import { spawn, type SpawnOptions } from 'node:child_process';
import { OwnedProcess } from './netns.js';

// By absolute path: the child's env is the container's, whose PATH need not lead to it.
const NSENTER = '/usr/bin/nsenter';

export interface SpawnInNamespacesOfOptions extends SpawnOptions {
  /** The working directory as the target process sees its files (default /). */
  wd?: string;
}

/**
 * Starts cmd in the network, UTS and mount namespaces of process `pid`; the returned owner's
 * stop() ends it (the whole process group when `detached`).
 */
export function spawnInNamespacesOf(pid: number, cmd: string, args: string[], opts: SpawnInNamespacesOfOptions = {}): OwnedProcess {
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`invalid process id ${pid}`);
  const { wd = '/', ...spawnOpts } = opts;
  const child = spawn(NSENTER, ['-t', String(pid), '-n', '-u', '-m', `--wd=${wd}`, '--', cmd, ...args], spawnOpts);
  return new OwnedProcess(child, spawnOpts.detached === true);
}
