// The iptables backend: renders kube-proxy's rules and applies them with one
// `iptables-restore --noflush --counters`. Full syncs also read iptables-save to add missing jumps
// from the built-in chains and to find chains a previous kube-proxy left behind; partial syncs
// rewrite only the top-level chains and the changed services' chains.

import type { ProxyBackend, SyncRequest, SyncResult } from '../backend.js';
import { PlatformError } from '../../platform/index.js';
import type { Kernel } from '../kernel.js';
import { isIptablesServiceChain } from '../names.js';
import { missingJumps, renderCleanup, saveTables, savedChains } from './jumps.js';
import { type IptablesOptions, renderIptables } from './render.js';

/** The options the caller chooses; the rest are found on the system. */
export type IptablesBackendOptions = Omit<IptablesOptions, 'randomFully' | 'conntrackTCPLiberal'>;

const CANARY = 'KUBE-PROXY-CANARY';

export class IptablesBackend implements ProxyBackend {
  readonly mode = 'iptables' as const;
  /** Per-service nat chains the kernel holds after our last restore. */
  private knownChains = new Set<string>();

  private constructor(private readonly kernel: Kernel, private readonly opts: IptablesOptions) {}

  static async create(kernel: Kernel, opts: IptablesBackendOptions): Promise<IptablesBackend> {
    // NodePorts on 127.0.0.1 need routing of loopback sources (upstream sets the same sysctl).
    if (opts.localhostNodePorts) await kernel.writeSysctl('net.ipv4.conf.all.route_localnet', '1');
    const liberal = await kernel.readSysctl('net.netfilter.nf_conntrack_tcp_be_liberal');
    return new IptablesBackend(kernel, { ...opts, randomFully: true, conntrackTCPLiberal: liberal !== null && liberal !== '0' });
  }

  async sync(req: SyncRequest): Promise<SyncResult> {
    let existingChains = this.knownChains;
    let jumps;
    if (req.full) {
      const save = await this.kernel.iptablesSave();
      jumps = missingJumps(save);
      existingChains = new Set(savedChains(saveTables(save).get('nat') ?? []).filter(isIptablesServiceChain));
    }
    const out = renderIptables({ ...req, existingChains, jumps, canary: req.full }, this.opts);
    try {
      await this.kernel.iptablesRestore(out.text);
    } catch (err) {
      throw withFailingLines(err, out.text);
    }
    this.knownChains = out.activeChains;
    return {
      details: {
        numFilterChains: out.counts.filterChains,
        numFilterRules: out.counts.filterRules,
        numNATChains: out.counts.natChains,
        numNATRules: out.counts.natRules,
      },
    };
  }

  async rulesIntact(): Promise<boolean> {
    for (const table of ['mangle', 'nat', 'filter']) {
      if (!(await this.kernel.iptablesChainExists(table, CANARY))) return false;
    }
    return true;
  }
}

/** Adds the input lines around the one iptables-restore names ("line 12 failed"). */
function withFailingLines(err: unknown, input: string): unknown {
  const m = err instanceof PlatformError ? /line (\d+) failed/.exec(err.stderr) : null;
  if (!m) return err;
  const n = Number(m[1]);
  const context = input.split('\n').slice(Math.max(0, n - 2), n + 1).map((l, i) => `${Math.max(1, n - 1) + i}: ${l}`);
  return new Error(`${(err as Error).message}\n${context.join('\n')}`, { cause: err });
}

/** Removes every rule and chain of kube-proxy's iptables mode (jumps from built-in chains too). */
export async function cleanupIptables(kernel: Kernel): Promise<void> {
  const text = renderCleanup(await kernel.iptablesSave());
  if (text) await kernel.iptablesRestore(text);
}
