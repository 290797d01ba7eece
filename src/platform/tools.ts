// Typed wrappers over the kernel tools. Every function takes the network namespace to act in
// (undefined: the caller's own).

import { PlatformError, run } from './run.js';

/** `ip <args>`; returns stdout. */
export async function ip(args: string[], netns?: string): Promise<string> {
  return (await run('ip', args, { netns })).stdout;
}

/** `ip -j <args>` parsed (an empty answer is []). */
export async function ipJson<T = any>(args: string[], netns?: string): Promise<T[]> {
  const out = (await run('ip', ['-j', ...args], { netns })).stdout.trim();
  return out === '' ? [] : (JSON.parse(out) as T[]);
}

/**
 * Many ip commands in one process (`ip -batch -`), one per line without the leading "ip".
 * On failure the error names the line that failed; lines before it have been applied. With
 * force, every line is tried and the error names the first that failed (-force).
 */
export async function ipBatch(lines: string[], netns?: string, opts: { force?: boolean } = {}): Promise<void> {
  await batch('ip', lines, netns, opts.force);
}

/** `bridge -batch -` (fdb entries of the VXLAN device), one command per line. */
export async function bridgeBatch(lines: string[], netns?: string): Promise<void> {
  await batch('bridge', lines, netns);
}

/** `bridge -j <args>` parsed. */
export async function bridgeJson<T = any>(args: string[], netns?: string): Promise<T[]> {
  const out = (await run('bridge', ['-j', ...args], { netns })).stdout.trim();
  return out === '' ? [] : (JSON.parse(out) as T[]);
}

async function batch(tool: 'ip' | 'bridge', lines: string[], netns?: string, force = false): Promise<void> {
  if (lines.length === 0) return;
  try {
    await run(tool, [...(force ? ['-force'] : []), '-batch', '-'], { netns, input: lines.join('\n') + '\n' });
  } catch (e) {
    if (e instanceof PlatformError) {
      const n = failedLine(e.stderr, lines);
      if (n !== undefined) {
        const said = e.stderr.replace(/Command failed -:\d+\s*/g, '').trim();
        throw new PlatformError({
          command: `${tool} ${lines[n - 1]}`, netns, exitCode: e.exitCode, stderr: e.stderr,
          detail: `${said || 'failed'} (line ${n} of a batch of ${lines.length})`, hint: e.hint,
        });
      }
    }
    throw e;
  }
}

/**
 * Which batch line failed: iproute2 says "Command failed -:<n>" for a kernel error, but exits at
 * once on an argument it cannot parse, quoting the argument; find the line that holds it.
 */
function failedLine(stderr: string, lines: string[]): number | undefined {
  const m = /Command failed -:(\d+)/.exec(stderr);
  if (m) return Number(m[1]);
  const quoted = /"([^"]+)"/.exec(stderr)?.[1];
  if (!quoted) return undefined;
  const i = lines.findIndex((l) => l.split(/\s+/).includes(quoted));
  return i >= 0 ? i + 1 : undefined;
}

/** Applies an nft script (`nft -f -`); returns what nft printed (a `list ...` script prints rules). */
export async function nft(script: string, netns?: string): Promise<string> {
  return (await run('nft', ['-f', '-'], { netns, input: script })).stdout;
}

export interface IptablesRestoreOptions {
  netns?: string;
  /** Keep the chains the text does not mention (--noflush). */
  noflush?: boolean;
  /** Restore the [packets:bytes] counters in the text (--counters). */
  counters?: boolean;
  /** ip6tables-restore instead of iptables-restore. */
  ipv6?: boolean;
}

/** One iptables-restore transaction: all of the text applies, or none of it. */
export async function iptablesRestore(text: string, opts: IptablesRestoreOptions = {}): Promise<void> {
  const args = ['-w'];
  if (opts.noflush) args.push('--noflush');
  if (opts.counters) args.push('--counters');
  await run(opts.ipv6 ? 'ip6tables-restore' : 'iptables-restore', args, { netns: opts.netns, input: text });
}

/** iptables-save of one table (or all tables). */
export async function iptablesSave(netns?: string, table?: string, opts: { ipv6?: boolean; counters?: boolean } = {}): Promise<string> {
  const args: string[] = [];
  if (table) args.push('-t', table);
  if (opts.counters) args.push('-c');
  return (await run(opts.ipv6 ? 'ip6tables-save' : 'iptables-save', args, { netns })).stdout;
}

/**
 * `conntrack <args>`. Deleting entries that do not exist is not an error (conntrack exits 1
 * with "0 flow entries have been deleted"), as kube-proxy treats it.
 */
export async function conntrack(args: string[], netns?: string): Promise<string> {
  const r = await run('conntrack', args, { netns, okCodes: [0, 1] });
  if (r.code === 1 && !/0 flow entries/.test(r.stderr)) {
    throw new PlatformError({ command: `conntrack ${args.join(' ')}`, netns, exitCode: 1, stderr: r.stderr, detail: `exit code 1: ${r.stderr.trim()}` });
  }
  return r.stdout;
}

const SYSCTL_KEY = /^[a-z0-9_]+([./][A-Za-z0-9_.-]+)+$/;

/** Sets one kernel parameter (net.* keys are per network namespace). */
export async function sysctl(netns: string | undefined, key: string, value: string | number): Promise<void> {
  await sysctls(netns, { [key]: value });
}

/** Sets several kernel parameters with one sysctl process. */
export async function sysctls(netns: string | undefined, entries: Record<string, string | number>): Promise<void> {
  const args = ['-q', '-w'];
  for (const [key, value] of Object.entries(entries)) {
    if (!SYSCTL_KEY.test(key)) throw new Error(`invalid sysctl key "${key}"`);
    args.push(`${key}=${value}`);
  }
  if (args.length > 2) await run('sysctl', args, { netns });
}

/** Reads one kernel parameter. */
export async function sysctlGet(netns: string | undefined, key: string): Promise<string> {
  if (!SYSCTL_KEY.test(key)) throw new Error(`invalid sysctl key "${key}"`);
  return (await run('sysctl', ['-n', key], { netns })).stdout.trim();
}
