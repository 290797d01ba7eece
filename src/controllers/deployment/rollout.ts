// The arithmetic of a Deployment rollout, as upstream's deployment controller computes it: how far
// the new ReplicaSet may scale up and the old ones down under maxSurge and maxUnavailable.
// Pure functions over replica counts, tested on their own.

import type { Deployment, ReplicaSet } from '../../kube/types.js';
import { intOrPercent } from '../common.js';

export function maxSurgeOf(d: Deployment): number {
  if (d.spec.strategy?.type === 'Recreate') return 0;
  const replicas = d.spec.replicas ?? 1;
  const surge = intOrPercent(d.spec.strategy?.rollingUpdate?.maxSurge, replicas, true, '25%');
  const unavailable = intOrPercent(d.spec.strategy?.rollingUpdate?.maxUnavailable, replicas, false, '25%');
  // Both zero would stall a rollout; upstream then allows one unavailable instead.
  return surge === 0 && unavailable === 0 ? 0 : surge;
}

export function maxUnavailableOf(d: Deployment): number {
  if (d.spec.strategy?.type === 'Recreate') return 0;
  const replicas = d.spec.replicas ?? 1;
  const surge = intOrPercent(d.spec.strategy?.rollingUpdate?.maxSurge, replicas, true, '25%');
  let unavailable = intOrPercent(d.spec.strategy?.rollingUpdate?.maxUnavailable, replicas, false, '25%');
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return Math.min(unavailable, replicas);
}

const specReplicas = (rs: ReplicaSet) => rs.spec.replicas ?? 0;
const available = (rs: ReplicaSet) => rs.status?.availableReplicas ?? 0;

/** Desired size of the new ReplicaSet this step (upstream's NewRSNewReplicas). */
export function newReplicaSetReplicas(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet): number {
  const replicas = d.spec.replicas ?? 1;
  if (d.spec.strategy?.type === 'Recreate') return replicas;
  const current = all.reduce((n, rs) => n + specReplicas(rs), 0);
  const maxTotal = replicas + maxSurgeOf(d);
  if (current >= maxTotal) return specReplicas(newRS);
  const scaleUp = Math.min(maxTotal - current, replicas - specReplicas(newRS));
  return specReplicas(newRS) + Math.max(scaleUp, 0);
}

export interface ScaleDown {
  rs: ReplicaSet;
  to: number;
}

/**
 * How old ReplicaSets scale down this step (upstream's reconcileOldReplicaSets): first the
 * replicas that are not available anyway, then, oldest first, as many as keeping
 * replicas - maxUnavailable available allows.
 */
export function oldReplicaSetScaleDowns(d: Deployment, all: ReplicaSet[], old: ReplicaSet[], newRS: ReplicaSet | undefined): ScaleDown[] {
  const oldPods = old.reduce((n, rs) => n + specReplicas(rs), 0);
  if (oldPods === 0) return [];
  const replicas = d.spec.replicas ?? 1;
  const allPods = all.reduce((n, rs) => n + specReplicas(rs), 0);
  const minAvailable = replicas - maxUnavailableOf(d);
  const newUnavailable = newRS ? specReplicas(newRS) - available(newRS) : 0;
  let budget = allPods - minAvailable - Math.max(newUnavailable, 0);
  if (budget <= 0) return [];
  const byAge = [...old].sort((a, b) => Date.parse(a.metadata.creationTimestamp ?? '0') - Date.parse(b.metadata.creationTimestamp ?? '0'));
  const target = new Map<ReplicaSet, number>(byAge.map((rs) => [rs, specReplicas(rs)]));
  // Unhealthy replicas first: they do not count towards availability.
  for (const rs of byAge) {
    if (budget <= 0) break;
    const unhealthy = specReplicas(rs) - available(rs);
    if (unhealthy <= 0) continue;
    const cut = Math.min(unhealthy, budget);
    target.set(rs, target.get(rs)! - cut);
    budget -= cut;
  }
  // Then healthy ones, keeping minAvailable.
  const totalAvailable = all.reduce((n, rs) => n + available(rs), 0);
  let healthyBudget = totalAvailable - minAvailable;
  for (const rs of byAge) {
    if (healthyBudget <= 0) break;
    const cur = target.get(rs)!;
    if (cur === 0) continue;
    const cut = Math.min(cur, healthyBudget);
    target.set(rs, cur - cut);
    healthyBudget -= cut;
  }
  return byAge.filter((rs) => target.get(rs)! !== specReplicas(rs)).map((rs) => ({ rs, to: target.get(rs)! }));
}

const DESIRED = 'deployment.kubernetes.io/desired-replicas';
const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
const annotatedCount = (rs: ReplicaSet, key: string): number | undefined => {
  const v = rs.metadata.annotations?.[key];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
};
const created = (rs: ReplicaSet) => Date.parse(rs.metadata.creationTimestamp ?? '') || 0;

/** A ReplicaSet sized for another replica count than the deployment's: `kubectl scale` happened. */
export function isScalingEvent(d: Deployment, all: ReplicaSet[]): boolean {
  return all.some((rs) => {
    const desired = annotatedCount(rs, DESIRED);
    return specReplicas(rs) > 0 && desired !== undefined && desired !== (d.spec.replicas ?? 1);
  });
}

/**
 * The target sizes after a scaling event (upstream's scale()): a lone active (or else the newest)
 * ReplicaSet takes the whole count; old ones go to zero once the new one is saturated; otherwise,
 * in a rolling update, every active ReplicaSet grows or shrinks in proportion to its share.
 */
export function scaleEventSizes(d: Deployment, newRS: ReplicaSet | undefined, old: ReplicaSet[]): ScaleDown[] {
  const replicas = d.spec.replicas ?? 1;
  const all = newRS ? [...old, newRS] : old;
  const active = all.filter((rs) => specReplicas(rs) > 0);
  if (active.length <= 1) {
    const newestOld = [...old].sort((a, b) => created(b) - created(a))[0];
    const target = active[0] ?? newRS ?? newestOld;
    return target && specReplicas(target) !== replicas ? [{ rs: target, to: replicas }] : [];
  }
  if (newRS && specReplicas(newRS) === replicas && annotatedCount(newRS, DESIRED) === replicas && available(newRS) === replicas) {
    return old.filter((rs) => specReplicas(rs) > 0).map((rs) => ({ rs, to: 0 }));
  }
  if (d.spec.strategy?.type === 'Recreate') return [];
  const allowed = replicas > 0 ? replicas + maxSurgeOf(d) : 0;
  const toAdd = allowed - active.reduce((n, rs) => n + specReplicas(rs), 0);
  // Growing favours the largest (then newest) sets, shrinking the largest (then oldest).
  const order = [...active].sort((a, b) => specReplicas(b) - specReplicas(a) || (toAdd > 0 ? created(b) - created(a) : created(a) - created(b)));
  let added = 0;
  const sizes = order.map((rs) => {
    if (toAdd === 0 || toAdd === added) return specReplicas(rs);
    const share = fractionOf(d, rs, allowed);
    const proportion = toAdd > 0 ? Math.min(share, toAdd - added) : Math.max(share, toAdd - added);
    added += proportion;
    return specReplicas(rs) + proportion;
  });
  // What rounding left over goes to (or comes from) the first, largest set.
  if (sizes.length && toAdd !== 0) sizes[0] = Math.max(0, sizes[0] + toAdd - added);
  return order.map((rs, i) => ({ rs, to: sizes[i] })).filter((s) => s.to !== specReplicas(s.rs) || annotatedCount(s.rs, DESIRED) !== replicas);
}

/** How many replicas rs gains (or loses) when the deployment's maximum becomes allowed. */
function fractionOf(d: Deployment, rs: ReplicaSet, allowed: number): number {
  if ((d.spec.replicas ?? 1) === 0) return -specReplicas(rs);
  const before = annotatedCount(rs, MAX_REPLICAS) || d.status?.replicas || specReplicas(rs);
  return Math.round((specReplicas(rs) * allowed) / before) - specReplicas(rs);
}
