// The cluster DNS process, run by the node agent for the image registry.k8s.io/coredns/coredns in
// the kube-system Deployment coredns. It reaches the API server as in-cluster software does
// (KUBERNETES_SERVICE_HOST and the pod's service account token), feeds the ClusterModel from
// informers, and applies the ConfigMap kube-system/coredns (key Corefile) live.

import { networkInterfaces } from 'node:os';
import type { ConfigMap, EndpointSlice, Namespace, Pod, Service } from '../api/types.js';
import { ApiClient } from '../client/client.js';
import { inClusterConfig, loadKubeconfig } from '../client/config.js';
import { Informer } from '../client/informer.js';
import { R } from '../client/resources.js';
import { ClusterModel } from './cluster-model.js';
import { DnsServer } from './dns-server.js';
import { consoleLogger } from './log.js';

const log = (line: string) => process.stdout.write(`[INFO] ${line}\n`);
const warn = (line: string) => process.stdout.write(`[WARNING] ${line}\n`);

function ownIPs(): string[] {
  return Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal).map((a) => a!.address);
}

async function main(): Promise<void> {
  const kubeconfig = process.env.KNIT_KUBECONFIG;
  const client = new ApiClient({ ...(kubeconfig ? loadKubeconfig(kubeconfig) : inClusterConfig()), userAgent: 'coredns/1.11.3 (knit)' });
  const model = new ClusterModel();
  const clusterCIDRs = (process.env.KNIT_CLUSTER_CIDRS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const server = new DnsServer({
    model, clusterCIDRs, localIPs: ownIPs(),
    logger: consoleLogger,
  });

  const informers: Informer<any>[] = [];
  const watch = <T extends { metadata: { namespace?: string; name?: string } }>(inf: Informer<any>, up: (o: T) => void, del: (o: T) => void) => {
    inf.addHandler({ add: up, update: (_o: T, n: T) => up(n), delete: del });
    informers.push(inf);
    return inf;
  };
  watch<Namespace>(new Informer<Namespace>(client, R.namespaces), (n) => model.upsertNamespace(n), (n) => model.deleteNamespace(n.metadata.name!));
  watch<Service>(new Informer<Service>(client, R.services), (s) => model.upsertService(s), (s) => model.deleteService(s.metadata.namespace!, s.metadata.name!));
  watch<EndpointSlice>(new Informer<EndpointSlice>(client, R.endpointslices), (s) => model.upsertEndpointSlice(s), (s) => model.deleteEndpointSlice(s.metadata.namespace!, s.metadata.name!));
  watch<Pod>(new Informer<Pod>(client, R.pods), (p) => model.upsertPod(p), (p) => model.deletePod(p.metadata.namespace!, p.metadata.name!));
  const corefiles = new Informer<ConfigMap>(client, R.configmaps, { namespace: 'kube-system', fieldSelector: 'metadata.name=coredns' });
  let applied: string | undefined;
  const applyConfig = (cm: ConfigMap) => {
    const text = cm.data?.Corefile;
    if (!text || text === applied) return;
    applied = text;
    server.applyCorefile(text).then(() => log('Reloading complete'), (err) => warn(`Corefile not applied, the running configuration stays: ${(err as Error).message}`));
  };
  corefiles.addHandler({ add: applyConfig, update: (_o, n) => applyConfig(n) });
  informers.push(corefiles);

  for (const inf of informers) inf.start();
  await corefiles.waitForSync();
  const cm = corefiles.get('kube-system', 'coredns');
  if (cm?.data?.Corefile) {
    applied = cm.data.Corefile;
    await server.applyCorefile(cm.data.Corefile);
  }
  await server.start();
  log(`CoreDNS-1.11.3 (knit) listening on ${server.dnsAddresses().map((a) => `${a.host}:${a.port}`).join(', ')}`);
  await Promise.all(informers.map((i) => i.waitForSync()));
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
