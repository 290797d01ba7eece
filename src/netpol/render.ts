// NetworkPolicy (and, through render-tiers.ts, ClusterNetworkPolicy) as the objects of the
// policy component's table. Pure: the same NodePolicy always renders the same objects; nft.ts
// turns them into the text of a transaction.
//
//   table inet knit-netpol
//     chain egress   hook forward, priority filter - 5   replies pass; else by source pod:
//                    ip saddr vmap @egress-admin-pods    -> jump admin-egress-<chain> (ClusterNetworkPolicy)
//                    ip saddr vmap @egress-pods          -> goto egress-<set> (NetworkPolicy)
//                    ip saddr vmap @egress-baseline-pods -> goto baseline-egress-<chain>
//     chain ingress  hook forward, priority filter      the same by destination pod
//     chain <dir>-<set>   accept what the set's policies allow (four set lookups), else log and drop
//
// The forward hook sees pod traffic after kube-proxy's DNAT (so a Service's traffic is judged on
// the pod it reaches) and before masquerading; traffic the node itself sends or receives (probes,
// hostNetwork pods) takes the output and input hooks and is never judged, as upstream promises.

import type { Direction } from './allowance.js';
import type { NodePolicy, PolicySet } from './model.js';
import { comment, emptyObjects, type NftObjects } from './nft.js';
import { renderTiers, tierMap } from './render-tiers.js';
import { allowanceRules, allowanceSets, byAddress, directionCode, LOG_PREFIX, logRule, VMAP } from './rules.js';

const podsMap = (d: Direction) => `${d}-pods`;
export const setChain = (d: Direction, id: string) => `${d}-${id}`;
const auditChain = (d: Direction, id: string) => `${d}-${id}-audit`;

function logPrefix(kind: 'd' | 'a', d: Direction, id: string): string {
  return `${LOG_PREFIX}:${kind}:${directionCode(d)}:${id}`;
}

function renderSet(objects: NftObjects, set: PolicySet): void {
  const d = set.direction;
  const chain = setChain(d, set.id);
  for (const [n, s] of allowanceSets(d, chain, set.allowed)) objects.sets.set(n, s);
  const rules = allowanceRules(d, chain, set.allowed, 'accept');
  if (set.auditedBy.length) {
    // Audit: what only the audited policies would deny is logged and let through.
    objects.chains.set(auditChain(d, set.id), { rules: [logRule(logPrefix('a', d, set.id)), 'accept'] });
    if (set.allowedByEnforced) {
      const enforced = `${chain}-enforced`;
      for (const [n, s] of allowanceSets(d, enforced, set.allowedByEnforced)) objects.sets.set(n, s);
      rules.push(...allowanceRules(d, enforced, set.allowedByEnforced, `goto ${auditChain(d, set.id)}`));
    } else if (set.enforcedBy.length === 0) {
      rules.push(`goto ${auditChain(d, set.id)}`);
    }
  }
  if (set.enforcedBy.length) {
    rules.push(logRule(logPrefix('d', d, set.id)));
    rules.push(`drop ${comment(`isolated by ${set.enforcedBy.join(', ')}`)}`);
  }
  objects.chains.set(chain, { rules });
}

/** The table's objects for a node's policy. */
export function renderObjects(policy: NodePolicy): NftObjects {
  const objects = emptyObjects();
  for (const d of ['egress', 'ingress'] as const) {
    const dp = policy[d];
    objects.sets.set(podsMap(d), { spec: VMAP, elements: byAddress(dp.members).map(([ip, id]) => `${ip} : goto ${setChain(d, id)}`) });
    const match = d === 'ingress' ? 'ip daddr' : 'ip saddr';
    // Admin tier, then NetworkPolicy (whose chains always decide), then the Baseline tier.
    objects.chains.set(d, {
      base: `type filter hook forward priority ${d === 'egress' ? 'filter - 5' : 'filter'}; policy accept;`,
      rules: ['ct state established,related accept', `${match} vmap @${tierMap('admin', d)}`, `${match} vmap @${podsMap(d)}`, `${match} vmap @${tierMap('baseline', d)}`],
    });
    for (const set of [...dp.sets.values()].sort((a, b) => a.id.localeCompare(b.id))) renderSet(objects, set);
  }
  renderTiers(objects, policy.tiers);
  return objects;
}
