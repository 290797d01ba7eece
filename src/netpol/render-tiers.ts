// ClusterNetworkPolicy's tiers as objects of the policy component's table. Each of the node's pods
// a tier selects is an element of the tier's map, leading to the chain of its policies' rules in
// order; each rule is four set lookups ending in its action:
//
//   Admin    (jumped to before NetworkPolicy)  Accept: accept   Deny: log, drop   Pass: return
//   Baseline (reached only by pods no NetworkPolicy selects)
//                                              Accept: accept   Deny: log, drop   Pass: accept
//
// An `accept` ends the direction's base chain, so an Admin Accept skips NetworkPolicy and the
// Baseline tier; `return` goes on to NetworkPolicy, whose chains always decide for the pods they
// hold; a pod in no chain at the end of the base chain is accepted.

import type { Direction } from './allowance.js';
import type { Tier, TierChain, TierPolicies } from './cluster-policy.js';
import { comment, type NftObjects } from './nft.js';
import { allowanceRules, allowanceSets, byAddress, directionCode, LOG_PREFIX, logRule, VMAP } from './rules.js';

export const tierMap = (tier: Tier, d: Direction) => `${d}-${tier}-pods`;
export const tierChain = (tier: Tier, d: Direction, id: string) => `${tier}-${d}-${id}`;

function renderChain(objects: NftObjects, chain: TierChain): void {
  const name = tierChain(chain.tier, chain.direction, chain.id);
  const rules: string[] = [];
  chain.rules.forEach((rule, i) => {
    const base = `${name}-r${i}`;
    for (const [n, s] of allowanceSets(chain.direction, base, rule.match)) objects.sets.set(n, s);
    let verdict: string;
    if (rule.action === 'Deny') {
      verdict = `goto ${base}-deny`;
      objects.chains.set(`${base}-deny`, {
        rules: [
          logRule(`${LOG_PREFIX}:c:${directionCode(chain.direction)}:${chain.id}:${i}`),
          `drop ${comment(`denied by ClusterNetworkPolicy ${rule.policy} rule ${rule.rule}`)}`,
        ],
      });
    } else {
      verdict = rule.action === 'Accept' || chain.tier === 'baseline' ? 'accept' : 'return';
    }
    rules.push(...allowanceRules(chain.direction, base, rule.match, verdict));
  });
  objects.chains.set(name, { rules });
}

/** The maps of every tier and direction (empty ones too, so that the base chains never change), and their chains. */
export function renderTiers(objects: NftObjects, tiers: TierPolicies): void {
  for (const tier of ['admin', 'baseline'] as const) {
    for (const d of ['egress', 'ingress'] as const) {
      const td = tiers[tier][d];
      const verb = tier === 'admin' ? 'jump' : 'goto';
      objects.sets.set(tierMap(tier, d), { spec: VMAP, elements: byAddress(td.members).map(([ip, id]) => `${ip} : ${verb} ${tierChain(tier, d, id)}`) });
      for (const chain of [...td.chains.values()].sort((a, b) => a.id.localeCompare(b.id))) renderChain(objects, chain);
    }
  }
}
