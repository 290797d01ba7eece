// Commands in a running pod: in the shim's network, UTS and mount namespaces (so the pod's IP,
// hostname, resolv.conf and hosts; platform/ enters them), with the container's env, PATH and
// working directory.

import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { lookPathError } from '../../images/lookpath.js';
import { spawnInNamespacesOf } from '../../platform/index.js';
import { signalTree } from './procfs.js';
import { onPty, resizePty } from './tty.js';

export interface ExecOptions {
  command: string[];
  /** The container's environment (PATH included). */
  env: Record<string, string>;
  cwd?: string;
  stdin?: boolean;
  tty?: boolean;
}

export interface ExecSession {
  stdin?: Writable;
  stdout: Readable;
  /** Empty with a tty: the terminal carries both streams on stdout. */
  stderr: Readable;
  resize(width: number, height: number): void;
  /** The command's exit code (128 + signal number when a signal ended it). */
  exit: Promise<number>;
  /** Ends the command and everything it started. */
  kill(): void;
}

/** Starts `opts.command` in the namespaces of process `targetPid` (the pod's shim). */
export function execInPod(targetPid: number, opts: ExecOptions): ExecSession {
  const problem = lookPathError(opts.command[0] ?? '', opts.env.PATH ?? '');
  if (problem) throw new Error(`unable to start container process: ${problem}`);
  const command = opts.tty ? onPty(opts.command) : opts.command;
  const [cmd, ...args] = command;
  const { child } = spawnInNamespacesOf(targetPid, cmd, args, {
    wd: opts.cwd || '/',
    env: { ...(opts.tty ? { TERM: 'xterm' } : {}), ...opts.env },
    detached: true,
    stdio: [opts.stdin || opts.tty ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  const exit = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
  child.stdin?.on('error', () => undefined);
  if (opts.tty && child.pid) void resizePty(child.pid, 80, 24);
  return {
    stdin: opts.stdin || opts.tty ? child.stdin ?? undefined : undefined,
    stdout: child.stdout!,
    stderr: child.stderr!,
    exit,
    resize: (width, height) => { if (opts.tty && child.pid) void resizePty(child.pid, width, height); },
    kill: () => { if (child.pid && child.exitCode === null && child.signalCode === null) signalTree(child.pid, 'SIGKILL'); },
  };
}

/** Runs a command to completion (exec probes): combined output up to 10 KiB, killed at the timeout. */
export async function execCapture(targetPid: number, opts: ExecOptions, timeoutMs: number): Promise<{ exitCode: number; output: string; timedOut: boolean }> {
  const session = execInPod(targetPid, opts);
  let output = '';
  const collect = (chunk: Buffer) => { if (output.length < 10 * 1024) output += chunk.toString(); };
  session.stdout.on('data', collect);
  session.stderr.on('data', collect);
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; session.kill(); }, timeoutMs);
  try {
    const exitCode = await session.exit;
    return { exitCode, output: output.slice(0, 10 * 1024), timedOut };
  } finally {
    clearTimeout(timer);
  }
}
