// The cluster DNS service as a whole: forwarding names outside the cluster to the ConfigMap's
// upstream (a resolver this test runs in a pod) with a cache, a Corefile change applied without a
// restart, no forwarding for clients outside the cluster, readiness only after the caches synced,
// CoreDNS's metrics on :9153, and bad packets sent to the real kube-dns address from a pod.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import type { Cluster } from './lib/cluster.js';
import {
  apply, corednsRestarts, corefileForwardingTo, dataOf, dig, parseDig, podExec, probe, readyPod, readyPods, setCorefile, startDnsCluster,
  toolboxPod, upstreamLog, upstreamPod,
} from './lib/dns.js';
import type { ProbeReport } from './lib/dns-probe.js';
import { run } from './lib/process.js';
import { waitFor } from './lib/wait.js';

const A_RECORDS = { 'www.example.test': '198.51.100.1', 'cached.example.test': '198.51.100.2', 'later.example.test': '198.51.100.3' };
const B_RECORDS = { 'www.example.test': '198.51.100.11', 'later.example.test': '198.51.100.13' };

describe('the kube-dns service', () => {
  let c: Cluster;
  let upstreamA: string;
  let upstreamB: string;
  let dnsPods: { name: string; ip: string; node: string }[];

  const corednsPods = async () => (await readyPods(c, 'k8s-app=kube-dns', 2, 'kube-system'))
    .map((p) => ({ name: p.metadata.name, ip: p.status!.podIP!, node: p.spec!.nodeName! }));

  before(async () => {
    c = await startDnsCluster();
    await apply(c, [upstreamPod('upstream-a', A_RECORDS), upstreamPod('upstream-b', B_RECORDS), toolboxPod('toolbox'),
      YAML.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'backend' }, spec: { ports: [{ port: 80 }] } })].join('---\n'));
    upstreamA = (await readyPod(c, 'upstream-a')).status!.podIP!;
    upstreamB = (await readyPod(c, 'upstream-b')).status!.podIP!;
    await readyPod(c, 'toolbox');
    await setCorefile(c, corefileForwardingTo(upstreamA));
    dnsPods = await corednsPods();
    for (const p of dnsPods) {
      await waitFor(`${p.name} to forward to upstream-a`, () => dig(c, 'toolbox', [`@${p.ip}`, 'www.example.test']), (d) => dataOf(d, 'A').join() === A_RECORDS['www.example.test']);
    }
  });
  after(async () => {
    await c?.down();
  });

  test('names outside the cluster are forwarded to the ConfigMap\'s upstream, and cached', async () => {
    for (const p of dnsPods) {
      const first = await dig(c, 'toolbox', [`@${p.ip}`, 'cached.example.test']);
      assert.deepEqual(dataOf(first, 'A'), ['198.51.100.2']);
      const second = await dig(c, 'toolbox', [`@${p.ip}`, 'cached.example.test']);
      assert.deepEqual(dataOf(second, 'A'), ['198.51.100.2']);
      assert.ok(second.answer[0].ttl <= 30, `TTL ${second.answer[0].ttl} is capped by "cache 30"`);
    }
    // each coredns pod asked upstream once; its second answer came from its cache
    assert.equal((await upstreamLog(c, 'upstream-a')).filter((q) => q === 'cached.example.test. A').length, dnsPods.length);
    const missing = await dig(c, 'toolbox', ['nosuch.example.test']);
    assert.equal(missing.status, 'NXDOMAIN');
    assert.deepEqual(missing.authority.map((r) => [r.name, r.type]), [['test.', 'SOA']]);
  });

  test('a pod resolves an outside name through its search path and ndots:5', async () => {
    // getaddrinfo, as applications resolve: the search path first (answered NXDOMAIN by the cluster zone), then the name as is
    const r = await podExec(c, 'toolbox', ['node', '-e', 'require("dns").lookup("www.example.test", { family: 4 }, (e, a) => console.log(e ? e.code : a))']);
    assert.equal(r.stdout.trim(), A_RECORDS['www.example.test']);
    // the search path was tried first: upstream saw none of the cluster's own names
    assert.ok(!(await upstreamLog(c, 'upstream-a')).some((q) => q.includes('cluster.local')));
  });

  test('a Corefile change in the ConfigMap applies without restarting the coredns pods', async () => {
    const restarts = await corednsRestarts(c);
    try {
      await setCorefile(c, corefileForwardingTo(upstreamB, { ttl: 10 }));
      for (const p of dnsPods) {
        // the cluster zone's TTL shows when this pod runs the new Corefile
        await waitFor(`${p.name} to run the new Corefile`, () => dig(c, 'toolbox', [`@${p.ip}`, 'backend.default.svc.cluster.local']), (d) => d.answer[0]?.ttl === 10);
        assert.deepEqual(dataOf(await dig(c, 'toolbox', [`@${p.ip}`, 'later.example.test']), 'A'), [B_RECORDS['later.example.test']], p.name);
        // nothing the old upstream said lingers in the cache
        assert.deepEqual(dataOf(await dig(c, 'toolbox', [`@${p.ip}`, 'www.example.test']), 'A'), [B_RECORDS['www.example.test']], p.name);
      }
      assert.ok(!(await upstreamLog(c, 'upstream-a')).includes('later.example.test. A'), 'the old upstream is no longer asked');
      assert.deepEqual(await corednsRestarts(c), restarts);
      assert.match(await c.kubectlOk(['logs', '-n', 'kube-system', dnsPods[0].name]), /\[INFO\] Reloading complete/);

      // a broken Corefile is refused and the running one stays
      await setCorefile(c, 'this is { not a Corefile');
      await waitFor('coredns to report the broken Corefile', () => c.kubectlOk(['logs', '-n', 'kube-system', dnsPods[0].name]), (l) => /Corefile changes not applied/.test(l));
      assert.equal((await dig(c, 'toolbox', [`@${dnsPods[0].ip}`, 'backend.default.svc.cluster.local'])).answer[0]?.ttl, 10);
      assert.deepEqual(await corednsRestarts(c), restarts);
    } finally {
      await setCorefile(c, corefileForwardingTo(upstreamA));
    }
  });

  test('pods verified: pod names answer only for pods that exist (the pods watch starts with the Corefile)', async () => {
    const toolboxIP = (await readyPod(c, 'toolbox')).status!.podIP!;
    const dashed = (ip: string) => `${ip.replaceAll('.', '-')}.default.pod.cluster.local`;
    const unused = '10-244-250-250.default.pod.cluster.local';
    assert.equal((await dig(c, 'toolbox', [unused])).status, 'NOERROR', 'pods insecure answers any dashed IP');
    try {
      await setCorefile(c, corefileForwardingTo(upstreamA, { pods: 'verified' }));
      for (const p of dnsPods) {
        await waitFor(`${p.name} to verify pods`, () => dig(c, 'toolbox', [`@${p.ip}`, unused]), (d) => d.status === 'NXDOMAIN');
        assert.deepEqual(dataOf(await dig(c, 'toolbox', [`@${p.ip}`, dashed(toolboxIP)]), 'A'), [toolboxIP], p.name);
        assert.equal((await dig(c, 'toolbox', [`@${p.ip}`, dashed(toolboxIP).replace('.default.', '.other.')])).status, 'NXDOMAIN', 'not in that namespace');
      }
    } finally {
      await setCorefile(c, corefileForwardingTo(upstreamA));
    }
    for (const p of dnsPods) {
      await waitFor(`${p.name} back to pods insecure`, () => dig(c, 'toolbox', [`@${p.ip}`, unused]), (d) => d.status === 'NOERROR');
    }
  });

  test('clients outside the cluster get cluster names but no forwarding (no open resolver)', async () => {
    // kube-dns exposed on a NodePort that keeps the client's address (externalTrafficPolicy Local)
    await apply(c, YAML.stringify({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'dns-outside', namespace: 'kube-system' },
      spec: { type: 'NodePort', externalTrafficPolicy: 'Local', selector: { 'k8s-app': 'kube-dns' }, ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }] },
    }));
    const nodePort = (await c.kubectlOk(['get', 'svc', '-n', 'kube-system', 'dns-outside', '-o', 'jsonpath={.spec.ports[0].nodePort}'])).trim();
    const nodes = await c.kubectlJson<{ items: { metadata: { name: string }; status: { addresses: { type: string; address: string }[] } }[] }>(['get', 'nodes']);
    const node = nodes.items.find((n) => n.metadata.name === dnsPods[0].node)!;
    const nodeIP = node.status.addresses.find((a) => a.type === 'InternalIP')!.address;
    const outside = async (name: string) => {
      const r = await run('ip', ['netns', 'exec', `knit-${c.name}-ext`, 'dig', '+tries=1', '+time=5', `@${nodeIP}`, '-p', nodePort, name], { timeoutMs: 30_000 });
      return parseDig(r.stdout);
    };
    const cluster = await waitFor('the NodePort to answer the external client', () => outside('kubernetes.default.svc.cluster.local'), (d) => d.status === 'NOERROR');
    assert.deepEqual(dataOf(cluster, 'A'), ['10.96.0.1']);
    const external = await outside('www.example.test');
    assert.equal(external.status, 'REFUSED');
  });

  test('coredns pods are Ready only once their caches synced: a Ready pod answers at once', async () => {
    for (const p of dnsPods) {
      assert.equal((await podExec(c, 'toolbox', ['wget', '-qO-', `http://${p.ip}:8181/ready`])).stdout, 'OK');
      assert.equal((await podExec(c, 'toolbox', ['wget', '-qO-', `http://${p.ip}:8080/health`])).stdout, 'OK');
    }
    const restarts = await corednsRestarts(c);
    const gone = dnsPods[0];
    await c.kubectlOk(['delete', 'pod', '-n', 'kube-system', gone.name, '--wait=false']);
    // the replacement: asked the moment it is Ready, it knows every Service
    const replacement = await waitFor('a Ready replacement coredns pod', async () =>
      (await c.kubectlJson<{ items: any[] }>(['get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-dns'])).items
        .find((p) => !(p.metadata.name in restarts) && p.status?.conditions?.some((k: any) => k.type === 'Ready' && k.status === 'True')),
    (p) => p !== undefined, { timeoutMs: 120_000, intervalMs: 100 });
    const d = await dig(c, 'toolbox', [`@${replacement.status.podIP}`, 'backend.default.svc.cluster.local']);
    assert.equal(d.status, 'NOERROR');
    assert.equal(dataOf(d, 'A').length, 1);
    const logs = await c.kubectlOk(['logs', '-n', 'kube-system', replacement.metadata.name]);
    assert.match(logs, /plugin\/kubernetes: caches synced/);
    dnsPods = await corednsPods();
  });

  test('the metrics port 9153 answers with CoreDNS\'s metric names', async () => {
    const viaService = await podExec(c, 'toolbox', ['wget', '-qO-', 'http://kube-dns.kube-system.svc.cluster.local:9153/metrics']);
    assert.match(viaService.stdout, /^# TYPE coredns_dns_requests_total counter$/m, viaService.stderr);
    for (const p of dnsPods) {
      // a cluster name, and an outside name twice (a cache miss, then a hit)
      await dig(c, 'toolbox', [`@${p.ip}`, 'backend.default.svc.cluster.local']);
      for (let i = 0; i < 2; i++) await dig(c, 'toolbox', [`@${p.ip}`, 'www.example.test']);
      const metrics = (await podExec(c, 'toolbox', ['wget', '-qO-', `http://${p.ip}:9153/metrics`])).stdout;
      for (const [name, type] of [['coredns_dns_requests_total', 'counter'], ['coredns_dns_responses_total', 'counter'], ['coredns_dns_request_duration_seconds', 'histogram'],
        ['coredns_dns_request_size_bytes', 'histogram'], ['coredns_dns_response_size_bytes', 'histogram'], ['coredns_cache_entries', 'gauge'],
        ['coredns_cache_hits_total', 'counter'], ['coredns_cache_misses_total', 'counter'], ['coredns_proxy_request_duration_seconds', 'histogram'],
        ['coredns_plugin_enabled', 'gauge'], ['coredns_reload_failed_total', 'counter'], ['coredns_panics_total', 'counter']]) {
        assert.match(metrics, new RegExp(`^# TYPE ${name} ${type}$`, 'm'), `${p.name}: ${name}`);
      }
      assert.match(metrics, /^coredns_dns_requests_total\{server="dns:\/\/:53",zone="\.",view="",proto="udp",family="1",type="A"\} [1-9]\d*$/m);
      assert.match(metrics, /^coredns_dns_responses_total\{server="dns:\/\/:53",zone="\.",view="",rcode="NOERROR",plugin="kubernetes"\} [1-9]\d*$/m);
      assert.match(metrics, /^coredns_cache_hits_total\{server="dns:\/\/:53",type="success",zones="\.",view=""\} [1-9]\d*$/m);
      assert.match(metrics, new RegExp(`^coredns_proxy_request_duration_seconds_count\\{proxy_name="forward",to="${upstreamA.replaceAll('.', '\\.')}:53",rcode="NOERROR"\\} [1-9]\\d*$`, 'm'));
      assert.match(metrics, /^coredns_panics_total 0$/m);
    }
  });

  test('bad packets sent to kube-dns from a pod get FORMERR, NOTIMP, REFUSED or nothing, and never crash it', async () => {
    const restarts = await corednsRestarts(c);
    const report = await probe<ProbeReport>(c, 'toolbox', '10.96.0.10');
    assert.deepEqual(report.cases, {
      'shorter than a header': null,
      'a response, not a query': null,
      'question cut short': 'FORMERR',
      'label running past the end': 'FORMERR',
      'compression pointer loop': 'FORMERR',
      'two questions': 'FORMERR',
      'opcode STATUS': 'NOTIMP',
      'opcode NOTIFY': 'NOTIMP',
      'opcode UPDATE': 'NOTIMP',
      'class CHAOS': 'REFUSED',
      'class 77': 'REFUSED',
      'unknown type 65280': 'NOERROR',
      'EDNS version 1': 'BADVERS',
      'oversize query over UDP': 'REFUSED',
      'oversize query over TCP': 'REFUSED',
    });
    assert.equal(report.badReplies, 0);
    assert.deepEqual(report.after, { rcode: 'NOERROR', addresses: ['10.96.0.1'] });
    assert.deepEqual(await corednsRestarts(c), restarts);
  });
});
