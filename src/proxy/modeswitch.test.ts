// Switching kube-proxy's mode on a node: the new mode serves the Service and not one rule of the
// old mode remains (as when the kube-proxy ConfigMap's mode changes).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type Proxier, createProxier } from './index.js';
import { createKernel } from './kernel.js';
import type { ProxyMode } from './types.js';
import { ep, makeService, makeSlice } from './testing/fixtures.js';
import { NODE_IP, TCP_PORT, type Topology, buildTopology } from '../platform/testing/topology.js';

describe('switching between iptables and nftables', () => {
  let topo: Topology;
  let proxier: Proxier | undefined;

  const run = async (mode: ProxyMode): Promise<void> => {
    await proxier?.stop();
    proxier = await createProxier({
      mode, nodeName: 'kpt-node', nodeIPs: [NODE_IP], clusterCIDR: '10.244.0.0/16', netns: topo.nodeNs,
      minSyncPeriodMs: 0, healthzBindAddress: '', healthCheckBindAddress: '', log: () => {},
    });
    proxier.onServiceAdd(makeService('default', 'web', { type: 'NodePort', clusterIP: '10.96.0.50', ports: [{ port: 80, nodePort: 30080 }] }));
    proxier.onEndpointSliceAdd(makeSlice('default', 'web', 'a', [ep(topo.pods[0].ip, 'kpt-node')], [{ port: TCP_PORT }]));
    proxier.setInitialized();
    await proxier.sync();
  };

  const iptablesRules = async (): Promise<string[]> =>
    (await createKernel(topo.nodeNs).iptablesSave()).split('\n').filter((l) => l.includes('KUBE-'));
  const nftTables = async (): Promise<string[]> => {
    const doc = (await createKernel(topo.nodeNs).nftJSON(['list', 'tables'])) as { nftables: { table?: { name: string } }[] };
    return doc.nftables.flatMap((i) => (i.table ? [i.table.name] : []));
  };
  const served = async (): Promise<void> => {
    for (const [host, port] of [['10.96.0.50', 80], [NODE_IP, 30080]] as const) {
      const r = await topo.client.tcp(host, port);
      assert.match(r.data ?? String(r.code), /^pod1 /, `${host}:${port}`);
    }
  };

  before(async () => {
    topo = await buildTopology('kpt-sw', 1);
  });

  after(async () => {
    await proxier?.stop();
    await topo?.destroy();
  });

  it('iptables to nftables leaves no iptables rule or chain behind', async () => {
    await run('iptables');
    await served();
    assert.ok((await iptablesRules()).length > 0);
    await run('nftables');
    await served();
    assert.deepEqual(await iptablesRules(), []);
    assert.ok((await nftTables()).includes('kube-proxy'));
  });

  it('nftables to iptables removes the kube-proxy table', async () => {
    await run('iptables');
    await served();
    assert.ok(!(await nftTables()).includes('kube-proxy'));
    assert.ok((await iptablesRules()).some((l) => l.startsWith('-A PREROUTING') && l.includes('-j KUBE-SERVICES')));
  });
});
