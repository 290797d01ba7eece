// `knit up`: brings a cluster up in this process (the network namespaces, the control plane, the
// node agents, the system workloads, host access to Services) and keeps it running until a
// signal or `knit down` ends it; stop() takes everything down again.

import { writeFileSync } from 'node:fs';
import type { Node } from '../kube/types.js';
import { ApiClient } from '../client/client.js';
import { InformerFactory } from '../client/factory.js';
import { R } from '../client/resources.js';
import { kubeconfigPathForMerge, mergeKubeconfig, removeFromKubeconfig, renderKubeconfig } from '../pki/index.js';
import { startNetnsBroker, type NetnsBroker } from '../platform/index.js';
import { type ClusterConfig, paths, saveConfig } from './config.js';
import type { ControlPlane } from './controlplane.js';
import { StartError } from './errors.js';
import { ensureSystemNeeds } from './needs.js';
import { NodeConnector } from './nodeproxy.js';
import { startNodeAgents } from './nodes.js';
import { ensureCA } from './pki.js';
import { ServiceAccess } from './serviceaccess.js';
import { DnsRelay } from './dnsrelay.js';
import { cidrContains, parseCidr } from '../common/ipv4.js';
import { clearState, rememberCluster, runningPid, writeState, type ClusterState } from './state.js';
import { ensureSystemObjects, ensureSystemRbac } from './system.js';
import { createTopology, destroyTopology, findLeftovers, type Topology } from './topology/index.js';

export interface Output {
  /** A step that may take a while: returns a function to call when it is done. */
  step(text: string): (detail?: string) => void;
  info(text: string): void;
  log(line: string): void;
}

export interface RunningCluster {
  state: ClusterState;
  controlPlane: ControlPlane;
  topology?: Topology;
  stop(): Promise<void>;
}

export const nodeNames = (n: number): string[] => Array.from({ length: n }, (_, i) => `node-${i + 1}`);

/** Removes what a crashed run of this cluster left behind; returns what it found. */
export async function removeLeftovers(name: string): Promise<string> {
  const found = await findLeftovers(name);
  const count = found.namespaces.length + found.hostLinks.length + found.files.length;
  if (count === 0) return '';
  await destroyTopology(name);
  return `${found.namespaces.length} network namespaces, ${found.hostLinks.length} host links, ${found.files.length} files`;
}

/**
 * Waits until each node's agent has reported it Ready since `since`: a Node kept from an earlier
 * run still says Ready from then, before this run's agent has even started.
 */
async function waitForNodesReady(cp: ControlPlane, names: string[], since: Date, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  // Heartbeats are written in whole seconds.
  const sinceSecond = Math.floor(since.getTime() / 1000) * 1000;
  const freshlyReady = (n: Node) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True' && Date.parse(c.lastHeartbeatTime ?? '') >= sinceSecond);
  let notReady = names;
  while (Date.now() < deadline) {
    const list = await cp.client.list<Node>(R.nodes).catch(() => ({ items: [] as Node[] }));
    const ready = new Set(list.items.filter(freshlyReady).map((n) => n.metadata.name));
    notReady = names.filter((n) => !ready.has(n));
    if (notReady.length === 0) return [];
    await new Promise((r) => setTimeout(r, 50));
  }
  return notReady;
}

export async function up(cfg: ClusterConfig, out: Output): Promise<RunningCluster> {
  const existing = runningPid(cfg.dataDir);
  if (existing) throw new StartError(`cluster "${cfg.name}" is already running (pid ${existing}). Use it, or stop it first with \`knit down --name ${cfg.name}\`.`);
  saveConfig(cfg);
  rememberCluster(cfg.name, cfg.dataDir);
  const p = paths(cfg.dataDir);
  const stops: (() => Promise<unknown> | void)[] = [];
  const stopAll = async () => {
    for (const s of stops.splice(0).reverse()) {
      try { await s(); } catch (err) { out.log(`stopping: ${(err as Error).message}`); }
    }
  };

  let kubeconfigWritten: Promise<string> | undefined;
  try {
    let topology: Topology | undefined;
    let lanStarting: Promise<NetnsBroker> | undefined;
    let agentsStarted = new Date();
    const advertiseIP = () => topology?.gatewayIP ?? '127.0.0.1';
    if (cfg.nodes > 0) {
      ensureSystemNeeds(out.info);
      const leftovers = await removeLeftovers(cfg.name);
      if (leftovers) out.info(` • Removed what an earlier run left behind: ${leftovers}`);
      const done = out.step(`Creating ${cfg.nodes} nodes in network namespaces`);
      topology = await createTopology({
        clusterName: cfg.name, nodes: nodeNames(cfg.nodes), nodeNetwork: cfg.nodeNetwork || undefined,
        clusterCIDR: cfg.clusterCIDR, serviceCIDR: cfg.serviceCIDR, mode: cfg.network,
        loadBalancerPool: cfg.lbPool || undefined, routeHost: cfg.routeHost,
      });
      stops.push(() => destroyTopology(cfg.name));
      done(`${topology.nodes.map((n) => `${n.name} ${n.ip}`).join(', ')}; ${cfg.network}`);
      // The broker and the node agents are processes of their own: they start while the control
      // plane does (the agents register once it answers, as kubelets wait for their API server).
      const broker = startNetnsBroker(topology.underlayNetns);
      broker.catch(() => undefined);
      stops.push(async () => (await broker.catch(() => undefined))?.stop());
      lanStarting = broker;
      agentsStarted = new Date();
      const agents = startNodeAgents(cfg, topology, ensureCA(p.pki), out.log);
      stops.push(() => agents.stop());
    }

    let done = out.step(`Starting the control plane of "${cfg.name}"`);
    // Loaded only now (the API server and the controllers are most of knit's code), so that the
    // node agents' processes start that much sooner.
    const { startControlPlane } = await import('./controlplane.js');
    const nodeIPs = new Map(topology?.nodes.map((n) => [n.name, n.ip]) ?? []);
    let connector: NodeConnector | undefined;
    const controlPlane = await startControlPlane(cfg, {
      advertiseIP: advertiseIP(),
      log: out.log,
      connect: (r) => connector ? connector.connect(r) : Promise.reject(new Error('no nodes')),
      upgrade: (r) => connector ? connector.upgrade(r) : Promise.reject(new Error('no nodes')),
    });
    stops.push(() => controlPlane.stop());
    // What the node agents and the system workloads may do, before the agents can reach the API server.
    await ensureSystemRbac(controlPlane.client);
    const lan = await lanStarting;
    if (lan && topology) {
      connector = new NodeConnector({ broker: lan, caPem: controlPlane.pki.ca.certPem, cert: controlPlane.pki.kubeletClient, nodeIP: (n) => nodeIPs.get(n) });
      controlPlane.apiServer.attach(await lan.listenTcp(topology.gatewayIP, cfg.apiPort));
    }
    done(`API server ${controlPlane.url}${topology ? ` and https://${topology.gatewayIP}:${cfg.apiPort}` : ''}`);

    // The kubeconfig does not wait for the nodes: it is written while they come up.
    kubeconfigWritten = (async () => {
      const entry = {
        clusterName: cfg.name, server: controlPlane.url, caPem: controlPlane.pki.ca.certPem,
        userName: cfg.name, certPem: controlPlane.pki.admin.certPem, keyPem: controlPlane.pki.admin.keyPem, contextName: cfg.name,
      };
      writeFileSync(p.kubeconfig, renderKubeconfig(entry), { mode: 0o600 });
      const userKubeconfig = kubeconfigPathForMerge();
      await mergeKubeconfig(userKubeconfig, entry, { setCurrent: true });
      stops.push(() => removeFromKubeconfig(userKubeconfig, cfg.name).catch(() => false));
      return userKubeconfig;
    })();
    kubeconfigWritten.catch(() => undefined);

    if (topology && lan) {
      const apiServer = `https://${topology.gatewayIP}:${cfg.apiPort}`;
      done = out.step('Waiting for the nodes');
      const nodeNetwork = parseCidr(topology.nodeNetwork)!;
      const relay = new DnsRelay(lan, topology.gatewayIP, (ip) => cidrContains(nodeNetwork, ip), out.log);
      await relay.start();
      stops.push(() => relay.stop());
      // The host's Service access does what kube-proxy does on a node, as system:kube-proxy.
      const accessClient = new ApiClient({ server: controlPlane.url, caPem: controlPlane.pki.ca.certPem, certPem: controlPlane.pki.kubeProxy.certPem, keyPem: controlPlane.pki.kubeProxy.keyPem, userAgent: 'kube-proxy/v1.32.0 (knit host)' });
      stops.push(() => accessClient.close());
      const informers = new InformerFactory(accessClient, out.log);
      const access = new ServiceAccess(cfg.name, informers, lan, out.log);
      access.start();
      informers.start();
      stops.push(() => informers.stop());
      stops.push(() => access.stop());
      const notReady = await waitForNodesReady(controlPlane, topology.nodes.map((n) => n.name), agentsStarted, 60_000);
      if (notReady.length) throw new StartError(`nodes ${notReady.join(', ')} did not become Ready within 60s; their logs are in ${p.nodes}/<node>/agent.log`);
      // kube-proxy and DNS once every node is Ready, so that the scheduler spreads the DNS replicas over them.
      await ensureSystemObjects(controlPlane.client, cfg, apiServer);
      done(`${topology.nodes.length} nodes Ready`);
    }

    const userKubeconfig = await kubeconfigWritten;
    out.step('Writing the kubeconfig')(userKubeconfig);

    const state: ClusterState = {
      name: cfg.name, pid: process.pid, dataDir: cfg.dataDir, apiServer: controlPlane.url,
      kubeconfig: userKubeconfig, context: cfg.name,
      nodes: topology?.nodes.map((n) => ({ name: n.name, ip: n.ip, netns: n.netns })) ?? [],
      startedAt: new Date().toISOString(), ready: true,
    };
    writeState(state);
    stops.push(() => clearState(cfg.dataDir));

    let stopped = false;
    return {
      state, controlPlane, topology,
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopAll();
      },
    };
  } catch (err) {
    // A kubeconfig edit under way finishes first, so that stopping undoes it.
    await kubeconfigWritten?.catch(() => undefined);
    await stopAll();
    throw err;
  }
}
