// A pod's network, as the CNI bridge plugin with host-local IPAM builds it: its own namespace,
// a veth pair (eth0 in the pod, veth<hash> on cni0 with hairpin on), the pod IP from IPAM,
// lo up and a default route via cni0.

import { createHash } from 'node:crypto';
import { ipBatch, ipJson, netnsAdd, netnsDelete, netnsExists } from '../../platform/index.js';
import { macForIPv4 } from '../../common/ipv4.js';
import type { HostLocalIpam } from './ipam.js';
import { BRIDGE, type NodeNetwork } from './node-network.js';

export interface AddPodRequest {
  /** The pod's network namespace, e.g. knit-<cluster>-pod-<uid>; created here. */
  podNetns: string;
  podUID: string;
}

export interface PodNetwork {
  podUID: string;
  podNetns: string;
  ip: string;
  prefixLength: number;
  gateway: string;
  mac: string;
  ifName: 'eth0';
  /** The node-side end of the pod's veth, on cni0. */
  hostVeth: string;
}

/** The node-side veth name: veth + 8 hex digits of the pod UID's hash (15 characters at most). */
export function hostVethName(podUID: string): string {
  return `veth${createHash('sha256').update(podUID).digest('hex').slice(0, 8)}`;
}

async function linkNames(netns: string | undefined): Promise<Set<string>> {
  return new Set((await ipJson<{ ifname: string }>(['link', 'show'], netns)).map((l) => l.ifname));
}

/**
 * Sets up the pod's network; calling it again for the same pod returns the same address and
 * repairs whatever is missing. On failure nothing of the pod's network is left behind.
 */
export async function addPod(nodeNetns: string | undefined, net: NodeNetwork, ipam: HostLocalIpam, req: AddPodRequest): Promise<PodNetwork> {
  if (!req.podUID) throw new Error('podUID is required');
  const known = await ipam.find(req.podUID);
  if (known && known.podNetns !== req.podNetns) {
    throw new Error(`pod ${req.podUID} already has address ${known.ip} in network namespace ${known.podNetns}`);
  }
  const rec = await ipam.allocate(net.podCIDR, { podUID: req.podUID, podNetns: req.podNetns });
  const hostVeth = hostVethName(req.podUID);
  const mac = macForIPv4(rec.ip);
  try {
    await netnsAdd(req.podNetns, { existOk: true });
    if (!(await linkNames(nodeNetns)).has(hostVeth)) {
      await ipBatch([`link add ${hostVeth} mtu ${net.mtu} type veth peer name eth0 netns ${req.podNetns}`], nodeNetns);
    }
    await Promise.all([
      ipBatch([
        `link set ${hostVeth} master ${BRIDGE}`,
        // A pod reaching itself through a Service comes back in through the same port.
        `link set ${hostVeth} type bridge_slave hairpin on`,
        `link set ${hostVeth} up`,
      ], nodeNetns),
      ipBatch([
        'link set lo up',
        `link set eth0 address ${mac} mtu ${net.mtu}`,
        `addr replace ${rec.ip}/${net.prefixLength} dev eth0`,
        'link set eth0 up',
        `route replace default via ${net.gateway} dev eth0`,
      ], req.podNetns),
    ]);
  } catch (e) {
    if (!known) await delPod(nodeNetns, ipam, req.podUID).catch(() => {});
    throw e;
  }
  return {
    podUID: req.podUID, podNetns: req.podNetns, ip: rec.ip, prefixLength: net.prefixLength,
    gateway: net.gateway, mac, ifName: 'eth0', hostVeth,
  };
}

/**
 * Removes the pod's veth and namespace and frees its address; an unknown pod is not an error.
 * Stop the pod's processes first: a namespace lives on while a process runs in it.
 */
export async function delPod(nodeNetns: string | undefined, ipam: HostLocalIpam, podUID: string): Promise<void> {
  const rec = await ipam.find(podUID);
  if (!rec) return;
  const hostVeth = hostVethName(podUID);
  if ((await linkNames(nodeNetns)).has(hostVeth)) await ipBatch([`link del ${hostVeth}`], nodeNetns);
  await netnsDelete(rec.podNetns);
  await ipam.release(podUID);
}

export interface PodRecord {
  podUID: string;
  podNetns: string;
  ip: string;
  hostVeth: string;
  /** false when the namespace is gone (the pod's network needs addPod again, or delPod). */
  netnsExists: boolean;
}

/** The pods this node has networks for, from IPAM's records: what an agent restart recovers. */
export async function listPods(ipam: HostLocalIpam): Promise<PodRecord[]> {
  return (await ipam.list()).filter((r) => r.podUID !== '').map((r) => ({
    podUID: r.podUID, podNetns: r.podNetns, ip: r.ip, hostVeth: hostVethName(r.podUID),
    netnsExists: r.podNetns !== '' && netnsExists(r.podNetns),
  }));
}
