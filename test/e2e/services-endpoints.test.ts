// Endpoints and EndpointSlices as upstream's controllers write them, on a real 3-node cluster:
// ready and not-ready pods, terminating pods, named targetPorts resolved per pod, more than 100
// endpoints, labels and owners, publishNotReadyAddresses, the last-change-trigger-time
// annotation; and a deleted pod leaving Endpoints, EndpointSlices and every node's rules, with no
// connection reaching it afterwards although it still serves.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from './lib/cluster.js';
import { parseTable } from './lib/table.js';
import { waitFor } from './lib/wait.js';
import {
  apply, iptablesChain, mentions, nodeExecOk, podCurl, pods, PREFIX, readyPods, serviceJson, tally, waitRules, type PodInfo,
} from './lib/services.js';

const AGNHOST = 'registry.k8s.io/e2e-test-images/agnhost:2.47';
const NODES = ['node-1', 'node-2', 'node-3'];
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
const SERVICE_NAME = 'kubernetes.io/service-name';

/** A netexec pod whose readiness probe asks readinessPort (nothing listens on another port: never ready). */
const netexecPod = (name: string, labels: string, port: number, portName: string, readinessPath: string, readinessPort = port) => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {${labels}}}
spec:
  containers:
  - name: netexec
    image: ${AGNHOST}
    args: ["netexec", "--http-port=${port}"]
    ports: [{name: ${portName}, containerPort: ${port}}]
    readinessProbe: {httpGet: {path: ${readinessPath}, port: ${readinessPort}}, periodSeconds: 1}
---`;

const MANIFEST = `
${netexecPod('ready', 'app: probe', 8080, 'http', '/healthz')}
${netexecPod('unready', 'app: probe', 8080, 'http', '/healthz', 9999)}
${netexecPod('named-a', 'app: named', 8080, 'web', '/healthz')}
${netexecPod('named-b', 'app: named', 9090, 'web', '/healthz')}
apiVersion: v1
kind: Pod
metadata: {name: client, labels: {role: client}}
spec:
  containers:
  - {name: curl, image: "curlimages/curl:8.10.1", command: ["sleep", "3600"]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: linger}
spec:
  replicas: 3
  selector: {matchLabels: {app: linger}}
  template:
    metadata: {labels: {app: linger}}
    spec:
      terminationGracePeriodSeconds: 30
      containers:
      - {name: serve-hostname, image: "${AGNHOST}", args: ["serve-hostname"], ports: [{containerPort: 9376}]}
---
apiVersion: v1
kind: Service
metadata: {name: probe, labels: {tier: backend}}
spec:
  selector: {app: probe}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: probe-all}
spec:
  publishNotReadyAddresses: true
  selector: {app: probe}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: named}
spec:
  selector: {app: named}
  ports: [{port: 80, targetPort: web}]
---
apiVersion: v1
kind: Service
metadata: {name: linger}
spec:
  selector: {app: linger}
  ports: [{port: 80, targetPort: 9376}]
`;

const MANY = 101;
const MANY_MANIFEST = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: many}
spec:
  replicas: ${MANY}
  selector: {matchLabels: {app: many}}
  template:
    metadata: {labels: {app: many}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: sleep, image: busybox, command: ["sleep", "3600"]}
---
apiVersion: v1
kind: Service
metadata: {name: many}
spec:
  selector: {app: many}
  ports: [{port: 80}]
`;

async function endpoints(c: Cluster, name: string): Promise<any> {
  return c.kubectlJson(['get', 'endpoints', name]);
}

async function slices(c: Cluster, service: string): Promise<any[]> {
  return (await c.kubectlJson<{ items: any[] }>(['get', 'endpointslices', '-l', `${SERVICE_NAME}=${service}`])).items;
}

const ipsOf = (list: { ip: string }[] | undefined): string[] => (list ?? []).map((a) => a.ip).sort();

describe('Endpoints and EndpointSlices, on a 3-node cluster', () => {
  let c: Cluster;
  let ready: PodInfo;
  let unready: PodInfo;
  before(async () => {
    c = await startCluster({ nodes: 3, prefix: PREFIX });
    await apply(c, MANIFEST);
    await readyPods(c, 'app=linger', 3);
    await readyPods(c, 'app=named', 2);
    // The unready pod runs but never passes its readiness probe.
    const probe = await waitFor('the probe pods running with IPs', () => pods(c, 'app=probe'), (ps) => ps.length === 2 && ps.every((p) => p.ip) && ps.some((p) => p.ready));
    ready = probe.find((p) => p.name === 'ready')!;
    unready = probe.find((p) => p.name === 'unready')!;
    await readyPods(c, 'role=client', 1);
  });
  after(async () => {
    await c?.down();
  });

  test('a pod failing its readiness probe is a notReadyAddress and a not-ready, not-serving endpoint; traffic goes only to the ready one', async () => {
    assert.equal(unready.ready, false);
    const ep = await waitFor('the probe Endpoints', () => endpoints(c, 'probe'), (e) => e.subsets?.length === 1 && e.subsets[0].notReadyAddresses?.length === 1);
    assert.deepEqual(ipsOf(ep.subsets[0].addresses), [ready.ip]);
    assert.deepEqual(ipsOf(ep.subsets[0].notReadyAddresses), [unready.ip]);
    assert.deepEqual(ep.subsets[0].ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.deepEqual(ep.subsets[0].notReadyAddresses[0].targetRef, { kind: 'Pod', namespace: 'default', name: 'unready', uid: ep.subsets[0].notReadyAddresses[0].targetRef.uid });
    assert.equal(parseTable(await c.kubectlOk(['get', 'endpoints', 'probe'])).rows[0].ENDPOINTS, `${ready.ip}:8080`);

    const [slice] = await slices(c, 'probe');
    const byIP = Object.fromEntries(slice.endpoints.map((e: any) => [e.addresses[0], e]));
    assert.deepEqual(byIP[ready.ip].conditions, { ready: true, serving: true, terminating: false });
    assert.deepEqual(byIP[unready.ip].conditions, { ready: false, serving: false, terminating: false });
    assert.equal(byIP[ready.ip].nodeName, ready.node);
    assert.deepEqual(slice.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);

    const ip = (await serviceJson(c, 'probe')).spec.clusterIP;
    await waitRules(c, NODES, 'iptables', 'the ready probe endpoint', (rules) => mentions(rules, ready.ip));
    const r = await c.kubectl(['exec', 'client', '--', 'curl', '-sS', '-H', 'Connection: close', '-w', '\\n', `http://${ip}/hostname?i=[1-20]`]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([...tally(r.stdout.trim().split('\n'))], [['ready', 20]]);
  });

  test('publishNotReadyAddresses lists every pod as ready', async () => {
    const ep = await waitFor('the probe-all Endpoints', () => endpoints(c, 'probe-all'), (e) => ipsOf(e.subsets?.[0]?.addresses).length === 2);
    assert.deepEqual(ipsOf(ep.subsets[0].addresses), [ready.ip, unready.ip].sort());
    assert.equal(ep.subsets[0].notReadyAddresses, undefined);
    const [slice] = await slices(c, 'probe-all');
    for (const e of slice.endpoints) assert.deepEqual(e.conditions, { ready: true, serving: true, terminating: false }, e.addresses[0]);
  });

  test('slices carry upstream\'s labels and owner, Endpoints the Service\'s labels, both the last-change-trigger-time', async () => {
    const svc = await serviceJson(c, 'probe');
    const [slice] = await slices(c, 'probe');
    assert.match(slice.metadata.name, /^probe-[a-z0-9]{5}$/);
    assert.equal(slice.addressType, 'IPv4');
    assert.equal(slice.metadata.labels[SERVICE_NAME], 'probe');
    assert.equal(slice.metadata.labels[MANAGED_BY], 'endpointslice-controller.k8s.io');
    assert.equal(slice.metadata.labels.tier, 'backend');
    assert.deepEqual(slice.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'probe', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    const ep = await endpoints(c, 'probe');
    assert.equal(ep.metadata.labels.tier, 'backend');
    const created = Date.parse(svc.metadata.creationTimestamp);
    for (const [what, obj] of [['Endpoints', ep], ['EndpointSlice', slice]]) {
      const at = obj.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time'];
      assert.match(at ?? '', RFC3339, `${what}: ${at}`);
      assert.ok(Date.parse(at) >= created && Date.parse(at) <= Date.now(), `${what}: ${at} is not between the Service's creation ${svc.metadata.creationTimestamp} and now`);
    }
  });

  test('a named targetPort resolves per pod: two pods naming the port differently get one subset and one slice each, both serve', async () => {
    const a = (await pods(c, 'app=named')).find((p) => p.name === 'named-a')!;
    const b = (await pods(c, 'app=named')).find((p) => p.name === 'named-b')!;
    const ep = await waitFor('two subsets for named', () => endpoints(c, 'named'), (e) => e.subsets?.length === 2);
    const subsets = ep.subsets.map((s: any) => [ipsOf(s.addresses), s.ports.map((p: any) => p.port)]).sort((x: any, y: any) => x[1][0] - y[1][0]);
    assert.deepEqual(subsets, [[[a.ip], [8080]], [[b.ip], [9090]]]);
    assert.deepEqual(parseTable(await c.kubectlOk(['get', 'endpoints', 'named'])).rows[0].ENDPOINTS.split(',').sort(), [`${a.ip}:8080`, `${b.ip}:9090`].sort());
    const byPort = (await slices(c, 'named')).map((s) => [s.ports.map((p: any) => p.port), s.endpoints.map((e: any) => e.addresses[0])]).sort((x, y) => x[0][0] - y[0][0]);
    assert.deepEqual(byPort, [[[8080], [a.ip]], [[9090], [b.ip]]]);
    const ip = (await serviceJson(c, 'named')).spec.clusterIP;
    await waitRules(c, NODES, 'iptables', 'both named endpoints', (rules) => rules.includes(`--to-destination ${a.ip}:8080`) && rules.includes(`--to-destination ${b.ip}:9090`));
    const r = await c.kubectl(['exec', 'client', '--', 'curl', '-sS', '-H', 'Connection: close', '-w', '\\n', `http://${ip}/hostname?i=[1-40]`]);
    assert.deepEqual([...tally(r.stdout.trim().split('\n')).keys()].sort(), ['named-a', 'named-b'], r.stderr);
  });

  test('a terminating pod leaves Endpoints, EndpointSlices mark it terminating, every node\'s rules drop it, no connection reaches it, its replacement appears', async () => {
    const before = await readyPods(c, 'app=linger', 3);
    const svcIP = (await serviceJson(c, 'linger')).spec.clusterIP;
    await waitRules(c, NODES, 'iptables', 'the linger endpoints', (rules) => before.every((p) => mentions(rules, p.ip)));
    const victim = before[0];
    await c.kubectlOk(['delete', 'pod', victim.name, '--wait=false']);
    try {
      const slice = await waitFor('the slice to mark the pod terminating', async () => (await slices(c, 'linger')).flatMap((s) => s.endpoints)
        .find((e: any) => e.addresses[0] === victim.ip), (e) => e?.conditions?.terminating === true);
      // serve-hostname keeps serving during its grace period: serving, not ready.
      assert.deepEqual(slice.conditions, { ready: false, serving: true, terminating: true });
      // Endpoints leave terminating pods out altogether.
      await waitFor(`the Endpoints to drop ${victim.ip}`, async () => (await endpoints(c, 'linger')).subsets.flatMap((s: any) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])]).map((a: any) => a.ip),
        (listed: string[]) => !listed.includes(victim.ip));
      await waitRules(c, NODES, 'iptables', `${victim.ip} to leave the rules`, (rules) => !mentions(rules, victim.ip));

      // It still answers on its own address, but not one connection through the Service reaches it.
      const direct = await podCurl(c, 'client', `http://${victim.ip}:9376/`);
      assert.equal(direct.body, victim.name, `the terminating pod no longer serves: ${direct.stderr}`);
      const r = await c.kubectl(['exec', 'client', '--', 'curl', '-sS', '-H', 'Connection: close', '-w', '\\n', `http://${svcIP}/?i=[1-60]`]);
      assert.equal(r.code, 0, r.stderr);
      const answered = tally(r.stdout.trim().split('\n'));
      assert.ok(!answered.has(victim.name), `the deleted pod answered: ${JSON.stringify([...answered])}`);

      const now = await waitFor('a replacement pod', () => pods(c, 'app=linger'), (ps) => ps.filter((p) => !p.terminating && p.ready).length === 3);
      const replacement = now.find((p) => !p.terminating && !before.some((b) => b.name === p.name))!;
      await waitFor('the replacement in Endpoints', () => endpoints(c, 'linger'), (e) => e.subsets?.some((s: any) => ipsOf(s.addresses).includes(replacement.ip)));
      await waitRules(c, NODES, 'iptables', `the replacement ${replacement.ip} in the rules`, (rules) => mentions(rules, replacement.ip));
    } finally {
      // serve-hostname stops when its grace period ends: the pod then goes for good (a forced
      // deletion would leave its container to outlive the cluster).
      await waitFor('the deleted pod to go', () => pods(c, 'app=linger'), (ps) => !ps.some((p) => p.name === victim.name), { timeoutMs: 120_000, intervalMs: 1000 });
    }
    await waitFor('the deleted pod to leave the slices', async () => (await slices(c, 'linger')).flatMap((s) => s.endpoints.map((e: any) => e.addresses[0])),
      (ips) => !ips.includes(victim.ip));
  });

  test(`${MANY} endpoints are split into slices of at most 100, every node balances over all of them`, async () => {
    await apply(c, MANY_MANIFEST);
    try {
      const all = await readyPods(c, 'app=many', MANY);
      const want = all.map((p) => p.ip).sort();
      // What was last seen, compactly: each slice's size, and the addresses missing or extra.
      await waitFor(`${MANY} ready endpoints in the many slices`, async () => {
        const ss = await slices(c, 'many');
        const ips = ss.flatMap((s) => (s.endpoints ?? []).filter((e: any) => e.conditions.ready).map((e: any) => e.addresses[0]));
        return {
          slices: ss.map((s) => `${s.metadata.name}: ${s.endpoints?.length ?? 0}`),
          missing: want.filter((ip) => !ips.includes(ip)),
          extra: ips.filter((ip) => !want.includes(ip)),
          duplicates: ips.length - new Set(ips).size,
        };
      }, (v) => v.missing.length === 0 && v.extra.length === 0 && v.duplicates === 0, { timeoutMs: 120_000 });
      const got = await slices(c, 'many');
      assert.ok(got.length >= 2, `${got.length} slice(s)`);
      for (const s of got) {
        assert.ok(s.endpoints.length <= 100, `${s.metadata.name} holds ${s.endpoints.length}`);
        assert.equal(s.metadata.labels[MANAGED_BY], 'endpointslice-controller.k8s.io');
      }
      assert.deepEqual(got.flatMap((s) => s.endpoints.map((e: any) => e.addresses[0])).sort(), want);
      const ep = await endpoints(c, 'many');
      assert.deepEqual(ipsOf(ep.subsets[0].addresses), want);
      assert.match(parseTable(await c.kubectlOk(['get', 'endpoints', 'many'])).rows[0].ENDPOINTS, /^(\d+\.){3}\d+:80,(\d+\.){3}\d+:80,(\d+\.){3}\d+:80 \+ 98 more\.\.\.$/);
      const chain = iptablesChain('SVC', 'default/many');
      await waitRules(c, NODES, 'iptables', `${MANY} endpoints of many`, (rules) => rules.split('\n').filter((l) => l.startsWith(`-A ${chain} `) && l.includes('-j KUBE-SEP-')).length === MANY);
      const listed = (await nodeExecOk(c, 'node-1', ['iptables', '-t', 'nat', '-L', chain, '-n'])).split('\n').filter((l) => l.startsWith('KUBE-SEP-'));
      assert.equal(listed.length, MANY);
      assert.match(listed[0], /statistic mode random probability 0\.00990098994$/);
      assert.doesNotMatch(listed.at(-1)!, /statistic/);
    } finally {
      await c.kubectl(['delete', '-f', '-'], { input: MANY_MANIFEST });
      await waitFor('the many pods to go', () => pods(c, 'app=many'), (ps) => ps.length === 0, { timeoutMs: 180_000, intervalMs: 1000 });
    }
    await waitRules(c, NODES, 'iptables', 'the rules of default/many to go', (rules) => !rules.includes('default/many'));
  });
});
