// What kube-proxy asks of the kernel: iptables-restore/-save, nft, conntrack and sysctl, in the
// current network namespace or in a named one (tests and benchmarks program a namespace they
// built; the real kube-proxy already runs in its node's). Every command goes through the shared
// platform layer, which runs the tools and words their failures.

import { readFile } from 'node:fs/promises';
import { conntrack, iptablesRestore, iptablesSave, nft, run, sysctl, sysctlGet } from '../platform/index.js';

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

/** Kernel access in the current network namespace, or in the named one. */
export function createKernel(netns?: string): Kernel {
  return {
    async iptablesRestore(input) {
      await iptablesRestore(input, { netns, noflush: true, counters: true });
    },
    iptablesSave: () => iptablesSave(netns),
    async iptablesChainExists(table, chain) {
      return (await run('iptables', ['-w', '-t', table, '-S', chain], { netns, okCodes: [0, 1] })).code === 0;
    },
    async nft(script) {
      await nft(script, netns);
    },
    async nftJSON(args) {
      return JSON.parse((await run('nft', ['-j', ...args], { netns })).stdout);
    },
    async conntrack(args) {
      await conntrack(args, netns);
    },
    readSysctl: (name) => sysctlGet(netns, name).catch(() => null),
    writeSysctl: (name, value) => sysctl(netns, name, value),
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
