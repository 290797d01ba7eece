// The names a node agent gives what it makes on its node: its pods' network namespaces and the
// directory of its sockets. They start with the cluster's name, so that `knit down`, and a
// `knit up` after a crash, find leftovers by name alone (src/cluster/topology/names.ts builds
// the cluster's other names on these).

export const NETNS_PREFIX = 'knit-';

/** Every namespace of a cluster starts with this. */
export function clusterPrefix(cluster: string): string {
  return `${NETNS_PREFIX}${cluster}-`;
}

/** The namespace the node agent gives a pod (the CNI takes it as podNetns). */
export function podNetns(cluster: string, podUID: string): string {
  return `${clusterPrefix(cluster)}pod-${podUID}`;
}

/** Where knit keeps its sockets; each cluster's live in RUN_DIR/<cluster>, removed with it. */
export const RUN_DIR = '/run/knit';

export function clusterRunDir(cluster: string): string {
  return `${RUN_DIR}/${cluster}`;
}

/** A node agent's runtime sockets (pod shims): short, as unix socket paths must be. */
export function nodeRunDir(cluster: string, node: string): string {
  return `${clusterRunDir(cluster)}/${node}`;
}
