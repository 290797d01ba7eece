// The rendered rules in a real kernel: a node of namespaces (bridged pods with br_netfilter on, as
// on a knit node), real packets between pods, from the node and from outside, and every
// incremental transaction checked against a fresh full one. Needs root.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { netnsAdd, netnsDelete, run, startNflogReader, type NflogReader, type NflogRecord } from '../platform/index.js';
import { uniqueName } from '../platform/testing/index.js';
import { buildTopology, Probe, TCP_PORT, UDP_PORT, type Topology } from '../platform/testing/topology.js';
import type { ClusterNetworkPolicy, NetworkPolicy } from '../kube/types.js';
import { createPolicyKernel, type PolicyKernel } from './kernel.js';
import { computeNodePolicy } from './model.js';
import { renderDiff, renderFull, type NftObjects } from './nft.js';
import { renderObjects } from './render.js';
import { NFLOG_GROUP } from './rules.js';
import { clusterPolicy, namespace, pod, policy } from './testing.js';

const APPS = ['web', 'api', 'db'];

/** The table as nft -j lists it, in an order that does not depend on how it was built. */
async function canonical(netns: string): Promise<string[]> {
  const doc = JSON.parse((await run('nft', ['-j', 'list', 'table', 'inet', 'knit-netpol'], { netns })).stdout) as { nftables: Record<string, any>[] };
  const out: string[] = [];
  for (const item of doc.nftables) {
    const [kind, obj] = Object.entries(item)[0];
    if (kind === 'metainfo' || kind === 'table') continue;
    const { handle: _h, ...rest } = obj;
    if (rest.elem) rest.elem = rest.elem.map((e: unknown) => JSON.stringify(e)).sort();
    out.push(`${kind} ${JSON.stringify(rest)}`);
  }
  return out.sort();
}
const TIMEOUT = 400;

describe('NetworkPolicy in the kernel', () => {
  let topo: Topology;
  let scratch: string;
  let kernel: PolicyKernel;
  let scratchKernel: PolicyKernel;
  const probes: Probe[] = [];
  let programmed: NftObjects | undefined;
  let reader: NflogReader;
  let readerDir: string;
  const logged: NflogRecord[] = [];

  before(async () => {
    const prefix = uniqueName('knp');
    topo = await buildTopology(prefix, 3, { bridgeNetfilter: true });
    for (const p of topo.pods) probes.push(await Probe.start(`${prefix}-${p.name}`));
    scratch = `${prefix}-scratch`;
    await netnsAdd(scratch);
    kernel = createPolicyKernel(topo.nodeNs);
    scratchKernel = createPolicyKernel(scratch);
    readerDir = await mkdtemp(join(tmpdir(), 'knp-nflog-'));
    reader = await startNflogReader({ group: NFLOG_GROUP, dir: readerDir, netns: topo.nodeNs, onRecord: (r) => logged.push(r), onError: () => undefined });
  });
  after(async () => {
    await reader?.stop();
    if (readerDir) await rm(readerDir, { recursive: true, force: true });
    for (const p of probes) p.stop();
    await topo?.destroy();
    if (scratch) await netnsDelete(scratch).catch(() => undefined);
  });

  /** Programs the policies as the component would (full once, then diffs), and checks the diff. */
  async function enforce(...policies: (NetworkPolicy | ClusterNetworkPolicy)[]): Promise<void> {
    const pods = topo.pods.map((p, i) => pod(`x/${APPS[i]}`, { ip: p.ip, labels: { app: APPS[i] }, ports: [{ name: 'http', port: TCP_PORT }, { name: 'dns', port: UDP_PORT, protocol: 'UDP' }] }));
    const next = renderObjects(computeNodePolicy({
      nodeName: 'node-1', pods, namespaces: [namespace('x')],
      policies: policies.filter((p): p is NetworkPolicy => p.kind === 'NetworkPolicy'),
      clusterPolicies: policies.filter((p): p is ClusterNetworkPolicy => p.kind === 'ClusterNetworkPolicy'),
    }));
    await kernel.apply(programmed ? renderDiff(programmed, next) || 'list tables\n' : renderFull(next));
    programmed = next;
    await scratchKernel.apply(renderFull(next));
    assert.deepEqual(await canonical(topo.nodeNs), await canonical(scratch), 'the incremental transactions hold what a full one would');
  }

  /** Which connections go through: "<from>-><to>[/udp]" for every pair asked. */
  async function reachable(pairs: string[]): Promise<string[]> {
    const results = await Promise.all(pairs.map(async (pair) => {
      const [from, rest] = pair.split('->');
      const [to, proto] = rest.split('/');
      const target = topo.pods[APPS.indexOf(to)].ip;
      const probe = from === 'node' ? topo.node : from === 'client' ? topo.client : probes[APPS.indexOf(from)];
      const r = proto === 'udp' ? await probe.udp(target, UDP_PORT, 0, TIMEOUT) : await probe.tcp(target, TCP_PORT, TIMEOUT);
      return r.ok ? pair : undefined;
    }));
    return results.filter((x): x is string => x !== undefined);
  }

  const everyPair = ['web->api', 'web->db', 'api->web', 'api->db', 'db->web', 'db->api', 'node->web', 'client->web'];

  it('without policies everything connects', async () => {
    await enforce();
    assert.deepEqual(await reachable(everyPair), everyPair);
  });

  it('deny-all ingress isolates every pod, but not from its node', async () => {
    await enforce(policy('x/deny-all', { policyTypes: ['Ingress'] }));
    assert.deepEqual(await reachable(everyPair), ['node->web']);
    // The kernel logged the denied packets with the policy set's id, and ulogd handed them over.
    const id = programmed!.sets.get('ingress-pods')!.elements[0].split('goto ingress-')[1];
    const seen = logged.filter((r) => r.prefix === `knit-np:d:i:${id}` && r.protocol === 6);
    const pairs = new Set(seen.map((r) => `${r.srcIp}->${r.dstIp}:${r.dstPort}`));
    const ip = (app: string) => topo.pods[APPS.indexOf(app)].ip;
    assert.ok(pairs.has(`${ip('api')}->${ip('web')}:${TCP_PORT}`), [...pairs].join(' '));
    assert.ok(pairs.has(`192.168.1.200->${ip('web')}:${TCP_PORT}`), [...pairs].join(' '));
  });

  it('allow by pod selector and named port: only that source, only that port and protocol', async () => {
    await enforce(
      policy('x/deny-all', { policyTypes: ['Ingress'] }),
      policy('x/api-to-web', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ protocol: 'TCP', port: 'http' }] }] }),
    );
    assert.deepEqual(await reachable([...everyPair, 'api->web/udp']), ['api->web', 'node->web']);
  });

  it('egress is judged at the source, and replies to allowed connections pass', async () => {
    await enforce(policy('x/db-out', { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ protocol: 'UDP', port: 'dns' }] }] }));
    assert.deepEqual(await reachable(['db->web', 'db->api', 'db->web/udp', 'api->db', 'web->db/udp']), ['db->web/udp', 'api->db', 'web->db/udp']);
  });

  it('ipBlock with except, and a change of it, for traffic from outside', async () => {
    const block = (except: string[]) => policy('x/lan', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ ipBlock: { cidr: '192.168.1.0/24', except } }] }] });
    await enforce(block(['192.168.1.200/32']));
    assert.deepEqual(await reachable(['client->web', 'api->web']), []);
    await enforce(block([]));
    assert.deepEqual(await reachable(['client->web', 'api->web']), ['client->web']);
  });

  it('ClusterNetworkPolicy Admin tier: Deny beats what NetworkPolicy allows, Accept what it denies, Pass hands over', async () => {
    const app = (name: string) => ({ namespaceSelector: {}, podSelector: { matchLabels: { app: name } } });
    await enforce(
      policy('x/allow-all-to-web', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{}] }),
      clusterPolicy('no-api-to-web', { tier: 'Admin', priority: 10, subject: { pods: app('web') }, ingress: [{ action: 'Deny', from: [{ pods: app('api') }] }] }),
    );
    assert.deepEqual(await reachable(['api->web', 'db->web', 'node->web']), ['db->web', 'node->web']);
    await enforce(
      policy('x/deny-to-web', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] }),
      clusterPolicy('db-always', { tier: 'Admin', priority: 5, subject: { pods: app('web') }, ingress: [{ action: 'Accept', from: [{ pods: app('db') }] }] }),
      clusterPolicy('api-to-namespace-rules', { tier: 'Admin', priority: 6, subject: { pods: app('web') }, ingress: [{ action: 'Pass', from: [{ pods: app('api') }] }] }),
    );
    assert.deepEqual(await reachable(['api->web', 'db->web']), ['db->web']);
  });

  it('ClusterNetworkPolicy Baseline tier: only for pods no NetworkPolicy selects', async () => {
    await enforce(
      policy('x/api-to-web', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }] }] }),
      clusterPolicy('baseline-deny', { tier: 'Baseline', priority: 1, subject: { namespaces: {} }, ingress: [{ action: 'Deny', from: [{ namespaces: {} }] }] }),
    );
    assert.deepEqual(await reachable(['api->web', 'db->web', 'api->db', 'web->api', 'node->db']), ['api->web', 'node->db']);
  });

  it('policies deleted: everything connects again and the table holds no policy chain', async () => {
    await enforce();
    assert.deepEqual(await reachable(everyPair), everyPair);
    assert.doesNotMatch(await kernel.list(), /chain (admin-|baseline-)?(ingress|egress)-[0-9a-f]/);
  });
});
