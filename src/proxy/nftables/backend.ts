// The nftables backend: one `nft -f -` transaction per sync, holding only what changed (map
// elements and changed services' chains), or the whole table's contents on a full sync.

import type { ProxyBackend, SyncRequest, SyncResult } from '../backend.js';
import type { Kernel } from '../kernel.js';
import type { Logger } from '../../common/klog.js';
import { isNftAffinitySet, isNftServiceChain } from '../names.js';
import { CLEANUP_SCRIPT, type NftOptions, type NftProgrammed, TABLE, emptyProgrammed, renderNftables, renderStaleChainDeletion } from './render.js';

/** How long after becoming unused a chain is deleted (see renderNftables). */
const STALE_CHAIN_DELAY_MS = 1100;

export class NftablesBackend implements ProxyBackend {
  readonly mode = 'nftables' as const;
  private programmed: NftProgrammed = emptyProgrammed();
  private baseChainsRecreated = false;
  constructor(private readonly kernel: Kernel, private readonly opts: NftOptions, private readonly log: Logger) {}

  async sync(req: SyncRequest): Promise<SyncResult> {
    const now = Date.now();
    const stale = renderStaleChainDeletion(this.programmed, now);
    if (stale.text) {
      try {
        await this.kernel.nft(stale.text);
        const staleChains = new Map(this.programmed.staleChains);
        const chains = new Set(this.programmed.chains);
        for (const chain of stale.deleted) {
          staleChains.delete(chain);
          chains.delete(chain);
        }
        this.programmed = { ...this.programmed, staleChains, chains };
      } catch (err) {
        this.log.error(err, 'Unable to delete stale chains; will retry later');
      }
    }

    // A full sync starts from what the kernel holds (a previous kube-proxy may have left chains).
    const prior = req.full
      ? { ...emptyProgrammed(), chains: await this.listed('chains', isNftServiceChain), affinitySets: await this.listed('sets', isNftAffinitySet), staleChains: this.programmed.staleChains }
      : this.programmed;
    const out = renderNftables({ ...req, recreateBaseChains: !this.baseChainsRecreated, now }, this.opts, prior);
    if (out.text) await this.kernel.nft(out.text);
    this.programmed = out.next;
    this.baseChainsRecreated = true;
    return { details: {}, resyncAfterMs: out.next.staleChains.size > 0 ? STALE_CHAIN_DELAY_MS : undefined };
  }

  /** Whether our table still exists (`nft flush ruleset` removes it); listing tables is cheap. */
  async rulesIntact(): Promise<boolean> {
    const doc = (await this.kernel.nftJSON(['list', 'tables', 'ip'])) as { nftables?: { table?: { name?: string } }[] };
    return (doc.nftables ?? []).some((item) => item.table?.name === TABLE);
  }

  /** Names of our table's chains or sets that pass `keep`. */
  private async listed(what: 'chains' | 'sets', keep: (name: string) => boolean): Promise<Set<string>> {
    const doc = (await this.kernel.nftJSON(['list', what, 'ip'])) as { nftables?: Record<string, { table?: string; name?: string }>[] };
    const names = new Set<string>();
    for (const item of doc.nftables ?? []) {
      const obj = item.chain ?? item.set;
      if (obj?.table === TABLE && obj.name && keep(obj.name)) names.add(obj.name);
    }
    return names;
  }
}

/** Removes kube-proxy's nftables table and everything in it. */
export async function cleanupNftables(kernel: Kernel): Promise<void> {
  await kernel.nft(CLEANUP_SCRIPT);
}
