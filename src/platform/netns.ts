// Named network namespaces (/run/netns/<name>, as `ip netns` keeps them) and processes
// started inside them.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { NETNS_DIR, checkNetnsName, netnsPath, run } from './run.js';

export function netnsExists(name: string): boolean {
  return existsSync(netnsPath(name));
}

/** Every named network namespace, sorted. */
export async function netnsList(): Promise<string[]> {
  try {
    return (await readdir(NETNS_DIR)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/**
 * `ip netns add` bind-mounts the new namespace onto /run/netns/<name>. Inside `ip netns exec`
 * the process has its own (slave) mount namespace, so that mount would stay invisible to every
 * other process: refuse there instead of creating a namespace nobody else can enter.
 */
export function checkMountsReachHost(): void {
  let info = '';
  try { info = readFileSync('/proc/self/mountinfo', 'utf8'); } catch { return; }
  const line = info.split('\n').find((l) => l.split(' ')[4] === NETNS_DIR);
  if (line && / master:\d+/.test(line) && !/ shared:\d+/.test(line)) {
    throw new Error('this process runs in a private mount namespace (was it started with `ip netns exec`?): network namespaces it creates would be invisible to other processes; start it with spawnInNetns(..., { via: "nsenter" }) instead');
  }
}

/** Creates a named network namespace (lo still down). Fails if it exists unless existOk. */
export async function netnsAdd(name: string, opts: { existOk?: boolean } = {}): Promise<void> {
  checkNetnsName(name);
  if (opts.existOk && netnsExists(name)) return;
  checkMountsReachHost();
  await run('ip', ['netns', 'add', name]);
}

/**
 * Names the network namespace process `pid` is in (`ip netns attach`), e.g. a caller's own
 * namespace, so that others can enter it by name. netnsDelete(name) removes the name only.
 */
export async function netnsAttach(name: string, pid: number): Promise<void> {
  checkNetnsName(name);
  checkMountsReachHost();
  await run('ip', ['netns', 'attach', name, String(pid)]);
}

/**
 * A second name for an existing named namespace: /run/netns/<alias> is bind-mounted from
 * /run/netns/<target>. netnsDelete(alias) removes the alias; the target stays.
 */
export async function netnsAlias(alias: string, target: string): Promise<void> {
  const aliasPath = netnsPath(alias);
  const targetPath = netnsPath(target);
  checkMountsReachHost();
  mkdirSync(NETNS_DIR, { recursive: true });
  writeFileSync(aliasPath, '');
  try {
    await run('mount', ['--bind', targetPath, aliasPath]);
  } catch (e) {
    rmSync(aliasPath, { force: true });
    throw e;
  }
}

/**
 * Removes a named namespace; a missing one is not an error. The namespace itself lives on
 * while processes still run in it: stop them first.
 */
export async function netnsDelete(name: string): Promise<void> {
  const path = netnsPath(name);
  if (!existsSync(path)) return;
  await run('ip', ['netns', 'delete', name]);
  // A crash between creating the file and mounting onto it leaves a plain file behind.
  await rm(path, { force: true });
}

/**
 * The processes running in each of the named namespaces (as `ip netns pids` finds them: by
 * comparing /proc/<pid>/ns/net with the namespace file). Processes we may not inspect are skipped.
 */
export async function netnsPids(names: string[]): Promise<Map<string, number[]>> {
  const byInode = new Map<string, string>();
  const result = new Map<string, number[]>();
  for (const name of names) {
    try {
      const st = await stat(netnsPath(name));
      byInode.set(`${st.dev}:${st.ino}`, name);
      result.set(name, []);
    } catch { /* gone already */ }
  }
  if (byInode.size === 0) return result;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const st = await stat(`/proc/${entry}/ns/net`);
      const name = byInode.get(`${st.dev}:${st.ino}`);
      if (name) result.get(name)!.push(Number(entry));
    } catch { /* exited, or not ours to inspect */ }
  }
  return result;
}

export interface SpawnInNetnsOptions extends SpawnOptions {
  /**
   * 'ip-netns-exec' (default): a private mount namespace with /etc/netns/<ns>/* bind-mounted
   * over /etc and /sys showing the namespace's devices. 'nsenter': only the network namespace
   * changes; use it for processes that must create namespaces themselves (the node agent).
   */
  via?: 'ip-netns-exec' | 'nsenter';
  /**
   * Also give the process a UTS namespace of its own (`unshare --uts`): it may then set its
   * hostname without changing anyone else's (a pod's shim names itself after the pod).
   */
  newUts?: boolean;
  /**
   * Directories bind-mounted into the process's own mount namespace before it starts (only with
   * 'ip-netns-exec', whose mount namespace is the process's alone): a pod's service-account files
   * at the path every client library reads. A missing target directory is created first; on the
   * host it stays an empty directory.
   */
  bindMounts?: BindMount[];
}

export interface BindMount {
  source: string;
  target: string;
  readOnly?: boolean;
}

// Runs in the new mount namespace: `<source> <target> ro|rw` triples up to "--", then the program.
const BIND_MOUNTS_SCRIPT = 'set -e; while [ "$1" != "--" ]; do mkdir -p "$2"; mount --bind "$1" "$2"; '
  + 'if [ "$3" = ro ]; then mount -o remount,bind,ro "$2"; fi; shift 3; done; shift; exec "$@"';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process and the one owner that ends it. */
export class OwnedProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<ProcessExit>;
  private readonly group: boolean;
  private done = false;

  constructor(child: ChildProcess, group: boolean) {
    this.child = child;
    this.group = group;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => { this.done = true; resolve({ code, signal }); });
      child.once('error', () => { this.done = true; resolve({ code: null, signal: null }); });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.done;
  }

  signal(sig: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (this.done || pid === undefined) return;
    try {
      // A detached child leads its own process group: signal the whole tree.
      process.kill(this.group ? -pid : pid, sig);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }

  /** SIGTERM, then SIGKILL after graceMs; resolves when the process has exited. */
  async stop(graceMs = 5000): Promise<ProcessExit> {
    if (this.done) return this.exited;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Starts cmd inside a named network namespace; the returned owner's stop() ends it. */
export function spawnInNetns(netns: string, cmd: string, args: string[], opts: SpawnInNetnsOptions = {}): OwnedProcess {
  const path = netnsPath(netns);
  const { via = 'ip-netns-exec', newUts = false, bindMounts = [], ...spawnOpts } = opts;
  if (bindMounts.length && via !== 'ip-netns-exec') throw new Error('bind mounts need a mount namespace of the process\'s own (via ip-netns-exec)');
  const program = bindMounts.length
    ? ['sh', '-c', BIND_MOUNTS_SCRIPT, 'knit-mounts', ...bindMounts.flatMap((m) => [m.source, m.target, m.readOnly ? 'ro' : 'rw']), '--', cmd, ...args]
    : [cmd, ...args];
  const argv = newUts ? ['unshare', '--uts', '--', ...program] : program;
  const child = via === 'nsenter'
    ? spawn('nsenter', [`--net=${path}`, '--', ...argv], spawnOpts)
    : spawn('ip', ['netns', 'exec', netns, ...argv], spawnOpts);
  return new OwnedProcess(child, spawnOpts.detached === true);
}
