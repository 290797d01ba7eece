// NodeCni in one real node namespace (knt-*): cni0, flannel.1, peers, pods, recovery.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ip, ipBatch, ipJson, bridgeJson, iptablesSave, netnsAdd, netnsDelete, netnsExists } from '../../platform/index.js';
import { uniqueName } from '../../platform/testing/index.js';
import { NodeCni, type Peer } from './index.js';

const node = uniqueName();
const dataDir = mkdtempSync(join(tmpdir(), 'knt-cni-'));
const podNamespaces: string[] = [];

before(async () => {
  await netnsAdd(node);
  // The node's uplink, as the topology gives it: eth0 holding the node IP.
  await ipBatch(['link set lo up', 'link add eth0 type bridge', 'addr add 192.168.77.10/24 dev eth0', 'link set eth0 up'], node);
});

after(async () => {
  for (const ns of podNamespaces) await netnsDelete(ns);
  await netnsDelete(node);
  rmSync(dataDir, { recursive: true, force: true });
});

const peers: Peer[] = [
  { nodeName: 'self', nodeIP: '192.168.77.10', podCIDR: '10.244.1.0/24', vtepMAC: '0e:6e:c0:a8:4d:0a' },
  { nodeName: 'two', nodeIP: '192.168.77.11', podCIDR: '10.244.2.0/24', vtepMAC: '0e:6e:c0:a8:4d:0b' },
  { nodeName: 'three', nodeIP: '192.168.77.12', podCIDR: '10.244.3.0/24', vtepMAC: '0e:6e:c0:a8:4d:0c' },
];

describe('vxlan mode', () => {
  const cni = new NodeCni({ dataDir, netns: node });

  test('setup creates cni0 with the first address and flannel.1 with the VTEP address', async () => {
    const net = await cni.setupNodeNetwork({ podCIDR: '10.244.1.0/24', nodeIP: '192.168.77.10', mode: 'vxlan' });
    assert.equal(net.gateway, '10.244.1.1');
    assert.equal(net.mtu, 1450);
    assert.equal(net.uplink, 'eth0');
    const links = await ipJson<any>(['-d', 'addr', 'show'], node);
    const cni0 = links.find((l) => l.ifname === 'cni0');
    const vxlan = links.find((l) => l.ifname === 'flannel.1');
    assert.deepEqual(cni0.addr_info.filter((a: any) => a.family === 'inet').map((a: any) => `${a.local}/${a.prefixlen}`), ['10.244.1.1/24']);
    assert.deepEqual(vxlan.addr_info.filter((a: any) => a.family === 'inet').map((a: any) => `${a.local}/${a.prefixlen}`), ['10.244.1.0/32']);
    assert.equal(vxlan.linkinfo.info_data.id, 1);
    assert.equal(vxlan.linkinfo.info_data.port, 8472);
    assert.equal(vxlan.linkinfo.info_data.local, '192.168.77.10');
    assert.equal(vxlan.address, net.vtepMAC);
    assert.equal(vxlan.mtu, 1450);
  });

  test('setup installs flannel masquerade rules once, however often it runs', async () => {
    await cni.setupNodeNetwork({ podCIDR: '10.244.1.0/24', nodeIP: '192.168.77.10', mode: 'vxlan' });
    const nat = await iptablesSave(node, 'nat');
    assert.equal(nat.split('\n').filter((l) => l === '-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG').length, 1);
    assert.match(nat, /-A FLANNEL-POSTRTG -s 10\.244\.1\.0\/24 -d 10\.244\.0\.0\/16 -m comment --comment "flanneld masq" -j RETURN/);
    assert.match(nat, /-A FLANNEL-POSTRTG -s 10\.244\.0\.0\/16 ! -d 224\.0\.0\.0\/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully/);
    assert.equal(nat.split('\n').filter((l) => l.startsWith('-A FLANNEL-POSTRTG')).length, 6);
    const filter = await iptablesSave(node, 'filter');
    assert.equal(filter.split('\n').filter((l) => l.startsWith('-A FORWARD') && l.includes('FLANNEL-FWD')).length, 1);
  });

  test('syncPeers installs route, neighbour and FDB entry per other node, and is idempotent', async () => {
    const first = await cni.syncPeers(peers);
    assert.deepEqual(first.changed.sort(), ['10.244.2.0/24', '10.244.3.0/24']);
    const routes = await ip(['route', 'show', 'dev', 'flannel.1'], node);
    assert.match(routes, /^10\.244\.2\.0\/24 via 10\.244\.2\.0 onlink $/m);
    assert.match(routes, /^10\.244\.3\.0\/24 via 10\.244\.3\.0 onlink $/m);
    const neigh = await ipJson<any>(['neigh', 'show', 'dev', 'flannel.1'], node);
    assert.deepEqual(neigh.map((x) => [x.dst, x.lladdr]).sort(), [['10.244.2.0', '0e:6e:c0:a8:4d:0b'], ['10.244.3.0', '0e:6e:c0:a8:4d:0c']]);
    const fdb = await bridgeJson<any>(['fdb', 'show', 'dev', 'flannel.1'], node);
    assert.deepEqual(fdb.filter((f) => f.dst).map((f) => [f.mac, f.dst]).sort(), [['0e:6e:c0:a8:4d:0b', '192.168.77.11'], ['0e:6e:c0:a8:4d:0c', '192.168.77.12']]);
    const again = await cni.syncPeers(peers);
    assert.deepEqual(again, { changed: [], removed: [], skipped: [] });
  });

  test('syncPeers removes a node that is gone and follows a node that moved', async () => {
    const moved = { ...peers[1], nodeIP: '192.168.77.21', vtepMAC: '0e:6e:c0:a8:4d:15' };
    const r = await cni.syncPeers([peers[0], moved]);
    assert.deepEqual(r.removed, ['10.244.3.0/24']);
    assert.doesNotMatch(await ip(['route', 'show'], node), /10\.244\.3\.0/);
    const neigh = await ipJson<any>(['neigh', 'show', 'dev', 'flannel.1'], node);
    assert.deepEqual(neigh.map((x) => [x.dst, x.lladdr]), [['10.244.2.0', '0e:6e:c0:a8:4d:15']]);
    const fdb = await bridgeJson<any>(['fdb', 'show', 'dev', 'flannel.1'], node);
    assert.deepEqual(fdb.filter((f) => f.dst).map((f) => [f.mac, f.dst]), [['0e:6e:c0:a8:4d:15', '192.168.77.21']]);
  });

  test('a peer without a VTEP MAC yet is skipped, bad input is refused', async () => {
    const r = await cni.syncPeers([{ nodeName: 'new', nodeIP: '192.168.77.30', podCIDR: '10.244.9.0/24' }]);
    assert.deepEqual(r.skipped, ['new']);
    await assert.rejects(cni.syncPeers([{ nodeName: 'bad', nodeIP: '192.168.77.31', podCIDR: '10.99.0.0/24', vtepMAC: '0e:00:00:00:00:01' }]),
      /node bad: podCIDR 10\.99\.0\.0\/24 is not inside the cluster CIDR 10\.244\.0\.0\/16/);
  });

  test('addPod gives the pod eth0 with an address, a default route via cni0 and lo up', async () => {
    const podNetns = `${node}-pod-a`;
    podNamespaces.push(podNetns);
    const pod = await cni.addPod({ podNetns, podUID: 'uid-a' });
    assert.equal(pod.ip, '10.244.1.2');
    assert.equal(pod.gateway, '10.244.1.1');
    assert.equal(pod.mac, '0a:58:0a:f4:01:02');
    const addrs = await ipJson<any>(['addr', 'show'], podNetns);
    assert.equal(addrs.find((l) => l.ifname === 'lo').operstate, 'UNKNOWN');
    const eth0 = addrs.find((l) => l.ifname === 'eth0');
    assert.equal(eth0.mtu, 1450);
    assert.equal(eth0.address, pod.mac);
    assert.ok(eth0.addr_info.some((a: any) => a.local === '10.244.1.2' && a.prefixlen === 24));
    assert.match(await ip(['route', 'show', 'default'], podNetns), /default via 10\.244\.1\.1 dev eth0/);
    const veth = (await ipJson<any>(['-d', 'link', 'show', 'dev', pod.hostVeth], node))[0];
    assert.equal(veth.master, 'cni0');
    assert.equal(veth.linkinfo.info_slave_data.hairpin, true);
    // Again: the same answer, nothing duplicated.
    assert.deepEqual(await cni.addPod({ podNetns, podUID: 'uid-a' }), pod);
  });

  test('a restarted agent lists its pods, keeps their addresses and deletes them cleanly', async () => {
    const podNetns = `${node}-pod-b`;
    podNamespaces.push(podNetns);
    const b = await cni.addPod({ podNetns, podUID: 'uid-b' });
    const restarted = new NodeCni({ dataDir, netns: node });
    const listed = await restarted.listPods();
    assert.deepEqual(listed.map((p) => [p.podUID, p.ip, p.netnsExists]), [['uid-a', '10.244.1.2', true], ['uid-b', '10.244.1.3', true]]);
    await restarted.delPod('uid-b');
    assert.equal(netnsExists(podNetns), false);
    await assert.rejects(ip(['link', 'show', 'dev', b.hostVeth], node), /does not exist/);
    await restarted.delPod('uid-b');
    await restarted.setupNodeNetwork({ podCIDR: '10.244.1.0/24', nodeIP: '192.168.77.10', mode: 'vxlan' });
    const c = await restarted.addPod({ podNetns: `${node}-pod-c`, podUID: 'uid-c' });
    podNamespaces.push(`${node}-pod-c`);
    assert.equal(c.ip, '10.244.1.4');
  });
});

describe('switching to routes mode', () => {
  const cni = new NodeCni({ dataDir, netns: node });

  test('removes flannel.1 and routes to peers via their node IPs on eth0, as the seeds show', async () => {
    const net = await cni.setupNodeNetwork({ podCIDR: '10.244.1.0/24', nodeIP: '192.168.77.10', mode: 'routes' });
    assert.equal(net.mtu, 1500);
    assert.equal(net.vtepMAC, undefined);
    await assert.rejects(ip(['link', 'show', 'dev', 'flannel.1'], node), /does not exist/);
    await cni.syncPeers(peers.map(({ vtepMAC: _, ...p }) => p));
    const routes = await ip(['route', 'show'], node);
    assert.match(routes, /^10\.244\.2\.0\/24 via 192\.168\.77\.11 dev eth0 $/m);
    assert.match(routes, /^10\.244\.3\.0\/24 via 192\.168\.77\.12 dev eth0 $/m);
    assert.match(routes, /^10\.244\.1\.0\/24 dev cni0 proto kernel scope link src 10\.244\.1\.1 $/m);
    assert.deepEqual(await cni.syncPeers(peers), { changed: [], removed: [], skipped: [] });
  });
});

test('addPod before setupNodeNetwork says what to do', async () => {
  const cni = new NodeCni({ dataDir: join(dataDir, 'other'), netns: node });
  await assert.rejects(cni.addPod({ podNetns: `${node}-pod-x`, podUID: 'x' }), /call setupNodeNetwork first/);
});
