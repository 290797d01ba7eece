// The policy component's sync loop, as kube-proxy's: informer events only ask for a sync; a sync
// reads the caches, computes what the node must enforce (model.ts), renders it (render.ts) and
// applies only the difference to what the kernel holds, as one transaction. Nothing is applied
// before every cache has synced; the first sync replaces the table whole, so a restart re-applies
// the full state in one step and never opens a gap.

import { formatGoDuration } from '../common/go-duration.js';
import type { Logger } from '../common/klog.js';
import { BoundedFrequencyRunner } from '../common/runner.js';
import type { PolicyKernel } from './kernel.js';
import type { TierChain } from './cluster-policy.js';
import { computeNodePolicy, type NodePolicy, type PolicyInputs, type PolicySet } from './model.js';
import { renderDiff, renderFull, type NftObjects } from './nft.js';
import { renderObjects } from './render.js';

export interface EnforcerOptions {
  kernel: PolicyKernel;
  log: Logger;
  /** The cluster as the informers hold it now. */
  inputs: () => PolicyInputs;
  /** Shortest time between syncs after a burst of two (default 0: every change at once). */
  minSyncPeriodMs?: number;
  /** The periodic sync, which also checks that the table is still there (default 30 s). */
  syncPeriodMs?: number;
  /** How often the table is replaced whole, whatever changed (default 1 h). */
  fullSyncPeriodMs?: number;
}

/** Keeps the newest 10,000 by id. */
function remember<T extends { id: string }>(map: Map<string, T>, items: T[]): void {
  for (const item of items) {
    map.delete(item.id);
    map.set(item.id, item);
  }
  if (map.size > 10_000) for (const id of [...map.keys()].slice(0, map.size - 10_000)) map.delete(id);
}

interface Waiter {
  uid: string;
  ip: string;
  done: (ok: boolean) => void;
}

export interface EnforcerStatus {
  synced: boolean;
  syncs: number;
  failures: number;
  lastSyncMs: number;
  /** When the last sync finished (ms since the epoch), 0 before the first. */
  lastSyncAt: number;
}

export class PolicyEnforcer {
  private readonly runner: BoundedFrequencyRunner;
  private initialized = false;
  private requested = false;
  private programmed?: NftObjects;
  private lastFull = 0;
  private current?: NodePolicy;
  /** Every policy set and tier chain seen, by id, so a log line about a packet can still name one just replaced. */
  private readonly known = new Map<string, PolicySet>();
  private readonly knownChains = new Map<string, TierChain>();
  private readonly waiters = new Set<Waiter>();
  readonly status: EnforcerStatus = { synced: false, syncs: 0, failures: 0, lastSyncMs: 0, lastSyncAt: 0 };

  constructor(private readonly o: EnforcerOptions) {
    this.runner = new BoundedFrequencyRunner(() => this.sync(), {
      minIntervalMs: o.minSyncPeriodMs ?? 0,
      maxIntervalMs: o.syncPeriodMs ?? 30_000,
      onError: (err) => {
        this.status.failures++;
        this.programmed = undefined; // the kernel may hold anything now: the next sync is full
        o.log.error(err, 'Failed to sync network policy rules; will retry');
        this.runner.retryAfter(1000);
      },
    });
  }

  start(): void {
    this.runner.start();
  }

  /** Every cache has synced: the first sync may run. */
  setInitialized(): void {
    this.initialized = true;
    this.changed();
  }

  /** Something the rules depend on changed. */
  changed(): void {
    this.requested = true;
    this.runner.run();
  }

  /** Syncs now (after any sync in progress) and resolves when done: for tests and benchmarks. */
  syncNow(): Promise<void> {
    this.requested = true;
    return this.runner.runNow();
  }

  /** A policy set by id, current or recently replaced. */
  policySet(id: string): PolicySet | undefined {
    return this.known.get(id);
  }

  /** A ClusterNetworkPolicy chain by id, current or recently replaced. */
  tierChain(id: string): TierChain | undefined {
    return this.knownChains.get(id);
  }

  /** What the node enforces now (after the last successful sync). */
  get policy(): NodePolicy | undefined {
    return this.current;
  }

  /**
   * Resolves true once the kernel holds the rules for pod `uid` at address `ip` (whatever
   * policies select it, if any), false after `timeoutMs`.
   */
  waitProgrammed(uid: string, ip: string, timeoutMs: number): Promise<boolean> {
    if (this.current?.localPods.get(uid) === ip) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        uid, ip,
        done: (ok) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(ok);
        },
      };
      const timer = setTimeout(() => waiter.done(false), timeoutMs);
      this.waiters.add(waiter);
    });
  }

  async stop(): Promise<void> {
    await this.runner.stop();
    for (const w of [...this.waiters]) w.done(false);
  }

  private async sync(): Promise<void> {
    if (!this.initialized) return;
    const started = performance.now();
    const periodic = !this.requested;
    this.requested = false;
    if (periodic && this.programmed && !(await this.o.kernel.tableExists())) {
      this.o.log.info('The network policy table is gone (flushed by someone else?); restoring it');
      this.programmed = undefined;
    }
    const full = !this.programmed || Date.now() - this.lastFull > (this.o.fullSyncPeriodMs ?? 3_600_000);
    const policy = computeNodePolicy(this.o.inputs());
    const next = renderObjects(policy);
    const text = full ? renderFull(next) : renderDiff(this.programmed!, next);
    if (text) await this.o.kernel.apply(text);
    this.programmed = next;
    if (full) this.lastFull = Date.now();
    this.report(this.current, policy);
    this.current = policy;
    remember(this.known, [...policy.ingress.sets.values(), ...policy.egress.sets.values()]);
    remember(this.knownChains, Object.values(policy.tiers).flatMap((t) => [...t.ingress.chains.values(), ...t.egress.chains.values()]));
    for (const w of [...this.waiters]) if (policy.localPods.get(w.uid) === w.ip) w.done(true);
    const elapsed = performance.now() - started;
    Object.assign(this.status, { synced: true, syncs: this.status.syncs + 1, lastSyncMs: elapsed, lastSyncAt: Date.now() });
    if (text) {
      this.o.log.info('Network policy rules synced', {
        fullSync: full, isolatedIngress: policy.ingress.members.size, isolatedEgress: policy.egress.members.size,
        policySets: policy.ingress.sets.size + policy.egress.sets.size, elapsed: formatGoDuration(elapsed),
      });
    }
  }

  /** Log lines for what changed in who is isolated by what: what `kubectl logs` shows users. */
  private report(before: NodePolicy | undefined, after: NodePolicy): void {
    const names = (p: NodePolicy | undefined, d: 'ingress' | 'egress', id: string) => {
      const out: string[] = [];
      for (const [ip, set] of p?.[d].members ?? []) if (set === id) out.push(p!.podNames.get(ip) ?? ip);
      return out.join(', ');
    };
    for (const d of ['ingress', 'egress'] as const) {
      for (const [id, set] of after[d].sets) {
        const now = names(after, d, id);
        if (before?.[d].sets.has(id) && names(before, d, id) === now) continue;
        this.o.log.info('Isolating pods', { direction: d, pods: now, enforcedBy: set.enforcedBy.join(', '), auditedBy: set.auditedBy.join(', ') });
      }
      for (const [id, set] of before?.[d].sets ?? []) {
        if (!after[d].sets.has(id)) this.o.log.info('No longer isolating pods', { direction: d, policies: [...set.enforcedBy, ...set.auditedBy].join(', ') });
      }
    }
  }
}
