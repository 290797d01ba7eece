// The policy component's process, run by the node agent for the kube-system DaemonSet
// kube-network-policies (hostNetwork: it programs its node's namespace, as kube-proxy does). It
// follows NetworkPolicies, ClusterNetworkPolicies (when served), Pods, Namespaces and Nodes
// through informers, keeps the node's nftables
// table in step (enforcer.ts), writes a line for every denied connection (denials.ts, from the
// kernel's NFLOG through ulogd), and answers the node agent and health checks (server.ts).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../client/client.js';
import { componentConfig } from '../client/config.js';
import { Informer } from '../client/informer.js';
import { R } from '../client/resources.js';
import { createLogger } from '../common/klog.js';
import type { Namespace, NetworkPolicy, Node, Pod } from '../kube/types.js';
import { startNflogReader, type NflogReader } from '../platform/index.js';
import { ClusterPolicySource } from './cluster-policy-source.js';
import { DenialLog } from './denials.js';
import { PolicyEnforcer } from './enforcer.js';
import { createPolicyKernel } from './kernel.js';
import { podAddress } from './model.js';
import { NFLOG_GROUP } from './rules.js';
import { POLICY_PORT, PolicyServer } from './server.js';
import { flagValue as flag } from '../common/flags.js';

const log = createLogger('main.ts');


/** Whether a pod change can change the rules: its address, labels, node, ports or having finished. */
function podMatters(a: Pod, b: Pod): boolean {
  return podAddress(a) !== podAddress(b) || a.spec.nodeName !== b.spec.nodeName
    || JSON.stringify(a.metadata.labels ?? {}) !== JSON.stringify(b.metadata.labels ?? {})
    || JSON.stringify(a.spec.containers.map((c) => c.ports ?? [])) !== JSON.stringify(b.spec.containers.map((c) => c.ports ?? []));
}

/** "node <name>" for a node's addresses (its InternalIP, and its pod network's gateway and VXLAN addresses). */
function nodeAddresses(nodes: Node[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of nodes) {
    const name = `node ${n.metadata.name}`;
    for (const a of n.status?.addresses ?? []) if (a.type === 'InternalIP') out.set(a.address, name);
    const cidr = n.spec?.podCIDR;
    if (cidr) {
      const [base] = cidr.split('/');
      const parts = base.split('.').map(Number);
      out.set(base, name);
      out.set([parts[0], parts[1], parts[2], parts[3] + 1].join('.'), name);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const nodeName = flag('hostname-override') ?? process.env.NODE_NAME;
  if (!nodeName) throw new Error('--hostname-override (or NODE_NAME) is required');
  const bind = flag('metrics-bind-address') ?? `0.0.0.0:${POLICY_PORT}`;
  const api = new ApiClient(componentConfig(flag('master'), 'kube-network-policies/v1.1.1 (knit)'));
  const pods = new Informer<Pod>(api, R.pods);
  const namespaces = new Informer<Namespace>(api, R.namespaces);
  const policies = new Informer<NetworkPolicy>(api, R.networkpolicies);
  const nodes = new Informer<Node>(api, R.nodes);
  const informers = [pods, namespaces, policies, nodes];

  const enforcer = new PolicyEnforcer({
    kernel: createPolicyKernel(),
    log: createLogger('enforcer.ts'),
    inputs: () => ({ nodeName, pods: pods.list(), namespaces: namespaces.list(), policies: policies.list(), clusterPolicies: clusterPolicies.list(), nodes: nodes.list() }),
  });
  const changed = () => enforcer.changed();
  const clusterPolicies = new ClusterPolicySource(api, changed, log);
  pods.addHandler({ add: changed, update: (a, b) => { if (podMatters(a, b)) changed(); }, delete: changed });
  namespaces.addHandler({ add: changed, update: (a, b) => { if (JSON.stringify(a.metadata.labels) !== JSON.stringify(b.metadata.labels)) changed(); }, delete: changed });
  policies.addHandler({ add: changed, update: changed, delete: changed });
  for (const i of informers) i.start();
  enforcer.start();

  let addresses = new Map<string, string>();
  // Node addresses name log lines' ends and are ClusterNetworkPolicy's `nodes` peers.
  const nodesChanged = () => {
    addresses = nodeAddresses(nodes.list());
    changed();
  };
  nodes.addHandler({ add: nodesChanged, update: (a, b) => { if (JSON.stringify(a.status?.addresses) !== JSON.stringify(b.status?.addresses) || JSON.stringify(a.metadata.labels) !== JSON.stringify(b.metadata.labels)) nodesChanged(); }, delete: nodesChanged });
  const denials = new DenialLog({
    policySet: (id) => enforcer.policySet(id),
    tierChain: (id) => enforcer.tierChain(id),
    describe: (ip) => enforcer.policy?.podNames.get(ip) ?? addresses.get(ip),
    sink: (line) => process.stdout.write(line + '\n'),
  });
  const stateDir = mkdtempSync(join(tmpdir(), `knit-netpol-${nodeName}-`));
  let reader: NflogReader | undefined;
  try {
    reader = await startNflogReader({
      group: NFLOG_GROUP, dir: stateDir,
      onRecord: (r) => denials.record(r),
      onError: (message) => log.error(null, 'NFLOG reader', { message }),
    });
  } catch (err) {
    log.error(err, 'Denied connections will not be logged');
  }

  const [synced] = await Promise.all([Promise.all(informers.map((x) => x.waitForSync())), clusterPolicies.start()]);
  if (synced.includes(false)) return; // stopped before the caches filled: enforce nothing
  log.info('Caches synced; enforcing network policies', { node: nodeName, policies: policies.list().length });
  enforcer.setInitialized();
  // Listening only now: until then the node agent finds no one to ask and starts pods at once,
  // which is right before this component enforces anything.
  const server = new PolicyServer(enforcer, denials);
  const i = bind.lastIndexOf(':');
  await server.start(bind.slice(0, i) || '0.0.0.0', Number(bind.slice(i + 1)));

  const stop = async () => {
    // The rules stay: a new process replaces them whole once its caches have synced.
    await server.stop();
    await reader?.stop();
    await enforcer.stop();
    await Promise.all([...informers.map((x) => x.stop()), clusterPolicies.stop()]);
    api.close();
    rmSync(stateDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err) => {
  log.error(err, 'Error running the network policy controller');
  process.exit(1);
});
