// Cluster DNS records as the Kubernetes DNS specification (schema 1.1.0) and CoreDNS give them,
// asked from inside a pod with dig and nslookup through kube-dns (10.96.0.10): every record
// type, short and partial names, case, TCP, truncation, EDNS0, Services changing type, and a
// Service created, deleted and re-created answering correctly on the very next query.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import type { Cluster } from './lib/cluster.js';
import { apply, dataOf, dig, podExec, readyPod, readyPods, startDnsCluster, toolboxPod } from './lib/dns.js';
import { waitFor } from './lib/wait.js';

const ZONE = 'cluster.local';
const SOA = `ns.dns.${ZONE}. hostmaster.${ZONE}.`;

const objects = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } },
  {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'backend' },
    spec: {
      replicas: 2, selector: { matchLabels: { app: 'backend' } },
      template: { metadata: { labels: { app: 'backend' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] } },
    },
  },
  {
    apiVersion: 'v1', kind: 'Service', metadata: { name: 'backend' },
    spec: { selector: { app: 'backend' }, ports: [{ name: 'http', port: 80, targetPort: 80 }, { name: 'syslog', port: 514, protocol: 'UDP', targetPort: 514 }] },
  },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'other' }, spec: { ports: [{ port: 8080 }] } },
  // a StatefulSet and its headless governing Service
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] } },
  {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web' },
    spec: {
      serviceName: 'web', replicas: 2, selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ name: 'http', containerPort: 80 }] }] } },
    },
  },
  // a headless Service whose only pod never becomes ready
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'unready' }, spec: { clusterIP: 'None', selector: { app: 'unready' }, ports: [{ port: 80 }] } },
  {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unready', labels: { app: 'unready' } },
    spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'], readinessProbe: { exec: { command: ['false'] }, periodSeconds: 1 } }] },
  },
  // a headless Service with more endpoints than fit in 512 octets
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'many' }, spec: { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] } },
  {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name: 'many-1', labels: { 'kubernetes.io/service-name': 'many' } },
    addressType: 'IPv4', ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    endpoints: Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.244.200.${i + 1}`], conditions: { ready: true } })),
  },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'database' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } },
];

describe('cluster DNS records, from inside a pod', () => {
  let c: Cluster;
  let backendIP: string;

  before(async () => {
    c = await startDnsCluster();
    await apply(c, objects.map((o) => YAML.stringify(o)).join('---\n') + '---\n' + toolboxPod('toolbox'));
    await Promise.all([readyPod(c, 'toolbox'), readyPods(c, 'app=backend', 2), readyPods(c, 'app=web', 2), readyPods(c, 'k8s-app=kube-dns', 2, 'kube-system')]);
    backendIP = (await c.kubectlOk(['get', 'svc', 'backend', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  });
  after(async () => {
    await c?.down();
  });

  test('dns-version.cluster.local TXT is the schema version "1.1.0"', async () => {
    const d = await dig(c, 'toolbox', ['TXT', `dns-version.${ZONE}`]);
    assert.equal(d.status, 'NOERROR');
    assert.deepEqual(dataOf(d, 'TXT'), ['"1.1.0"']);
  });

  test('a ClusterIP Service has an authoritative A record with its ClusterIP and the Corefile\'s TTL', async () => {
    const d = await dig(c, 'toolbox', [`backend.default.svc.${ZONE}`]);
    assert.equal(d.status, 'NOERROR');
    assert.ok(d.flags.includes('aa'), `flags ${d.flags}`);
    assert.deepEqual(d.answer.map((r) => [r.name, r.ttl, r.type, r.data]), [[`backend.default.svc.${ZONE}.`, 30, 'A', backendIP]]);
    assert.match(d.server, /^10\.96\.0\.10#53/);
  });

  test('short and partial names resolve through the pod\'s search path (svc, svc.ns, svc.ns.svc)', async () => {
    for (const name of ['backend', 'backend.default', 'backend.default.svc']) {
      const d = await dig(c, 'toolbox', ['+search', name]);
      assert.deepEqual(d.answer.map((r) => [r.name, r.data]), [[`backend.default.svc.${ZONE}.`, backendIP]], name);
    }
    const otherIP = (await c.kubectlOk(['get', 'svc', '-n', 'other', 'api', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const cross = await dig(c, 'toolbox', ['+search', 'api.other']);
    assert.deepEqual(cross.answer.map((r) => [r.name, r.data]), [[`api.other.svc.${ZONE}.`, otherIP]]);
    // a Service in another namespace is not in this namespace's zone (what the short name `api` tries first)
    assert.equal((await dig(c, 'toolbox', [`api.default.svc.${ZONE}`])).status, 'NXDOMAIN');
  });

  test('names are case-insensitive; the answer keeps the question\'s case', async () => {
    const d = await dig(c, 'toolbox', ['BaCkEnD.DeFaUlT.SVC.Cluster.LOCAL']);
    assert.equal(d.status, 'NOERROR');
    assert.deepEqual(d.answer.map((r) => [r.name, r.data]), [['BaCkEnD.DeFaUlT.SVC.Cluster.LOCAL.', backendIP]]);
  });

  test('a headless Service answers one A record per ready endpoint', async () => {
    const pods = await readyPods(c, 'app=web', 2);
    const d = await dig(c, 'toolbox', [`web.default.svc.${ZONE}`]);
    assert.equal(d.status, 'NOERROR');
    assert.deepEqual(dataOf(d, 'A'), pods.map((p) => p.status!.podIP!).sort());
  });

  test('a headless Service with no ready endpoint is NXDOMAIN', async () => {
    await waitFor('the unready pod in the unready EndpointSlice, not ready', () => c.kubectlJson(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=unready']),
      (l: any) => l.items.some((s: any) => s.endpoints?.some((e: any) => e.conditions?.ready === false)));
    const d = await dig(c, 'toolbox', [`unready.default.svc.${ZONE}`]);
    assert.equal(d.status, 'NXDOMAIN');
    assert.deepEqual(d.authority.map((r) => [r.name, r.type]), [[`${ZONE}.`, 'SOA']]);
  });

  test('StatefulSet pods resolve as <pod>.<service>.<ns>.svc.cluster.local and know that name', async () => {
    const web0 = await readyPod(c, 'web-0');
    const d = await dig(c, 'toolbox', [`web-0.web.default.svc.${ZONE}`]);
    assert.deepEqual(dataOf(d, 'A'), [web0.status!.podIP!]);
    const fqdn = await podExec(c, 'web-0', ['hostname', '-f']);
    assert.equal(fqdn.stdout.trim(), `web-0.web.default.svc.${ZONE}`);
    assert.equal((await dig(c, 'toolbox', [`web-9.web.default.svc.${ZONE}`])).status, 'NXDOMAIN');
  });

  test('SRV records for named ports: a ClusterIP Service, and a headless one with its endpoints\' addresses', async () => {
    const tcp = await dig(c, 'toolbox', ['SRV', `_http._tcp.backend.default.svc.${ZONE}`]);
    assert.deepEqual(dataOf(tcp, 'SRV'), [`0 100 80 backend.default.svc.${ZONE}.`]);
    const udp = await dig(c, 'toolbox', ['SRV', `_syslog._udp.backend.default.svc.${ZONE}`]);
    assert.deepEqual(dataOf(udp, 'SRV'), [`0 100 514 backend.default.svc.${ZONE}.`]);
    assert.equal((await dig(c, 'toolbox', ['SRV', `_syslog._tcp.backend.default.svc.${ZONE}`])).status, 'NXDOMAIN');

    const pods = await readyPods(c, 'app=web', 2);
    const headless = await dig(c, 'toolbox', ['SRV', `_http._tcp.web.default.svc.${ZONE}`]);
    assert.deepEqual(dataOf(headless, 'SRV'), [`0 50 80 web-0.web.default.svc.${ZONE}.`, `0 50 80 web-1.web.default.svc.${ZONE}.`]);
    const byName = Object.fromEntries(pods.map((p) => [`${p.metadata.name}.web.default.svc.${ZONE}.`, p.status!.podIP!]));
    assert.deepEqual(Object.fromEntries(headless.additional.filter((r) => r.type === 'A').map((r) => [r.name, r.data])), byName);
  });

  test('PTR records name the Service of a ClusterIP and the endpoint of a headless Service\'s pod IP', async () => {
    const svc = await dig(c, 'toolbox', ['-x', backendIP]);
    assert.deepEqual(dataOf(svc, 'PTR'), [`backend.default.svc.${ZONE}.`]);
    const dns = await dig(c, 'toolbox', ['-x', '10.96.0.10']);
    assert.deepEqual(dataOf(dns, 'PTR'), [`kube-dns.kube-system.svc.${ZONE}.`]);
    const web0 = await readyPod(c, 'web-0');
    const ep = await dig(c, 'toolbox', ['-x', web0.status!.podIP!]);
    const seen = async () => (await c.kubectl(['get', 'pods,endpointslices', '-A', '-o', 'wide'])).stdout;
    assert.deepEqual(dataOf(ep, 'PTR'), [`web-0.web.default.svc.${ZONE}.`], await seen());
  });

  test('an ExternalName Service is a CNAME to its external name', async () => {
    const d = await dig(c, 'toolbox', ['CNAME', `database.default.svc.${ZONE}`]);
    assert.equal(d.status, 'NOERROR');
    assert.deepEqual(d.answer.map((r) => [r.name, r.type, r.data]), [[`database.default.svc.${ZONE}.`, 'CNAME', 'db.example.com.']]);
  });

  test('pod records: a dashed IP in a namespace resolves to that IP (pods insecure)', async () => {
    const toolbox = await readyPod(c, 'toolbox');
    const ip = toolbox.status!.podIP!;
    const d = await dig(c, 'toolbox', [`${ip.replaceAll('.', '-')}.default.pod.${ZONE}`]);
    assert.deepEqual(dataOf(d, 'A'), [ip]);
    assert.equal((await dig(c, 'toolbox', [`${ip.replaceAll('.', '-')}.nosuchns.pod.${ZONE}`])).status, 'NXDOMAIN');
  });

  test('a name that exists without the asked type is NODATA with the zone\'s SOA', async () => {
    for (const [type, name] of [['AAAA', `backend.default.svc.${ZONE}`], ['MX', `backend.default.svc.${ZONE}`], ['TXT', `web-0.web.default.svc.${ZONE}`], ['A', `default.svc.${ZONE}`]]) {
      const d = await dig(c, 'toolbox', [type, name]);
      assert.equal(d.status, 'NOERROR', `${type} ${name}`);
      assert.deepEqual(d.answer, [], `${type} ${name}`);
      assert.deepEqual(d.authority.map((r) => [r.name, r.type, r.data.split(' ').slice(0, 2).join(' ')]), [[`${ZONE}.`, 'SOA', SOA]], `${type} ${name}`);
    }
  });

  test('over TCP the same answers come, with EDNS0', async () => {
    const d = await dig(c, 'toolbox', ['+tcp', `backend.default.svc.${ZONE}`]);
    assert.match(d.server, /\(TCP\)$/);
    assert.deepEqual(dataOf(d, 'A'), [backendIP]);
    assert.match(d.stdout, /EDNS: version: 0, flags:; udp: 1232/);
  });

  test('an answer too big for UDP sets TC; TCP and a large EDNS0 buffer get all of it', async () => {
    const name = `many.default.svc.${ZONE}`;
    const udp = await dig(c, 'toolbox', ['+ignore', '+noedns', name]);
    assert.ok(udp.flags.includes('tc'), `flags ${udp.flags}`);
    assert.ok(udp.answer.length < 60, `${udp.answer.length} answers over UDP`);
    const tcp = await dig(c, 'toolbox', ['+tcp', name]);
    assert.ok(!tcp.flags.includes('tc'));
    assert.equal(dataOf(tcp, 'A').length, 60);
    assert.deepEqual(new Set(dataOf(tcp, 'A')), new Set(Array.from({ length: 60 }, (_, i) => `10.244.200.${i + 1}`)));
    // dig retries over TCP by itself when it sees TC, as resolvers do
    const retried = await dig(c, 'toolbox', ['+noedns', name]);
    assert.equal(dataOf(retried, 'A').length, 60);
    const edns = await dig(c, 'toolbox', ['+ignore', '+bufsize=4096', name]);
    assert.ok(!edns.flags.includes('tc'));
    assert.equal(dataOf(edns, 'A').length, 60);
  });

  test('a Service switching between ClusterIP and ExternalName answers as its current type', async () => {
    const clusterIP = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'switch' }, spec: { type: 'ClusterIP', ports: [{ port: 80 }] } };
    await apply(c, YAML.stringify(clusterIP));
    const ip = (await c.kubectlOk(['get', 'svc', 'switch', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const name = `switch.default.svc.${ZONE}`;
    await waitFor('switch to resolve to its ClusterIP', () => dig(c, 'toolbox', [name]), (d) => dataOf(d, 'A').join() === ip);

    await c.kubectlOk(['patch', 'svc', 'switch', '--type', 'merge', '-p', JSON.stringify({ spec: { type: 'ExternalName', externalName: 'switched.example.org', clusterIP: null, clusterIPs: null, ports: null } })]);
    const cname = await waitFor('switch to become a CNAME', () => dig(c, 'toolbox', ['CNAME', name]), (d) => d.answer.length > 0);
    assert.deepEqual(dataOf(cname, 'CNAME'), ['switched.example.org.']);
    assert.deepEqual(dataOf(await dig(c, 'toolbox', ['SRV', name]), 'SRV'), []);

    await c.kubectlOk(['patch', 'svc', 'switch', '--type', 'merge', '-p', JSON.stringify({ spec: { type: 'ClusterIP', externalName: null, ports: [{ port: 80 }] } })]);
    const back = (await c.kubectlOk(['get', 'svc', 'switch', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const a = await waitFor('switch to be a ClusterIP Service again', () => dig(c, 'toolbox', [name]), (d) => dataOf(d, 'A').join() === back);
    assert.deepEqual(dataOf(a, 'CNAME'), []);
    assert.equal((await dig(c, 'toolbox', ['CNAME', name])).answer.length, 0);
  });

  test('a Service created, deleted and re-created is answered correctly on the very next query (no stale NXDOMAIN)', async () => {
    // Each coredns pod is asked directly: once its SRV answer shows it has seen a change, the
    // A record (asked before, while it was NXDOMAIN) must follow at once: nothing negative is cached.
    const dnsPods = (await readyPods(c, 'k8s-app=kube-dns', 2, 'kube-system')).map((p) => p.status!.podIP!);
    const name = `late.default.svc.${ZONE}`;
    const srv = `_http._tcp.${name}`;
    const service = YAML.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'late' }, spec: { ports: [{ name: 'http', port: 80 }] } });
    for (const server of dnsPods) {
      for (let i = 0; i < 2; i++) assert.equal((await dig(c, 'toolbox', [`@${server}`, name])).status, 'NXDOMAIN');
    }
    const seenBy = (server: string, present: boolean) => waitFor(`${server} to ${present ? 'see' : 'forget'} late`,
      () => dig(c, 'toolbox', [`@${server}`, 'SRV', srv]), (d) => (d.status === 'NOERROR') === present);

    await apply(c, service);
    const first = (await c.kubectlOk(['get', 'svc', 'late', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    for (const server of dnsPods) {
      await seenBy(server, true);
      assert.deepEqual(dataOf(await dig(c, 'toolbox', [`@${server}`, name]), 'A'), [first], `created, asked ${server}`);
    }
    await c.kubectlOk(['delete', 'svc', 'late']);
    for (const server of dnsPods) {
      await seenBy(server, false);
      assert.equal((await dig(c, 'toolbox', [`@${server}`, name])).status, 'NXDOMAIN', `deleted, asked ${server}`);
    }
    await apply(c, service);
    const second = (await c.kubectlOk(['get', 'svc', 'late', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    for (const server of dnsPods) {
      await seenBy(server, true);
      assert.deepEqual(dataOf(await dig(c, 'toolbox', [`@${server}`, name]), 'A'), [second], `re-created, asked ${server}`);
    }
    // and through kube-dns, with the search path, as an application asks
    const viaService = await dig(c, 'toolbox', ['+search', 'late']);
    assert.deepEqual(dataOf(viaService, 'A'), [second]);
  });

  test('nslookup (busybox) finds Services by short name, and reports NXDOMAIN for the rest of the search path', async () => {
    const r = await podExec(c, 'toolbox', ['nslookup', 'backend']);
    assert.match(r.stdout, /^Server:\s+10\.96\.0\.10$/m);
    assert.match(r.stdout, new RegExp(`^Name:\\s+backend\\.default\\.svc\\.cluster\\.local\\nAddress: ${backendIP.replaceAll('.', '\\.')}$`, 'm'));
    const missing = await podExec(c, 'toolbox', ['nslookup', `nosuch.default.svc.${ZONE}`]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stdout, /\*\* server can't find nosuch\.default\.svc\.cluster\.local: NXDOMAIN/);
  });
});
