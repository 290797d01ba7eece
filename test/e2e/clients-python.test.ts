// The Kubernetes Python client (Debian's python3-kubernetes, which scripts/setup.sh installs)
// against a 1-node cluster, through fixtures/python-client.py: list, create, patch and paging,
// watch (it sends watch=True), exec (stream), port-forward (portforward: WebSocket channels),
// logs (tail and follow), the scale subresource, errors (ApiException with the status and the
// Status body), and in a pod, load_incluster_config() (and client-go's in-cluster config, through
// kubectl) with the service-account files at the standard path.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, startCluster, type Cluster } from './lib/cluster.js';
import { AGNHOST, apply, getPod, readyPod, readyPods } from './lib/cluster-node.js';
import { run } from './lib/process.js';
import { waitFor } from './lib/wait.js';

/** Debian's python3, where python3-kubernetes is installed (PATH may hold another). */
const PYTHON = '/usr/bin/python3';
const SCRIPT = fixture('python-client.py');
const NS = 'py';

describe('the Kubernetes Python client against knit', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster({ nodes: 1, prefix: 't35-' });
    await c.createNamespace(NS);
    await apply(c, `
apiVersion: v1
kind: Pod
metadata: {name: srv, namespace: ${NS}}
spec:
  containers:
  - {name: netexec, image: ${AGNHOST}, args: [netexec, --http-port=8080], readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1}}
---
apiVersion: v1
kind: Pod
metadata: {name: ticker, namespace: ${NS}}
spec:
  containers:
  - {name: ticker, image: busybox, command: [sh, -c, "i=0; while true; do i=$((i+1)); echo line $i; sleep 0.3; done"]}
---
apiVersion: v1
kind: Pod
metadata: {name: starting, namespace: ${NS}}
spec:
  initContainers:
  - {name: wait, image: busybox, command: [sleep, "3600"]}
  containers:
  - {name: box, image: busybox, command: [sleep, "3600"]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: dep, namespace: ${NS}}
spec:
  replicas: 1
  selector: {matchLabels: {app: dep}}
  template:
    metadata: {labels: {app: dep}}
    spec:
      containers: [{name: web, image: nginx}]
`);
    await readyPod(c, 'srv', NS);
    await readyPod(c, 'ticker', NS);
    await readyPods(c, 'app=dep', 1, NS);
  });
  after(async () => {
    await c?.down();
  });

  /** Runs one step of the script with the cluster's kubeconfig; its JSON answer. */
  async function py(...args: string[]): Promise<any> {
    const r = await run(PYTHON, [SCRIPT, ...args], { env: c.env(), timeoutMs: 90_000 });
    assert.equal(r.code, 0, `python-client.py ${args.join(' ')}:\n${r.stderr}${r.stdout}`);
    return JSON.parse(r.stdout);
  }

  test('create, list with a label selector and a limit (continue), patch, read, delete', async () => {
    assert.deepEqual(await py('crud', NS), { listed: ['a', 'b'], patched: 'patched', page: ['a', 'b'], continue: true, left: ['a', 'b'] });
  });

  test('watch.Watch().stream sends watch=True and gets the events after the list\'s resourceVersion', async () => {
    assert.deepEqual(await py('watch', NS), { events: [['ADDED', '1'], ['MODIFIED', '2'], ['DELETED', '2']] });
  });

  test('stream(connect_get_namespaced_pod_exec): output, stdin, the exit code; a container that is not running is refused', async () => {
    await waitFor('the init container to run', () => getPod(c, 'starting', NS),
      (p) => !!(p.status as { initContainerStatuses?: { state?: { running?: unknown } }[] }).initContainerStatuses?.[0]?.state?.running);
    const r = await py('exec', NS, 'ticker', 'starting');
    assert.equal(r.text, 'out\nerr\n');
    assert.equal(r.stdin, 'got hello\n');
    assert.equal(r.code, 3);
    // The WebSocket handshake gets the kubelet's answer, 500 'container not found ("box")' (before:
    // an upgrade, then nothing on stdout). This websocket-client does not keep the body.
    assert.equal(r.refused, 'Handshake status 500 Internal Server Error');
  });

  test('portforward(connect_get_namespaced_pod_portforward) over WebSocket channels: a request answered, a closed port reported', async () => {
    const uid = (await getPod(c, 'srv', NS)).metadata.uid;
    const r = await py('portforward', NS, 'srv', '8080', '9999');
    assert.match(r.response, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nsrv$/);
    assert.equal(r.error, null);
    assert.match(r.closed, new RegExp(`^error forwarding port 9999 to pod srv, uid ${uid}: .*connection refused`));
  });

  test('read_namespaced_pod_log: tail_lines, follow=True (streamed), and a bad value refused with the Status', async () => {
    const r = await py('logs', NS, 'ticker');
    assert.match(r.tail, /^line \d+\n$/);
    assert.deepEqual(r.followed, ['line 1', 'line 2', 'line 3']);
    assert.equal(r.bad.status, 422);
    assert.equal(r.bad.body.message, 'PodLogOptions "ticker" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0');
  });

  test('the scale subresource: read, patch, replace', async () => {
    assert.deepEqual(await py('scale', NS, 'dep'), { kind: 'Scale', selector: 'app=dep', patched: 2, replaced: 3, deployment: 3 });
  });

  test('ApiException carries the status and upstream\'s Status body: 404, 409, 422', async () => {
    const r = await py('errors', NS);
    assert.equal(r.notFound.status, 404);
    assert.deepEqual(r.notFound.body, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'configmaps "nope" not found', reason: 'NotFound', details: { name: 'nope', kind: 'configmaps' }, code: 404 });
    assert.equal(r.conflict.status, 409);
    assert.deepEqual([r.conflict.body.reason, r.conflict.body.message], ['AlreadyExists', 'configmaps "twice" already exists']);
    assert.equal(r.invalid.status, 422);
    assert.equal(r.invalid.body.reason, 'Invalid');
    assert.match(r.invalid.body.message, /^ConfigMap "Not_Valid" is invalid: metadata\.name: Invalid value: "Not_Valid": a lowercase RFC 1123 subdomain must consist of/);
    assert.deepEqual(r.invalid.body.details.causes.map((x: { field: string; reason: string }) => [x.field, x.reason]), [['metadata.name', 'FieldValueInvalid']]);
  });

  test('in a pod: load_incluster_config() and client-go\'s in-cluster config find the service account; automountServiceAccountToken: false has none', async () => {
    const kubectlPath = (await run('sh', ['-c', `command -v ${c.kubectlPath}`])).stdout.trim();
    assert.ok(kubectlPath.startsWith('/'), `kubectl on PATH: ${kubectlPath}`);
    await apply(c, `
apiVersion: v1
kind: Pod
metadata: {name: inpod, namespace: ${NS}}
spec:
  restartPolicy: Never
  containers:
  - {name: python, image: python:3.11-slim, command: [${PYTHON}, ${SCRIPT}, incluster]}
  # No kubeconfig to find (HOME has none): kubectl falls back to the in-cluster config.
  - {name: kubectl, image: bitnami/kubectl, command: [${kubectlPath}, get, --raw, /api], env: [{name: HOME, value: /nonexistent}]}
---
apiVersion: v1
kind: Pod
metadata: {name: notoken, namespace: ${NS}}
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  containers:
  - {name: python, image: python:3.11-slim, command: [${PYTHON}, ${SCRIPT}, incluster-without-token]}
`);
    for (const pod of ['inpod', 'notoken']) {
      const done = await waitFor(`${pod} to finish`, () => getPod(c, pod, NS), (p) => p.status.phase === 'Succeeded' || p.status.phase === 'Failed');
      assert.equal(done.status.phase, 'Succeeded', JSON.stringify(done.status.containerStatuses));
    }
    const r = JSON.parse(await c.kubectlOk(['logs', 'inpod', '-n', NS, '-c', 'python']));
    assert.equal(r.host, 'https://10.96.0.1:443', 'KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT');
    assert.equal(r.namespace, NS);
    assert.deepEqual(r.versions, ['v1']);
    // Listing pods may be allowed or forbidden by RBAC; either way the token was accepted (401 otherwise).
    if (r.listPods.status !== 200) {
      assert.equal(r.listPods.status, 403);
      assert.match(r.listPods.body.message, new RegExp(`system:serviceaccount:${NS}:default`));
    }
    assert.equal(JSON.parse(await c.kubectlOk(['logs', 'inpod', '-n', NS, '-c', 'kubectl'])).kind, 'APIVersions');
    assert.deepEqual(JSON.parse(await c.kubectlOk(['logs', 'notoken', '-n', NS])), { error: 'Service token file does not exist.' });
  });
});
