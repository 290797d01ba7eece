// destroyTopology and findLeftovers: everything a cluster's network consists of is found by
// name (namespaces knit-<cluster>-*, the host veth knit-<cluster>, /etc/netns/knit-<cluster>-*),
// so both work after a crash with no record of what was created.

import { existsSync } from 'node:fs';
import { readdir, rm, rmdir } from 'node:fs/promises';
import { ipBatch, ipJson, netnsDelete, netnsList, netnsPids } from '../../platform/index.js';
import { validateClusterName } from './config.js';
import { NETNS_PREFIX, RUN_DIR, clusterPrefix, clusterRunDir, hostLink } from './names.js';

const ETC_NETNS = '/etc/netns';

export interface Leftovers {
  /** Named network namespaces (the cluster's, or all of knit's). */
  namespaces: string[];
  /** Links in the host namespace (routeHost's veth). */
  hostLinks: string[];
  /** Per-namespace configuration directories under /etc/netns, and the cluster's /run/knit/<cluster>. */
  files: string[];
}

async function etcNetnsEntries(prefix: string): Promise<string[]> {
  try {
    return (await readdir(ETC_NETNS)).filter((n) => n.startsWith(prefix)).map((n) => `${ETC_NETNS}/${n}`).sort();
  } catch {
    return [];
  }
}

/** What exists of one cluster's network, or (no name) of every knit cluster's. */
export async function findLeftovers(clusterName?: string): Promise<Leftovers> {
  if (clusterName !== undefined) validateClusterName(clusterName);
  const prefix = clusterName === undefined ? NETNS_PREFIX : clusterPrefix(clusterName);
  const namespaces = (await netnsList()).filter((n) => n.startsWith(prefix));
  const links = await ipJson<{ ifname: string }>(['link', 'show', 'type', 'veth']);
  const hostLinks = links.map((l) => l.ifname)
    .filter((n) => (clusterName === undefined ? n.startsWith(NETNS_PREFIX) : n === hostLink(clusterName)))
    .sort();
  const files = await etcNetnsEntries(prefix);
  if (clusterName !== undefined && existsSync(clusterRunDir(clusterName))) files.push(clusterRunDir(clusterName));
  return { namespaces, hostLinks, files };
}

/**
 * Kills every process in the namespaces: a namespace outlives its name while a process runs in
 * it, and keeps its links alive. One look at /proc is not enough: a process alive during it (a
 * node agent starting a pod) can fork a child that then enters a pod's namespace, so it looks
 * again until a look finds nothing.
 */
async function killProcessesIn(namespaces: string[]): Promise<void> {
  for (let round = 0; round < 50; round++) {
    const pids = [...(await netnsPids(namespaces)).values()].flat().filter((pid) => pid !== process.pid);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Removes a cluster's network: processes still running in its namespaces (node agents, pods)
 * are killed, then the host veth (and with it the host routes), the namespaces and their
 * /etc/netns directories. Returns what it removed; running it again removes nothing. Throws,
 * naming what is left, if something could not be removed.
 */
export async function destroyTopology(clusterName: string): Promise<Leftovers> {
  const found = await findLeftovers(clusterName);
  await killProcessesIn(found.namespaces);
  // Failures are looked at once, below, by what is still there.
  await ipBatch(found.hostLinks.map((l) => `link del ${l}`), undefined, { force: true }).catch(() => {});
  await ipBatch(found.namespaces.map((n) => `netns del ${n}`), undefined, { force: true }).catch(() => {});
  // What the batch could not remove (a crash can leave a plain file behind) goes one by one.
  for (const n of found.namespaces) await netnsDelete(n);
  for (const f of found.files) await rm(f, { recursive: true, force: true });
  // The last cluster gone takes knit's run directory with it.
  await rmdir(RUN_DIR).catch(() => undefined);
  const left = await findLeftovers(clusterName);
  const names = [...left.namespaces, ...left.hostLinks, ...left.files];
  if (names.length > 0) throw new Error(`could not remove all of cluster "${clusterName}": ${names.join(', ')} remain`);
  return found;
}
