// The iptables rules flannel installs on a node (its --ip-masq rules and its FORWARD accepts):
// pod-to-pod traffic keeps its addresses, pod traffic leaving the cluster CIDR is masqueraded,
// traffic kube-proxy already marked for masquerade (0x4000) is left to kube-proxy.

import { iptablesRestore, iptablesSave } from '../../platform/index.js';

const MASQ = '-m comment --comment "flanneld masq"';
const FWD = '-m comment --comment "flanneld forward"';
const POSTROUTING_JUMP = `-A POSTROUTING ${MASQ} -j FLANNEL-POSTRTG`;
const FORWARD_JUMP = `-A FORWARD ${FWD} -j FLANNEL-FWD`;

/** The FLANNEL-POSTRTG chain for one node, in flannel's order. */
export function masqueradeRules(podCIDR: string, clusterCIDR: string): string[] {
  return [
    `-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 ${MASQ} -j RETURN`,
    `-A FLANNEL-POSTRTG -s ${podCIDR} -d ${clusterCIDR} ${MASQ} -j RETURN`,
    `-A FLANNEL-POSTRTG -s ${clusterCIDR} -d ${podCIDR} ${MASQ} -j RETURN`,
    `-A FLANNEL-POSTRTG ! -s ${clusterCIDR} -d ${podCIDR} ${MASQ} -j RETURN`,
    `-A FLANNEL-POSTRTG -s ${clusterCIDR} ! -d 224.0.0.0/4 ${MASQ} -j MASQUERADE --random-fully`,
    `-A FLANNEL-POSTRTG ! -s ${clusterCIDR} -d ${clusterCIDR} ${MASQ} -j MASQUERADE --random-fully`,
  ];
}

export function forwardRules(clusterCIDR: string): string[] {
  return [
    `-A FLANNEL-FWD -s ${clusterCIDR} ${FWD} -j ACCEPT`,
    `-A FLANNEL-FWD -d ${clusterCIDR} ${FWD} -j ACCEPT`,
  ];
}

/**
 * The iptables-restore --noflush input: both chains rewritten whole, the jumps into them
 * added only when missing (so running it again changes nothing).
 */
export function renderRules(podCIDR: string, clusterCIDR: string, has: { postrouting: boolean; forward: boolean }): string {
  return [
    '*nat',
    ':FLANNEL-POSTRTG - [0:0]',
    ...masqueradeRules(podCIDR, clusterCIDR),
    ...(has.postrouting ? [] : [POSTROUTING_JUMP]),
    'COMMIT',
    '*filter',
    ':FLANNEL-FWD - [0:0]',
    ...forwardRules(clusterCIDR),
    ...(has.forward ? [] : [FORWARD_JUMP]),
    'COMMIT',
    '',
  ].join('\n');
}

export async function applyMasquerade(netns: string | undefined, podCIDR: string, clusterCIDR: string): Promise<void> {
  const [nat, filter] = await Promise.all([iptablesSave(netns, 'nat'), iptablesSave(netns, 'filter')]);
  const has = {
    postrouting: nat.split('\n').includes(POSTROUTING_JUMP),
    forward: filter.split('\n').includes(FORWARD_JUMP),
  };
  await iptablesRestore(renderRules(podCIDR, clusterCIDR, has), { netns, noflush: true });
}
