// Which cluster `knit down`, `status`, `kubeconfig` and `node exec` address when no --name is
// given: the one kubectl talks to (knit up makes its context current), else the only one running,
// else the default name, as before there were several.

import { knownClusters, runningPid } from '../cluster/state.js';
import { currentContext } from '../pki/index.js';
import { UsageError } from './args.js';

/** The name `knit up` gives a cluster without --name. */
export const DEFAULT_CLUSTER = 'knit';

export interface ClusterChoice {
  name: string;
  /** Why this cluster, said on stderr; absent for the default name. */
  reason?: string;
}

/**
 * current: the current kubeconfig context's name; known: the knit clusters this KNIT_HOME knows;
 * running: those of them running. A context is a knit cluster's when it has its name: knit up
 * names the context it merges after the cluster.
 */
export function chooseCluster(current: string | undefined, known: readonly string[], running: readonly string[]): ClusterChoice {
  if (current !== undefined && known.includes(current)) return { name: current, reason: 'the current kubeconfig context' };
  const context = current === undefined ? 'no kubeconfig context is current' : `the current kubeconfig context "${current}" is not a knit cluster`;
  if (running.length === 1) return { name: running[0], reason: `the only knit cluster running; ${context}` };
  if (running.length > 1) {
    throw new UsageError(`${running.length} knit clusters are running (${running.join(', ')}) and ${context}: say which with --name`);
  }
  return { name: DEFAULT_CLUSTER };
}

/** chooseCluster with what is on disk: the kubeconfig kubectl reads and the clusters of KNIT_HOME. */
export async function chooseClusterFromDisk(): Promise<ClusterChoice> {
  const known = knownClusters();
  const running = Object.entries(known).filter(([, dataDir]) => runningPid(dataDir) !== undefined).map(([name]) => name).sort();
  return chooseCluster(await currentContext(), Object.keys(known), running);
}
