// Names of everything the topology creates. All of them derive from the cluster name, so a
// restart after a crash (or `knit down`) finds leftovers by name alone.

import { createHash } from 'node:crypto';

// The names a node agent uses itself (its pods' namespaces, its socket directory) are the node's.
import { NETNS_PREFIX, clusterPrefix } from '../../node/names.js';

export { NETNS_PREFIX, RUN_DIR, clusterPrefix, clusterRunDir, nodeRunDir, podNetns } from '../../node/names.js';

export function underlayNetns(cluster: string): string {
  return `${clusterPrefix(cluster)}lan`;
}

export function externalNetns(cluster: string): string {
  return `${clusterPrefix(cluster)}ext`;
}

export function nodeNetns(cluster: string, node: string): string {
  return `${clusterPrefix(cluster)}${node}`;
}

function hash8(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 8);
}

/** Interface names are at most 15 characters. */
const IFNAMSIZ = 15;

/** The underlay bridge inside the lan namespace. */
export const UNDERLAY_BRIDGE = 'lan0';

/** The lan-side end of a node's eth0 veth. */
export function underlayPortForNode(node: string): string {
  const plain = `v-${node}`;
  return plain.length <= IFNAMSIZ ? plain : `v-${hash8(node)}`;
}

/** The lan-side end of the external client's eth0 veth. */
export const UNDERLAY_PORT_EXTERNAL = 'ext0';

/** The lan-side end of the host's veth (routeHost). */
export const UNDERLAY_PORT_HOST = 'host0';

/** The host-side veth of routeHost: knit-<cluster> when it fits, else knit-<hash>. */
export function hostLink(cluster: string): string {
  const plain = `${NETNS_PREFIX}${cluster}`;
  return plain.length <= IFNAMSIZ ? plain : `${NETNS_PREFIX}${hash8(cluster)}`;
}

/** The routing table of the lan namespace that only the host and brokered sockets use. */
export const UNDERLAY_INTERNAL_TABLE = 100;
