// The kube-proxy process, run by the node agent for the image registry.k8s.io/kube-proxy in the
// kube-system DaemonSet kube-proxy (hostNetwork: it programs its node's namespace). It takes
// upstream's flags --hostname-override and --master, authenticates with its pod's service
// account, reads its configuration from the ConfigMap kube-system/kube-proxy (key config.conf)
// and, when that ConfigMap changes (the mode, say), moves the node over to the new configuration.

import type { ConfigMap, EndpointSlice, Node, Service } from '../kube/types.js';
import { ApiClient } from '../client/client.js';
import { componentConfig } from '../client/config.js';
import { Informer } from '../client/informer.js';
import { R } from '../client/resources.js';
import { type KubeProxyConfig, parseKubeProxyConfiguration } from './config.js';
import { createProxier, resolveMode, type Proxier } from './index.js';
import { createLogger } from '../common/klog.js';
import { flagValue as flag } from '../common/flags.js';

const log = createLogger('server.go');


const configOf = (cm: ConfigMap | undefined): KubeProxyConfig => parseKubeProxyConfiguration(cm?.data?.['config.conf']);


async function main(): Promise<void> {
  const nodeName = flag('hostname-override') ?? process.env.NODE_NAME;
  if (!nodeName) throw new Error('--hostname-override is required');
  const api = new ApiClient(componentConfig(flag('master'), 'kube-proxy/v1.32.0 (knit)'));
  const configMaps = new Informer<ConfigMap>(api, R.configmaps, { namespace: 'kube-system', fieldSelector: 'metadata.name=kube-proxy' });
  const nodes = new Informer<Node>(api, R.nodes, { fieldSelector: `metadata.name=${nodeName}` });
  const services = new Informer<Service>(api, R.services);
  const slices = new Informer<EndpointSlice>(api, R.endpointslices);
  const informers = [configMaps, nodes, services, slices];
  for (const i of informers) i.start();
  await Promise.all([configMaps.waitForSync(), nodes.waitForSync()]);

  const node = nodes.get(undefined, nodeName);
  const nodeIPs = (node?.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address);
  if (nodeIPs.length === 0) throw new Error(`node ${nodeName} has no InternalIP`);
  let config = configOf(configMaps.get('kube-system', 'kube-proxy'));
  await resolveMode(config.mode);
  log.info('Successfully retrieved NodeIPs', { NodeIPs: nodeIPs });

  let proxier: Proxier | undefined;
  const start = async () => {
    const p = await createProxier({
      mode: config.mode, nodeName, nodeIPs, clusterCIDR: config.clusterCIDR,
      minSyncPeriodMs: config.minSyncPeriodMs, syncPeriodMs: config.syncPeriodMs,
    });
    for (const s of services.list()) p.onServiceAdd(s);
    for (const s of slices.list()) p.onEndpointSliceAdd(s);
    const n = nodes.get(undefined, nodeName);
    if (n) p.onNodeAdd(n);
    if (services.hasSynced() && slices.hasSynced()) p.setInitialized();
    return p;
  };
  proxier = await start();
  services.addHandler({ add: (s) => proxier?.onServiceAdd(s), update: (o, s) => proxier?.onServiceUpdate(o, s), delete: (s) => proxier?.onServiceDelete(s) });
  slices.addHandler({ add: (s) => proxier?.onEndpointSliceAdd(s), update: (o, s) => proxier?.onEndpointSliceUpdate(o, s), delete: (s) => proxier?.onEndpointSliceDelete(s) });
  nodes.addHandler({ add: (n) => proxier?.onNodeAdd(n), update: (o, n) => proxier?.onNodeUpdate(o, n), delete: (n) => proxier?.onNodeDelete(n) });
  await Promise.all([services.waitForSync(), slices.waitForSync()]);
  proxier.setInitialized();

  // A changed configuration: stop this proxier and start one for the new configuration, which
  // removes the rules of the mode it no longer uses.
  let switching: Promise<unknown> = Promise.resolve();
  configMaps.addHandler({
    update: (_o, cm) => {
      switching = switching.then(async () => {
        let next: KubeProxyConfig;
        try {
          next = configOf(cm);
          if (JSON.stringify(next) === JSON.stringify(config)) return;
          await resolveMode(next.mode);
        } catch (err) {
          log.error(err, 'Invalid kube-proxy configuration; keeping the current one', { mode: config.mode || 'iptables' });
          return;
        }
        log.info('kube-proxy configuration changed', { oldMode: config.mode, newMode: next.mode });
        config = next;
        const old = proxier;
        proxier = undefined;
        await old?.stop();
        proxier = await start();
      }).catch((err) => log.error(err, 'Switching to the new configuration failed'));
    },
  });

  const stop = async () => {
    await switching;
    await proxier?.stop();
    await Promise.all(informers.map((i) => i.stop()));
    api.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err) => {
  log.error(err, 'Error running ProxyServer');
  process.exit(1);
});
