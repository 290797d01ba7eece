// The cluster DNS process, run by the node agent for the image registry.k8s.io/coredns/coredns in
// the kube-system Deployment coredns. It reaches the API server as in-cluster software does
// (KUBERNETES_SERVICE_HOST and the pod's service account token), feeds the ClusterModel from
// informers holding trimmed objects, and applies the ConfigMap kube-system/coredns (key Corefile) live.

import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConfigMap, EndpointSlice, KubeObject, Namespace, Node, Pod, Service } from '../kube/types.js';
import { inClusterConfig, loadKubeconfig } from '../client/config.js';
import { Informer } from '../client/informer.js';
import { R, type ResourceRef } from '../client/resources.js';
import { ClusterModel } from './cluster-model.js';
import { DnsServer } from './dns-server.js';
import { consoleLogger } from './log.js';
import { TrimmingClient } from './trimming-client.js';

const log = (line: string) => process.stdout.write(`[INFO] ${line}\n`);

function ownIPs(): string[] {
  return Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal).map((a) => a!.address);
}

/** A node's InternalIP and ExternalIP addresses as host ranges. */
function nodeAddresses(node: Node): string[] {
  return (node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP')
    .map((a) => `${a.address}/${a.address.includes(':') ? 128 : 32}`);
}

/**
 * Waits until the API server accepts a TCP connection, as CoreDNS waits for the Kubernetes API
 * before serving. Through the `kubernetes` Service this needs kube-proxy's rules: a connection
 * tried before they exist leaves a conntrack entry without DNAT that the kernel's SYN retries
 * keep alive for minutes, so each attempt is a new socket given up after a second.
 */
async function waitForApi(server: string): Promise<void> {
  const url = new URL(server);
  const target = { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 443) };
  for (let attempt = 0; ; attempt++) {
    const connected = await new Promise<boolean>((resolve) => {
      const socket = connect(target);
      const done = (ok: boolean) => { clearTimeout(timer); socket.destroy(); resolve(ok); };
      const timer = setTimeout(() => done(false), 1000);
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
    if (connected) return;
    if (attempt === 0) log('plugin/kubernetes: waiting for Kubernetes API before starting server');
    await sleep(200);
  }
}

async function main(): Promise<void> {
  const kubeconfig = process.env.KNIT_KUBECONFIG;
  const config = kubeconfig ? loadKubeconfig(kubeconfig) : inClusterConfig();
  await waitForApi(config.server);
  const client = new TrimmingClient({ ...config, userAgent: 'coredns/1.11.3 (knit)' });
  const model = new ClusterModel();
  const clusterCIDRs = (process.env.KNIT_CLUSTER_CIDRS ?? '').split(',').map((s) => s.trim()).filter(Boolean);

  const informers: Informer<any>[] = [];
  const watch = <T extends KubeObject>(ref: ResourceRef, up: (o: T) => void, del: (o: T) => void): Informer<T> => {
    const inf = new Informer<T>(client, ref);
    inf.addHandler({ add: up, update: (_o: T, n: T) => up(n), delete: del });
    informers.push(inf);
    inf.start();
    return inf;
  };
  watch<Namespace>(R.namespaces, (n) => model.upsertNamespace(n), (n) => model.deleteNamespace(n.metadata.name!));
  watch<Service>(R.services, (s) => model.upsertService(s), (s) => model.deleteService(s.metadata.namespace!, s.metadata.name!));
  watch<EndpointSlice>(R.endpointslices, (s) => model.upsertEndpointSlice(s), (s) => model.deleteEndpointSlice(s.metadata.namespace!, s.metadata.name!));
  const nodes = new Informer<Node>(client, R.nodes);
  const corefiles = new Informer<ConfigMap>(client, R.configmaps, { namespace: 'kube-system', fieldSelector: 'metadata.name=coredns' });
  informers.push(nodes, corefiles);
  nodes.start();
  corefiles.start();

  // Start with the ConfigMap's Corefile (kubeadm's default when there is none), then apply each change.
  await corefiles.waitForSync();
  let applied = corefiles.get('kube-system', 'coredns')?.data?.Corefile;
  const server = new DnsServer({ model, corefile: applied, clusterCIDRs, localIPs: ownIPs(), logger: consoleLogger });
  await server.start();
  log(`CoreDNS-1.11.3 (knit) listening on ${server.dnsAddresses().map((a) => `${a.host}:${a.port}`).join(', ')}`);

  // Pods are watched only while the Corefile says `pods verified`, as CoreDNS does: they are a
  // cluster's most numerous objects and no other answer needs them.
  let pods: Informer<Pod> | undefined;
  const followPodMode = async (): Promise<void> => {
    if (server.podsVerified() && !pods) {
      pods = watch<Pod>(R.pods, (p) => model.upsertPod(p), (p) => model.deletePod(p.metadata.namespace!, p.metadata.name!));
      await pods.waitForSync();
    } else if (!server.podsVerified() && pods) {
      const old = pods;
      pods = undefined;
      informers.splice(informers.indexOf(old), 1);
      await old.stop();
      for (const p of old.list()) model.deletePod(p.metadata.namespace!, p.metadata.name!);
    }
  };
  let podModeChange = followPodMode();
  const applyConfig = (cm: ConfigMap) => {
    const text = cm.data?.Corefile;
    if (!text || text === applied) return;
    applied = text;
    const change = server.applyCorefile(text).catch(() => { /* logged by the server; the running configuration stays */ });
    podModeChange = podModeChange.then(() => change).then(followPodMode);
  };
  corefiles.addHandler({ add: applyConfig, update: (_o, n) => applyConfig(n) });
  // Names outside the cluster are forwarded for pods (KNIT_CLUSTER_CIDRS), the host, and the nodes' own addresses.
  const allowNodes = () => server.setClientRanges([...clusterCIDRs, ...nodes.list().flatMap((n) => nodeAddresses(n))]);
  nodes.addHandler({ add: allowNodes, update: allowNodes, delete: allowNodes });

  await Promise.all([...informers.map((i) => i.waitForSync()), podModeChange]);
  model.markSynced();
  log('plugin/kubernetes: caches synced');

  const stop = async () => {
    await server.stop();
    await Promise.all(informers.map((i) => i.stop()));
    client.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err) => {
  process.stderr.write(`[FATAL] ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
