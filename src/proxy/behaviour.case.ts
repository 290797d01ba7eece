// The behaviour both backends must show with real kernel rules and real traffic, run by
// iptables/kernel.test.ts and nftables/kernel.test.ts: a node namespace with three pods and a
// client outside the cluster, programmed by a Proxier fed Service and EndpointSlice objects.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { EndpointSlice, Service } from '../kube/types.js';
import { type Proxier, createProxier } from './index.js';
import { createKernel } from './kernel.js';
import type { ProxyMode } from './types.js';
import { ep, makeService, makeSlice } from './testing/fixtures.js';
import { CLIENT_IP, NODE_IP, POD_GATEWAY, type Probe, TCP_PORT, type Topology, UDP_PORT, buildTopology } from '../platform/testing/topology.js';

const NODE = 'kpt-node';
const NS = 'default';
const HTTP = { name: 'http', port: TCP_PORT };
const DNS = { name: 'dns', port: UDP_PORT, protocol: 'UDP' };

const web = makeService(NS, 'web', {
  type: 'NodePort', clusterIP: '10.96.0.50', externalIPs: ['203.0.113.10'],
  ports: [{ name: 'http', port: 80, nodePort: 30080 }, { name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }],
});
const sticky = makeService(NS, 'sticky', { clusterIP: '10.96.0.51', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } }, ports: [{ name: 'http', port: 80 }] });
const empty = makeService(NS, 'empty', { type: 'NodePort', clusterIP: '10.96.0.52', ports: [{ name: 'http', port: 80, nodePort: 30082 }] });
const shrink = makeService(NS, 'shrink', { clusterIP: '10.96.0.53', ports: [{ name: 'http', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }] });
const local = makeService(NS, 'local', {
  type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 32000, clusterIP: '10.96.0.54',
  ports: [{ name: 'http', port: 80, nodePort: 30084 }],
}, ['172.18.255.200']);

/** The name of the pod that answered ("pod2 10.244.1.1" -> "pod2"). */
const podOf = (data?: string): string => data?.split(' ')[0] ?? '';

async function answers(probe: Probe, host: string, port: number, times: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < times; i++) {
    const r = await probe.tcp(host, port);
    assert.ok(r.ok, `connection to ${host}:${port} failed: ${r.code}`);
    out.push(r.data!);
  }
  return out;
}

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject).end();
  });
}

/** Every rule of `mode` in the namespace, as text. */
async function dumpRules(mode: ProxyMode, netns: string): Promise<string> {
  const kernel = createKernel(netns);
  return mode === 'iptables' ? kernel.iptablesSave() : JSON.stringify(await kernel.nftJSON(['list', 'ruleset']));
}

export function behaviourSuite(mode: ProxyMode, prefix: string): void {
  describe(`${mode} rules in a node namespace, with real traffic`, () => {
    let topo: Topology;
    let proxier: Proxier;
    let healthzPort = 0;
    const logs: string[] = [];
    const slices: Record<string, EndpointSlice> = {};

    const start = async (services: Service[]): Promise<Proxier> => {
      const p = await createProxier({
        mode, nodeName: NODE, nodeIPs: [NODE_IP], clusterCIDR: '10.244.0.0/16', serviceCIDRs: ['10.96.0.0/12'],
        netns: topo.nodeNs, minSyncPeriodMs: 0, healthzBindAddress: '127.0.0.1:0', healthCheckBindAddress: '127.0.0.1', healthCheckPort: () => 0,
        log: (line) => logs.push(line),
      });
      for (const s of services) p.onServiceAdd(s);
      for (const s of Object.values(slices)) p.onEndpointSliceAdd(s);
      p.setInitialized();
      await p.sync();
      return p;
    };

    before(async () => {
      topo = await buildTopology(prefix, 3);
      const [p1, p2, p3] = topo.pods.map((p) => p.ip);
      slices.web = makeSlice(NS, 'web', 'a', [ep(p1, NODE), ep(p2, NODE), ep(p3, NODE)], [HTTP, DNS]);
      slices.sticky = makeSlice(NS, 'sticky', 'a', [ep(p1, NODE), ep(p2, NODE), ep(p3, NODE)], [HTTP]);
      slices.shrink = makeSlice(NS, 'shrink', 'a', [ep(p1, NODE), ep(p2, NODE), ep(p3, NODE)], [HTTP, DNS]);
      // One endpoint here, one on another node (its address leads nowhere).
      slices.local = makeSlice(NS, 'local', 'a', [ep(p1, NODE), ep('10.244.2.9', 'kpt-other')], [HTTP]);
      proxier = await start([web, sticky, empty, shrink, local]);
      healthzPort = proxier.healthzAddress!.port;
    });

    after(async () => {
      await proxier?.stop();
      await topo?.destroy();
    });

    it('balances connections to a ClusterIP over every pod, masquerading clients from outside the cluster', async () => {
      const got = await answers(topo.client, '10.96.0.50', 80, 30);
      assert.deepEqual(new Set(got.map(podOf)), new Set(['pod1', 'pod2', 'pod3']));
      assert.ok(got.every((a) => a.endsWith(` ${POD_GATEWAY}`)), `pods should see the node's address: ${got[0]}`);
    });

    it('serves a ClusterIP to the node itself (OUTPUT path)', async () => {
      const [a] = await answers(topo.node, '10.96.0.50', 80, 1);
      assert.match(a, /^pod\d /);
    });

    it('serves a NodePort on the node IP and an external IP', async () => {
      assert.match((await answers(topo.client, NODE_IP, 30080, 1))[0], /^pod\d /);
      assert.match((await answers(topo.client, '203.0.113.10', 80, 1))[0], /^pod\d /);
    });

    it(mode === 'iptables' ? 'serves NodePorts on 127.0.0.1 (route_localnet)' : 'does not serve NodePorts on 127.0.0.1', async () => {
      const r = await topo.node.tcp('127.0.0.1', 30080);
      if (mode === 'iptables') assert.match(r.data ?? r.code ?? '', /^pod\d /);
      else assert.equal(r.code, 'ECONNREFUSED');
    });

    it('carries UDP through a ClusterIP and a NodePort', async () => {
      for (const [host, port] of [['10.96.0.50', 53], [NODE_IP, 30053]] as const) {
        const r = await topo.client.udp(host, port);
        assert.ok(r.ok, `${host}:${port} ${r.code}`);
        assert.match(r.data!, /^pod\d /);
      }
    });

    it('keeps a client on one pod with ClientIP session affinity', async () => {
      const got = (await answers(topo.client, '10.96.0.51', 80, 10)).map(podOf);
      assert.equal(new Set(got).size, 1, got.join(','));
    });

    it('refuses at once a Service without endpoints (connection refused, not a timeout)', async () => {
      assert.equal((await topo.client.tcp('10.96.0.52', 80)).code, 'ECONNREFUSED');
      assert.equal((await topo.client.tcp(NODE_IP, 30082)).code, 'ECONNREFUSED');
      assert.equal((await topo.node.tcp('10.96.0.52', 80)).code, 'ECONNREFUSED');
    });

    it('externalTrafficPolicy Local: only this node\'s endpoint, with the client\'s own address', async () => {
      const viaNodePort = await answers(topo.client, NODE_IP, 30084, 8);
      const viaLoadBalancer = await answers(topo.client, '172.18.255.200', 80, 8);
      for (const a of [...viaNodePort, ...viaLoadBalancer]) assert.equal(a, `pod1 ${CLIENT_IP}`);
    });

    it('answers the health check node port and /healthz as upstream does', async () => {
      const hc = proxier.serviceHealth!.boundPort(`${NS}/local`)!;
      const res = await httpGet(hc, '/');
      assert.equal(res.status, 200);
      assert.deepEqual(JSON.parse(res.body), { service: { namespace: NS, name: 'local' }, localEndpoints: 1, serviceProxyHealthy: true });
      const healthz = await httpGet(healthzPort, '/healthz');
      assert.equal(healthz.status, 200);
      assert.equal(JSON.parse(healthz.body).nodeEligible, true);
    });

    it('sends no new connection to an endpoint once it is removed', async () => {
      const [p1, p2] = topo.pods.map((p) => p.ip);
      slices.shrink = makeSlice(NS, 'shrink', 'a', [ep(p1, NODE), ep(p2, NODE)], [HTTP, DNS]);
      proxier.onEndpointSliceUpdate(slices.shrink);
      await proxier.sync();
      const got = (await answers(topo.client, '10.96.0.53', 80, 30)).map(podOf);
      assert.ok(!got.includes('pod3'), got.join(','));
      assert.deepEqual(new Set(got), new Set(['pod1', 'pod2']));
    });

    it('clears stale UDP conntrack entries so a "connection" moves off a removed endpoint', async () => {
      const srcPort = 40053;
      const first = await topo.client.udp('10.96.0.53', 53, srcPort);
      assert.ok(first.ok, first.code);
      const chosen = podOf(first.data);
      // The same source port keeps following its conntrack entry...
      assert.equal(podOf((await topo.client.udp('10.96.0.53', 53, srcPort)).data), chosen);
      // ...until the endpoint goes away and kube-proxy deletes the entry.
      const keep = topo.pods.filter((p) => p.name !== chosen).map((p) => ep(p.ip, NODE));
      slices.shrink = makeSlice(NS, 'shrink', 'a', keep, [HTTP, DNS]);
      proxier.onEndpointSliceUpdate(slices.shrink);
      await proxier.sync();
      const after = await topo.client.udp('10.96.0.53', 53, srcPort);
      assert.ok(after.ok, after.code);
      assert.notEqual(podOf(after.data), chosen);
    });

    it('logs each sync as upstream does', () => {
      assert.ok(logs.some((l) => new RegExp(`^I\\d{4} [\\d:.]+ +\\d+ proxier\\.ts\\] "Syncing ${mode} rules" ipFamily="IPv4" fullSync=true$`).test(l)), logs.join('\n'));
      assert.ok(logs.some((l) => l.includes(`"Reloading service ${mode} data" ipFamily="IPv4" numServices=7 numEndpoints=`)));
      assert.ok(logs.some((l) => /"SyncProxyRules complete" ipFamily="IPv4" elapsed="[\d.]+(ms|s|µs)"$/.test(l)));
    });

    it('a restarted proxy re-applies every rule and removes those of Services deleted meanwhile', async () => {
      await proxier.stop();
      delete slices.shrink;
      proxier = await start([web, sticky, empty, local]);
      assert.match((await answers(topo.client, '10.96.0.50', 80, 1))[0], /^pod\d /);
      assert.equal((await topo.client.tcp('10.96.0.52', 80)).code, 'ECONNREFUSED');
      assert.ok(!(await dumpRules(mode, topo.nodeNs)).includes('10.96.0.53'), 'rules of the deleted Service remain');
    });
  });
}
