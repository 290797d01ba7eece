// NetworkPolicy as nftables objects, and the text of the transaction that moves the kernel from
// one state to the next. Pure: the same NodePolicy always renders the same text.
//
//   table inet knit-netpol
//     chain egress   hook forward, priority filter - 5   replies pass; else by source pod:
//                    ip saddr vmap @egress-pods -> goto egress-<set>
//     chain ingress  hook forward, priority filter      replies pass; else by destination pod:
//                    ip daddr vmap @ingress-pods -> goto ingress-<set>
//     chain <dir>-<set>   accept what the set's policies allow (four set lookups), else log and drop
//
// The forward hook sees pod traffic after kube-proxy's DNAT (so a Service's traffic is judged on
// the pod it reaches) and before masquerading; traffic the node itself sends or receives (probes,
// hostNetwork pods) takes the output and input hooks and is never judged, as upstream promises.

import { formatIPv4 } from '../common/ipv4.js';
import { formatAddresses, formatPorts } from './intervals.js';
import type { Allowance, Direction, NodePolicy, PolicySet } from './model.js';

export const TABLE = 'knit-netpol';
export const FAMILY = 'inet';
/** NFLOG group of denied and audited connections. */
export const NFLOG_GROUP = 1;
/** Log prefixes: "knit-np:<d|a>:<i|e>:<set id>" (deny or audit, ingress or egress). */
export const LOG_PREFIX = 'knit-np';

export interface NftSet {
  /** The declaration inside the braces: "type ...; flags interval;". */
  spec: string;
  elements: string[];
}

export interface NftChain {
  /** Base chains: "type filter hook forward priority filter; policy accept;". */
  base?: string;
  rules: string[];
}

/** The objects of the table, by name. */
export interface NftObjects {
  sets: Map<string, NftSet>;
  chains: Map<string, NftChain>;
}

const PEERS = 'type ipv4_addr; flags interval;';
const PEER_PORTS = 'type ipv4_addr . inet_proto . inet_service; flags interval;';
const PORTS = 'type inet_proto . inet_service; flags interval;';
const NAMED = 'type ipv4_addr . ipv4_addr . inet_proto . inet_service; flags interval;';
const VMAP = 'type ipv4_addr : verdict;';

const podsMap = (d: Direction) => `${d}-pods`;
export const setChain = (d: Direction, id: string) => `${d}-${id}`;
const auditChain = (d: Direction, id: string) => `${d}-${id}-audit`;

/** nft comments are at most 128 bytes. */
function comment(text: string): string {
  const clipped = Buffer.byteLength(text) > 120 ? `${Buffer.from(text).subarray(0, 116).toString().replace(/\uFFFD$/, '')}...` : text;
  return `comment ${JSON.stringify(clipped)}`;
}

function logPrefix(kind: 'd' | 'a', d: Direction, id: string): string {
  return `${LOG_PREFIX}:${kind}:${d === 'ingress' ? 'i' : 'e'}:${id}`;
}

function allowanceSets(d: Direction, name: string, a: Allowance): [string, NftSet][] {
  const sets: [string, NftSet][] = [
    [`${name}-peers`, { spec: PEERS, elements: a.peers.map(formatAddresses) }],
    [`${name}-peer-ports`, { spec: PEER_PORTS, elements: a.peerPorts.map((b) => `${formatAddresses(b.ips)} . ${b.proto} . ${formatPorts(b.ports)}`) }],
    [`${name}-ports`, { spec: PORTS, elements: a.ports.map((p) => `${p.proto} . ${formatPorts(p.ports)}`) }],
  ];
  if (d === 'ingress') {
    sets.push([`${name}-named`, { spec: NAMED, elements: a.named.map((n) => `${formatIPv4(n.pod)} . ${formatAddresses(n.box.ips)} . ${n.box.proto} . ${formatPorts(n.box.ports)}`) }]);
  }
  return sets;
}

/** The rules that match what an allowance allows, each ending in `verdict`. */
function allowanceRules(d: Direction, name: string, a: Allowance, verdict: string): string[] {
  const peer = d === 'ingress' ? 'ip saddr' : 'ip daddr';
  const rules = [
    `${peer} @${name}-peers ${verdict}`,
    `${peer} . meta l4proto . th dport @${name}-peer-ports ${verdict}`,
    `meta l4proto . th dport @${name}-ports ${verdict}`,
  ];
  if (d === 'ingress') rules.push(`ip daddr . ip saddr . meta l4proto . th dport @${name}-named ${verdict}`);
  if (a.everything) rules.push(verdict);
  return rules;
}

/** Logging is limited in the kernel too, so a flood of denied packets cannot flood the reader. */
const logRule = (prefix: string) => `limit rate 100/second burst 200 packets log prefix ${JSON.stringify(prefix)} group ${NFLOG_GROUP}`;

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
  const objects: NftObjects = { sets: new Map(), chains: new Map() };
  for (const d of ['egress', 'ingress'] as const) {
    const dp = policy[d];
    const members = [...dp.members.entries()].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
    objects.sets.set(podsMap(d), { spec: VMAP, elements: members.map(([ip, id]) => `${ip} : goto ${setChain(d, id)}`) });
    const match = d === 'ingress' ? 'ip daddr' : 'ip saddr';
    objects.chains.set(d, {
      base: `type filter hook forward priority ${d === 'egress' ? 'filter - 5' : 'filter'}; policy accept;`,
      rules: ['ct state established,related accept', `${match} vmap @${podsMap(d)}`],
    });
    for (const set of [...dp.sets.values()].sort((a, b) => a.id.localeCompare(b.id))) renderSet(objects, set);
  }
  return objects;
}

const T = `${FAMILY} ${TABLE}`;

function elementList(elements: string[]): string {
  return `{ ${elements.join(', ')} }`;
}

/** The whole table, replacing whatever the kernel holds, in one transaction. */
export function renderFull(objects: NftObjects): string {
  const out = [`add table ${T}`, `delete table ${T}`, `table ${T} {`];
  for (const [name, s] of objects.sets) {
    out.push(`\t${s.spec.includes('verdict') ? 'map' : 'set'} ${name} {`, `\t\t${s.spec}`);
    if (s.elements.length) out.push(`\t\telements = ${elementList(s.elements)}`);
    out.push('\t}');
  }
  for (const [name, c] of objects.chains) {
    out.push(`\tchain ${name} {`);
    if (c.base) out.push(`\t\t${c.base}`);
    for (const r of c.rules) out.push(`\t\t${r}`);
    out.push('\t}');
  }
  out.push('}');
  return out.join('\n') + '\n';
}

const sameRules = (a: NftChain, b: NftChain) => a.base === b.base && a.rules.length === b.rules.length && a.rules.every((r, i) => r === b.rules[i]);

/**
 * The transaction from `prev` (what the kernel holds) to `next`, touching only what changed:
 * elements first removed then added (interval sets refuse overlaps, even for a moment), chains
 * whose rules changed flushed and refilled, and what is gone flushed before it is deleted, since
 * nothing may be deleted while a rule or a map element still refers to it. Empty when equal.
 */
export function renderDiff(prev: NftObjects, next: NftObjects): string {
  const out: string[] = [];
  for (const [name, s] of next.sets) if (!prev.sets.has(name)) out.push(`add ${s.spec.includes('verdict') ? 'map' : 'set'} ${T} ${name} { ${s.spec} }`);
  for (const [name, c] of next.chains) if (!prev.chains.has(name)) out.push(c.base ? `add chain ${T} ${name} { ${c.base} }` : `add chain ${T} ${name}`);
  const adds: string[] = [];
  for (const [name, s] of next.sets) {
    const before = new Set(prev.sets.get(name)?.elements ?? []);
    const after = new Set(s.elements);
    const removed = [...before].filter((e) => !after.has(e));
    const added = s.elements.filter((e) => !before.has(e));
    if (removed.length) out.push(`delete element ${T} ${name} ${elementList(removed)}`);
    if (added.length) adds.push(`add element ${T} ${name} ${elementList(added)}`);
  }
  for (const [name, s] of prev.sets) {
    if (!next.sets.has(name) && s.elements.length && s.spec.includes('verdict')) out.push(`delete element ${T} ${name} ${elementList(s.elements)}`);
  }
  out.push(...adds);
  for (const [name, c] of next.chains) {
    const before = prev.chains.get(name);
    if (before && sameRules(before, c)) continue;
    if (before) out.push(`flush chain ${T} ${name}`);
    for (const r of c.rules) out.push(`add rule ${T} ${name} ${r}`);
  }
  const goneChains = [...prev.chains.keys()].filter((n) => !next.chains.has(n));
  for (const name of goneChains) out.push(`flush chain ${T} ${name}`);
  for (const name of goneChains) out.push(`delete chain ${T} ${name}`);
  for (const [name, s] of prev.sets) if (!next.sets.has(name)) out.push(`delete ${s.spec.includes('verdict') ? 'map' : 'set'} ${T} ${name}`);
  return out.length ? out.join('\n') + '\n' : '';
}

/** Removes the table and everything in it. */
export const CLEANUP = `add table ${T}\ndelete table ${T}\n`;
