// The seeds' Services hands-on, verbatim, on a real 3-node cluster: apply the backend and frontend,
// `kubectl exec deploy/web -- curl -s http://api`, `curl http://localhost:30080`, the Endpoints and
// EndpointSlices kubectl lists, a pod's replacement, Services without selectors; then the host's
// relays for NodePorts (TCP and UDP) following Services as they come and go.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, startCluster, type Cluster } from './lib/cluster.js';
import { run, StreamingProcess } from './lib/process.js';
import { parseTable } from './lib/table.js';
import { waitFor } from './lib/wait.js';
import { apply, extNetns, hostListeners, mentions, pods, PREFIX, readyPods, serviceJson, udpAsk, waitRules } from './lib/services.js';

const BACKEND = fixture('backend-deployment.yaml');
const FRONTEND = fixture('frontend-deployment.yaml');
const NODES = ['node-1', 'node-2', 'node-3'];

/** The seeds' "Services Without Selectors" example, verbatim. */
const EXTERNAL_DB = `apiVersion: v1
kind: Service
metadata:
  name: external-db
spec:
  ports:
  - port: 5432
---
apiVersion: v1
kind: Endpoints
metadata:
  name: external-db        # must match Service name
subsets:
- addresses:
  - ip: 192.168.1.100      # external database IP
  ports:
  - port: 5432
`;

/** The same shape, pointing at a server this test runs in the external-client namespace. */
const OUTSIDE = `apiVersion: v1
kind: Service
metadata: {name: outside}
spec:
  ports:
  - port: 5432
---
apiVersion: v1
kind: Endpoints
metadata: {name: outside}
subsets:
- addresses:
  - ip: 192.168.1.200
  ports:
  - port: 5432
`;

const OUTSIDE_SERVER = `require('http').createServer((q, s) => s.end('hello from outside the cluster\\n')).listen(5432, '192.168.1.200', () => console.log('ready'));`;

/** `curl http://localhost:<port>` from this machine. */
async function hostCurl(port: number): Promise<{ code: number; body: string }> {
  const r = await run('curl', ['-sS', '-m', '5', `http://localhost:${port}/`], { timeoutMs: 20_000 });
  return { code: r.code, body: r.stdout };
}

describe('the seeds\' Services hands-on, on a 3-node cluster', () => {
  let c: Cluster;
  let outside: StreamingProcess | undefined;
  before(async () => {
    c = await startCluster({ nodes: 3, prefix: PREFIX });
  });
  after(async () => {
    await outside?.stop();
    await c?.down();
  });

  test('kubectl apply -f backend-deployment.yaml, frontend-deployment.yaml', async () => {
    assert.equal(await c.kubectlOk(['apply', '-f', BACKEND]), 'deployment.apps/api created\nservice/api created\n');
    assert.equal(await c.kubectlOk(['apply', '-f', FRONTEND]), 'deployment.apps/web created\nservice/web created\n');
    await readyPods(c, 'app=api', 2);
    await readyPods(c, 'app=web', 2);
    const svc = parseTable(await c.kubectlOk(['get', 'svc'])).rows;
    assert.deepEqual(svc.filter((r) => r.NAME !== 'kubernetes').map((r) => [r.NAME, r.TYPE, r['EXTERNAL-IP'], r['PORT(S)']]),
      [['api', 'ClusterIP', '<none>', '80/TCP'], ['web', 'NodePort', '<none>', '80:30080/TCP']]);
  });

  test('kubectl exec deploy/web -- curl -s http://api prints Hello from the API', async () => {
    // Right after the pods turn ready every node may still be programming: a bounded wait.
    const r = await waitFor('the frontend to reach the backend', () => c.kubectl(['exec', 'deploy/web', '--', 'curl', '-s', 'http://api']),
      (res) => res.code === 0, { timeoutMs: 30_000, intervalMs: 250 });
    assert.equal(r.stdout, 'Hello from the API\n');
    for (let i = 0; i < 5; i++) assert.equal(await c.kubectlOk(['exec', 'deploy/web', '--', 'curl', '-s', 'http://api']), 'Hello from the API\n');
  });

  test('curl http://localhost:30080 returns nginx\'s page', async () => {
    // NodePorts are relayed by this cluster's control plane (another cluster on this machine could hold the port).
    await waitFor('this cluster to listen on 127.0.0.1:30080', () => hostListeners(30080), (pids) => pids.includes(c.pid()!), { timeoutMs: 30_000 });
    const r = await waitFor('the relay on localhost:30080', () => hostCurl(30080), (res) => res.code === 0, { timeoutMs: 30_000 });
    assert.match(r.body, /<title>Welcome to nginx!<\/title>/);
  });

  test('kubectl get endpoints api and get endpointslices -l kubernetes.io/service-name=api list the pod IPs', async () => {
    const ips = (await pods(c, 'app=api')).map((p) => p.ip);
    const ep = parseTable(await c.kubectlOk(['get', 'endpoints', 'api']));
    assert.deepEqual(ep.header, ['NAME', 'ENDPOINTS', 'AGE']);
    assert.equal(ep.rows.length, 1);
    assert.equal(ep.rows[0].NAME, 'api');
    assert.deepEqual(ep.rows[0].ENDPOINTS.split(',').sort(), ips.map((ip) => `${ip}:5678`).sort());
    const slices = parseTable(await c.kubectlOk(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=api']));
    assert.deepEqual(slices.header, ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE']);
    assert.equal(slices.rows.length, 1);
    assert.match(slices.rows[0].NAME, /^api-[a-z0-9]{5}$/);
    assert.equal(slices.rows[0].ADDRESSTYPE, 'IPv4');
    assert.equal(slices.rows[0].PORTS, '5678');
    assert.deepEqual(slices.rows[0].ENDPOINTS.split(',').sort(), [...ips].sort());
  });

  test('kubectl delete pod: the endpoint list updates, the replacement\'s IP appears', async () => {
    const [first] = (await c.kubectlOk(['get', 'pods', '-l', 'app=api', '-o', 'name'])).split('\n');
    const gone = (await pods(c, 'app=api')).find((p) => `pod/${p.name}` === first)!;
    await c.kubectlOk(['delete', first]);
    const now = await readyPods(c, 'app=api', 2);
    assert.ok(!now.some((p) => p.ip === gone.ip && p.name === gone.name));
    const shown = await waitFor('kubectl get endpoints api to show the replacement', async () =>
      parseTable(await c.kubectlOk(['get', 'endpoints', 'api'])).rows[0].ENDPOINTS.split(',').sort(),
    (e) => JSON.stringify(e) === JSON.stringify(now.map((p) => `${p.ip}:5678`).sort()));
    assert.equal(shown.length, 2);
    assert.equal(await c.kubectlOk(['exec', 'deploy/web', '--', 'curl', '-s', 'http://api']), 'Hello from the API\n');
  });

  test('Services without selectors: the Endpoints a user writes are mirrored into an EndpointSlice and routed', async () => {
    assert.equal(await apply(c, EXTERNAL_DB), 'service/external-db created\nendpoints/external-db created\n');
    const slice = await waitFor('the mirrored EndpointSlice of external-db', async () =>
      (await c.kubectlJson<{ items: any[] }>(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=external-db'])).items, (items) => items.length === 1);
    assert.equal(slice[0].metadata.labels['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
    assert.deepEqual(slice[0].endpoints.map((e: any) => e.addresses), [['192.168.1.100']]);
    assert.deepEqual(slice[0].ports, [{ name: '', port: 5432, protocol: 'TCP' }]);
    assert.equal(parseTable(await c.kubectlOk(['get', 'endpoints', 'external-db'])).rows[0].ENDPOINTS, '192.168.1.100:5432');
    const ip = (await serviceJson(c, 'external-db')).spec.clusterIP;
    await waitRules(c, NODES, 'iptables', 'a DNAT of external-db to 192.168.1.100:5432', (rules) =>
      rules.includes('--to-destination 192.168.1.100:5432') && mentions(rules, ip));

    // The same, to a server that exists: a pod connects to the Service and reaches it.
    outside = new StreamingProcess('ip', ['netns', 'exec', extNetns(c), process.execPath, '-e', OUTSIDE_SERVER], process.env);
    await outside.waitForOutput('the server outside the cluster', (o) => o.includes('ready'));
    await apply(c, OUTSIDE);
    const r = await waitFor('a pod to reach outside:5432', () => c.kubectl(['exec', 'deploy/web', '--', 'curl', '-sS', '-m', '5', 'http://outside:5432']),
      (res) => res.code === 0, { timeoutMs: 30_000, intervalMs: 250 });
    assert.equal(r.stdout, 'hello from outside the cluster\n');
  });

  test('the host relays localhost:<nodePort> for NodePort Services, TCP and UDP, as they come and go', async () => {
    await apply(c, `apiVersion: apps/v1
kind: Deployment
metadata: {name: udp-echo}
spec:
  replicas: 1
  selector: {matchLabels: {app: udp-echo}}
  template:
    metadata: {labels: {app: udp-echo}}
    spec:
      containers:
      - name: netexec
        image: registry.k8s.io/e2e-test-images/agnhost:2.47
        args: ["netexec", "--http-port=8080", "--udp-port=8081"]
---
apiVersion: v1
kind: Service
metadata: {name: relayed}
spec:
  type: NodePort
  selector: {app: udp-echo}
  ports:
  - {name: http, port: 80, targetPort: 8080}
  - {name: udp, port: 81, targetPort: 8081, protocol: UDP}
`);
    const [pod] = await readyPods(c, 'app=udp-echo', 1);
    const svc = await serviceJson(c, 'relayed');
    const [tcpPort, udpPort] = svc.spec.ports.map((p: any) => p.nodePort as number);
    await waitFor(`this cluster to listen on 127.0.0.1:${tcpPort} and ${udpPort}/UDP`, async () => [await hostListeners(tcpPort), await hostListeners(udpPort, 'udp')],
      ([t, u]) => t.includes(c.pid()!) && u.includes(c.pid()!), { timeoutMs: 30_000 });
    const tcp = await waitFor(`localhost:${tcpPort}`, () => run('curl', ['-sS', '-m', '5', `http://localhost:${tcpPort}/hostname`]), (r) => r.code === 0, { timeoutMs: 30_000 });
    assert.equal(tcp.stdout, pod.name);
    const udp = await waitFor(`localhost:${udpPort}/UDP`, () => udpAsk(null, '127.0.0.1', udpPort, 'hostname', 3), (a) => a.every((x) => x !== null), { timeoutMs: 30_000 });
    assert.deepEqual(udp, [pod.name, pod.name, pod.name]);

    // A new nodePort: the relay moves with it.
    const moved = tcpPort === 32000 ? 32001 : 32000;
    await c.kubectlOk(['patch', 'service', 'relayed', '--type=json', '-p', JSON.stringify([{ op: 'replace', path: '/spec/ports/0/nodePort', value: moved }])]);
    await waitFor(`localhost:${moved}`, () => run('curl', ['-sS', '-m', '5', `http://localhost:${moved}/hostname`]), (r) => r.code === 0 && r.stdout === pod.name, { timeoutMs: 30_000 });
    await waitFor(`localhost:${tcpPort} to close`, () => hostCurl(tcpPort), (r) => r.code === 7, { timeoutMs: 30_000 });

    // The Service goes: so do its relays.
    await c.kubectlOk(['delete', 'service', 'relayed']);
    await waitFor(`localhost:${moved} to close`, () => hostCurl(moved), (r) => r.code === 7, { timeoutMs: 30_000 });
    await waitFor(`localhost:${udpPort}/UDP to stop answering`, () => udpAsk(null, '127.0.0.1', udpPort, 'hostname', 1), (a) => a[0] === null, { timeoutMs: 30_000 });
  });

  test('kubectl delete -f backend-deployment.yaml -f frontend-deployment.yaml cleans up, and the relay on 30080 closes', async () => {
    assert.equal(await c.kubectlOk(['delete', '-f', BACKEND, '-f', FRONTEND]),
      'deployment.apps "api" deleted\nservice "api" deleted\ndeployment.apps "web" deleted\nservice "web" deleted\n');
    await waitFor('this cluster to stop listening on 127.0.0.1:30080', () => hostListeners(30080), (pids) => !pids.includes(c.pid()!), { timeoutMs: 30_000 });
    await waitFor('the api Endpoints to go', () => c.kubectl(['get', 'endpoints', 'api']), (r) => r.code !== 0 && /NotFound|not found/.test(r.stderr));
    await waitRules(c, NODES, 'iptables', 'the rules of default/api to go', (rules) => !rules.includes('default/api'));
  });
});
