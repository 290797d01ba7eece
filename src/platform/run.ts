// Running the kernel tools (ip, bridge, nft, iptables-restore, conntrack, sysctl), optionally
// inside a named network namespace, with errors that say what failed and what to do about it.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export const NETNS_DIR = '/run/netns';

export interface RunOptions {
  /** Run inside this named network namespace (/run/netns/<name>); default: the caller's. */
  netns?: string;
  /** Written to the command's stdin. */
  input?: string;
  /** Kill the command after this long (default 30 s). */
  timeoutMs?: number;
  /** Exit codes that count as success (default [0]). */
  okCodes?: number[];
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** The Debian package that provides each tool, for "not installed" hints. */
const PACKAGE_OF: Record<string, string> = {
  ip: 'iproute2', bridge: 'iproute2', nft: 'nftables', 'iptables-restore': 'iptables',
  'iptables-save': 'iptables', 'ip6tables-restore': 'iptables', 'ip6tables-save': 'iptables',
  conntrack: 'conntrack', sysctl: 'procps', nsenter: 'util-linux',
};

/** A kernel tool failed: the command, where it ran, what it said, and a hint. */
export class PlatformError extends Error {
  readonly command: string;
  readonly netns: string | undefined;
  readonly exitCode: number | null;
  readonly stderr: string;
  readonly hint: string | undefined;

  constructor(p: { command: string; netns?: string; exitCode: number | null; stderr: string; detail: string; hint?: string }) {
    const where = p.netns ? ` (in network namespace ${p.netns})` : '';
    super(`${p.command}${where}: ${p.detail}${p.hint ? `. ${p.hint}` : ''}`);
    this.name = 'PlatformError';
    this.command = p.command;
    this.netns = p.netns;
    this.exitCode = p.exitCode;
    this.stderr = p.stderr;
    this.hint = p.hint;
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

/** Namespace names become file names under /run/netns: refuse anything else early. */
export function checkNetnsName(name: string): void {
  if (!NAME.test(name)) {
    throw new Error(`invalid network namespace name "${name}": use letters, digits, '-', '_' and '.', starting with a letter or digit (at most 200 characters)`);
  }
}

export function netnsPath(name: string): string {
  checkNetnsName(name);
  return `${NETNS_DIR}/${name}`;
}

/**
 * The argv that runs cmd in netns: ip and bridge switch namespaces themselves (-n), anything
 * else goes through nsenter, which (unlike `ip netns exec`) keeps the caller's mount namespace.
 */
function argvIn(netns: string | undefined, cmd: string, args: string[]): [string, string[]] {
  if (netns === undefined) return [cmd, args];
  const path = netnsPath(netns);
  if (cmd === 'ip' || cmd === 'bridge') return [cmd, ['-n', netns, ...args]];
  return ['nsenter', [`--net=${path}`, '--', cmd, ...args]];
}

function hintFor(cmd: string, netns: string | undefined, stderr: string): string | undefined {
  if (netns !== undefined && !existsSync(`${NETNS_DIR}/${netns}`)) {
    return `network namespace "${netns}" does not exist: the cluster may have been torn down; create it again (knit up)`;
  }
  if (/Operation not permitted|Permission denied/i.test(stderr)) {
    return `${cmd} needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) to change network namespaces, links and rules: run knit as root`;
  }
  return undefined;
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, argv] = argvIn(opts.netns, cmd, args);
  const shown = [cmd, ...args].join(' ');
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const okCodes = opts.okCodes ?? [0];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const missing = e.code === 'ENOENT';
      const pkg = PACKAGE_OF[file] ?? PACKAGE_OF[cmd];
      reject(new PlatformError({
        command: shown, netns: opts.netns, exitCode: null, stderr: '',
        detail: missing ? `${file} was not found on PATH` : e.message,
        hint: missing && pkg ? `install it: apt-get install ${pkg}` : undefined,
      }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) {
        reject(new PlatformError({
          command: shown, netns: opts.netns, exitCode: code, stderr,
          detail: `did not finish within ${timeoutMs} ms and was killed`,
          hint: 'the machine may be overloaded; try again',
        }));
        return;
      }
      const exit = code ?? -1;
      if (okCodes.includes(exit)) {
        resolve({ stdout, stderr, code: exit });
        return;
      }
      reject(new PlatformError({
        command: shown, netns: opts.netns, exitCode: code, stderr,
        detail: signal ? `killed by ${signal}` : `exit code ${exit}: ${stderr.trim() || '(no output)'}`,
        hint: hintFor(cmd, opts.netns, stderr),
      }));
    });
    // A tool that exits before reading its input makes stdin emit EPIPE: the exit code tells.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}
