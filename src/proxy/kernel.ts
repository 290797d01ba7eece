// The only place kube-proxy touches the kernel: iptables-restore/-save, nft, conntrack and
// sysctl, each spawned as a child process, optionally inside a named network namespace (tests and
// benchmarks program a namespace they built; the real kube-proxy already runs in its node's).
// Kept narrow so that it can move into src/platform/ unchanged.

import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface Kernel {
  /** `iptables-restore --noflush --counters` with `input` on stdin: one atomic transaction. */
  iptablesRestore(input: string): Promise<void>;
  /** `iptables-save` of every table. */
  iptablesSave(): Promise<string>;
  /** Whether `chain` exists in `table`. */
  iptablesChainExists(table: string, chain: string): Promise<boolean>;
  /** `nft -f -` with `script` on stdin: one atomic transaction. */
  nft(script: string): Promise<void>;
  /** `nft -j <args>`, parsed. */
  nftJSON(args: string[]): Promise<unknown>;
  /** `conntrack <args>`; deleting nothing is not an error. */
  conntrack(args: string[]): Promise<void>;
  readSysctl(name: string): Promise<string | null>;
  writeSysctl(name: string, value: string): Promise<void>;
}

export class KernelCommandError extends Error {
  constructor(readonly command: string, readonly code: number | null, readonly stderr: string) {
    super(`${command} failed (exit ${code}): ${stderr.trim()}`);
    this.name = 'KernelCommandError';
  }
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(argv: string[], input?: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    // A child that exits before reading all of stdin must not crash us with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/** Kernel access in the current network namespace, or in the named one (`ip netns exec`). */
export function createKernel(netns?: string): Kernel {
  const argv = (cmd: string[]): string[] => (netns ? ['ip', 'netns', 'exec', netns, ...cmd] : cmd);
  const must = async (cmd: string[], input?: string): Promise<string> => {
    const r = await run(argv(cmd), input);
    if (r.code !== 0) throw new KernelCommandError(cmd.join(' '), r.code, r.stderr);
    return r.stdout;
  };
  return {
    async iptablesRestore(input) {
      await must(['iptables-restore', '-w', '5', '--noflush', '--counters'], input);
    },
    iptablesSave: () => must(['iptables-save']),
    async iptablesChainExists(table, chain) {
      return (await run(argv(['iptables', '-w', '5', '-t', table, '-S', chain]))).code === 0;
    },
    async nft(script) {
      await must(['nft', '-f', '-'], script);
    },
    async nftJSON(args) {
      return JSON.parse(await must(['nft', '-j', ...args]));
    },
    async conntrack(args) {
      const r = await run(argv(['conntrack', ...args]));
      if (r.code !== 0 && !/0 flow entries have been deleted/.test(r.stderr)) {
        throw new KernelCommandError(['conntrack', ...args].join(' '), r.code, r.stderr);
      }
    },
    async readSysctl(name) {
      const r = await run(argv(['sysctl', '-n', name]));
      return r.code === 0 ? r.stdout.trim() : null;
    },
    async writeSysctl(name, value) {
      await must(['sysctl', '-q', '-w', `${name}=${value}`]);
    },
  };
}

/** Whether this kernel can run IPVS: /proc/net/ip_vs exists or an ip_vs module is loaded. */
export async function ipvsAvailable(): Promise<boolean> {
  const has = async (path: string, test: (text: string) => boolean): Promise<boolean> => {
    try {
      return test(await readFile(path, 'utf8'));
    } catch {
      return false;
    }
  };
  return (await has('/proc/net/ip_vs', () => true)) || has('/proc/modules', (text) => /^ip_vs\s/m.test(text));
}
