// Rules and sets shared by NetworkPolicy's chains and ClusterNetworkPolicy's: what an Allowance
// matches as four set lookups, and the rate-limited NFLOG rule that names a decision.

import { formatIPv4 } from '../common/ipv4.js';
import type { Allowance, Direction } from './allowance.js';
import { formatAddresses, formatPorts } from './intervals.js';
import type { NftSet } from './nft.js';

/** NFLOG group of denied and audited connections. */
export const NFLOG_GROUP = 1;
/**
 * Log prefixes: "knit-np:<d|a>:<i|e>:<set id>" (NetworkPolicy: deny or audit, ingress or egress)
 * and "knit-np:c:<i|e>:<chain id>:<rule>" (a ClusterNetworkPolicy rule that denies).
 */
export const LOG_PREFIX = 'knit-np';

const PEERS = 'type ipv4_addr; flags interval;';
const PEER_PORTS = 'type ipv4_addr . inet_proto . inet_service; flags interval;';
const PORTS = 'type inet_proto . inet_service; flags interval;';
const NAMED = 'type ipv4_addr . ipv4_addr . inet_proto . inet_service; flags interval;';
export const VMAP = 'type ipv4_addr : verdict;';

export const directionCode = (d: Direction) => (d === 'ingress' ? 'i' : 'e');

/** A map's entries in address order (10.244.1.10 after 10.244.1.9). */
export const byAddress = (m: Map<string, string>) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));

/** The sets an allowance needs, named after `name`; always all of them, so a change is one of elements. */
export function allowanceSets(d: Direction, name: string, a: Allowance): [string, NftSet][] {
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
export function allowanceRules(d: Direction, name: string, a: Allowance, verdict: string): string[] {
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
export const logRule = (prefix: string) => `limit rate 100/second burst 200 packets log prefix ${JSON.stringify(prefix)} group ${NFLOG_GROUP}`;
