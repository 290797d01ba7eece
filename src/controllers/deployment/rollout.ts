// The arithmetic of a Deployment rollout, as upstream's deployment controller computes it: how far
// the new ReplicaSet may scale up and the old ones down under maxSurge and maxUnavailable.
// Pure functions over replica counts, tested on their own.

import type { Deployment, ReplicaSet } from '../../api/types.js';
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
