// kube-proxy as a user meets it on a real 2-node cluster started with `--lb-pool ""`: the
// kube-proxy-xxxxx pods of the kube-system DaemonSet, what `kubectl logs` shows, the mode in the
// kube-proxy ConfigMap (and switching it: every node moves, the old mode's rules go; ipvs is
// refused with a clear message), a restarted kube-proxy, and LoadBalancer Services left <pending>
// when there is no address pool.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from './lib/cluster.js';
import { parseTable } from './lib/table.js';
import { sleep, waitFor } from './lib/wait.js';
import { apply, extCurl, nodeIPs, nodeRules, pods, PREFIX, readyPods, serviceJson, type ProxyMode } from './lib/services.js';

const NODES = ['node-1', 'node-2'];
const KLOG = /^[IWE]\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ [\w.]+\] /;

const BACKEND = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo}
spec:
  replicas: 1
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      containers:
      - {name: netexec, image: "registry.k8s.io/e2e-test-images/agnhost:2.47", args: ["netexec", "--http-port=8080"]}
---
apiVersion: v1
kind: Service
metadata: {name: echo}
spec:
  type: NodePort
  selector: {app: echo}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: echo-lb}
spec:
  type: LoadBalancer
  selector: {app: echo}
  ports: [{port: 80, targetPort: 8080}]
`;

describe('kube-proxy on a 2-node cluster without a LoadBalancer pool', () => {
  let c: Cluster;
  let ips: Record<string, string>;
  let nodePort: number;
  let echoName: string;

  const proxyPods = async () => (await pods(c, 'k8s-app=kube-proxy', 'kube-system')).filter((p) => !p.terminating);
  const logsOf = async (pod: string) => c.kubectlOk(['-n', 'kube-system', 'logs', pod]);
  /** Sets `mode` in the ConfigMap's config.conf as `kubectl edit` would. */
  const setMode = async (mode: string) => {
    const cm = await c.kubectlJson(['get', 'configmap', 'kube-proxy', '-n', 'kube-system']);
    cm.data['config.conf'] = cm.data['config.conf'].replace(/^mode: .*$/m, `mode: ${JSON.stringify(mode)}`);
    await c.kubectlOk(['replace', '-f', '-'], { input: JSON.stringify(cm) });
  };
  /** Every node holds kube-proxy rules of `mode` only, and the NodePort answers on every node. */
  const servedIn = async (mode: ProxyMode) => {
    for (const node of NODES) {
      await waitFor(`${node} to move to ${mode} mode`, async () => [await nodeRules(c, node, 'iptables'), await nodeRules(c, node, 'nftables')],
        ([ipt, nft]) => (mode === 'iptables' ? ipt.includes('-A KUBE-SERVICES') && nft === '' : !ipt.includes('KUBE-') && nft.includes('default/echo')),
      { timeoutMs: 60_000, intervalMs: 250 });
      const r = await waitFor(`the NodePort on ${node}`, () => extCurl(c, `http://${ips[node]}:${nodePort}/hostname`, 3), (res) => res.code === 0, { timeoutMs: 30_000 });
      assert.equal(r.body, echoName);
    }
  };

  before(async () => {
    c = await startCluster({ nodes: 2, prefix: PREFIX, extraArgs: ['--lb-pool', ''] });
    ips = await nodeIPs(c);
    await apply(c, BACKEND);
    [{ name: echoName }] = await readyPods(c, 'app=echo', 1);
    nodePort = (await serviceJson(c, 'echo')).spec.ports[0].nodePort;
  });
  after(async () => {
    await c?.down();
  });

  test('one kube-proxy-xxxxx pod per node in kube-system, on the host network', async () => {
    const table = parseTable(await c.kubectlOk(['get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-proxy', '-o', 'wide']));
    assert.equal(table.rows.length, 2);
    for (const row of table.rows) {
      assert.match(row.NAME, /^kube-proxy-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.deepEqual([row.READY, row.STATUS], ['1/1', 'Running']);
      assert.equal(row.IP, ips[row.NODE], `${row.NAME} runs in its node's network namespace`);
    }
    assert.deepEqual(table.rows.map((r) => r.NODE).sort(), NODES);
  });

  test('kubectl -n kube-system logs kube-proxy-xxxxx shows its syncs in klog\'s format', async () => {
    for (const pod of await proxyPods()) {
      const logs = await waitFor(`${pod.name}'s first sync`, () => logsOf(pod.name), (l) => l.includes('"SyncProxyRules complete"'));
      const all = logs.trim().split('\n');
      for (const line of all) assert.match(line, KLOG);
      assert.ok(all.some((l) => l.endsWith('"Using iptables Proxier"')), logs);
      assert.ok(all.some((l) => / "Syncing iptables rules" ipFamily="IPv4" fullSync=true$/.test(l)), logs);
      assert.ok(all.some((l) => / "SyncProxyRules complete" ipFamily="IPv4" elapsed="[\d.]+(µs|ms|s)"$/.test(l)), logs);
    }
  });

  test('kubectl get configmap kube-proxy -n kube-system -o yaml | grep mode shows mode: ""', async () => {
    const yaml = await c.kubectlOk(['get', 'configmap', 'kube-proxy', '-n', 'kube-system', '-o', 'yaml']);
    assert.deepEqual(yaml.split('\n').filter((l) => l.includes('mode')), ['    mode: ""']);
  });

  test('without a pool a LoadBalancer Service stays <pending>, and its NodePort works', async () => {
    await sleep(2000); // time for a controller that would assign an address to do so
    const row = parseTable(await c.kubectlOk(['get', 'svc', 'echo-lb'])).rows[0];
    assert.equal(row['EXTERNAL-IP'], '<pending>');
    const svc = await serviceJson(c, 'echo-lb');
    assert.deepEqual(svc.status.loadBalancer ?? {}, {});
    const r = await extCurl(c, `http://${ips['node-1']}:${svc.spec.ports[0].nodePort}/hostname`);
    assert.equal(r.body, echoName, r.stderr);
  });

  test('mode nftables in the ConfigMap moves every node to nftables and removes the iptables rules', async () => {
    await servedIn('iptables');
    await setMode('nftables');
    await servedIn('nftables');
    for (const pod of await proxyPods()) {
      await waitFor(`${pod.name} to say it uses nftables`, () => logsOf(pod.name), (l) => l.includes('"Using nftables Proxier"'));
    }
  });

  test('mode ipvs is refused with a clear message in the log; the node keeps serving in its mode', async () => {
    await setMode('ipvs');
    for (const pod of await proxyPods()) {
      const logs = await waitFor(`${pod.name} to refuse ipvs`, () => logsOf(pod.name), (l) => /^E.*can't use the IPVS proxier/m.test(l));
      assert.match(logs, /^E.* "Invalid kube-proxy configuration; keeping the current one" err="can't use the IPVS proxier: the kernel has no IPVS support.*" mode="nftables"$/m);
    }
    await servedIn('nftables');
  });

  test('mode "" moves every node back to iptables and removes the nftables table', async () => {
    await setMode('');
    await servedIn('iptables');
  });

  test('a restarted kube-proxy re-applies every rule', async () => {
    const [old] = (await proxyPods()).filter((p) => p.node === 'node-1');
    await c.kubectlOk(['delete', 'pod', '-n', 'kube-system', old.name]);
    const fresh = await waitFor('a new kube-proxy on node-1', async () => (await proxyPods()).find((p) => p.node === 'node-1' && p.name !== old.name && p.ready),
      (p) => !!p, { timeoutMs: 60_000 });
    await waitFor(`${fresh!.name}'s full sync`, () => logsOf(fresh!.name), (l) => / "Syncing iptables rules" ipFamily="IPv4" fullSync=true$/m.test(l));
    await servedIn('iptables');
  });
});
