// Workload controllers on a real 3-node cluster: Deployment rolling updates within maxSurge and
// maxUnavailable, `kubectl rollout status` and `rollout undo`, a ReplicaSet of its own, a
// StatefulSet's ordered pods with their hostname and subdomain, DaemonSets (knit's own kube-proxy).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from './lib/cluster.js';
import { AGNHOST, apply, isReady, listPods, PREFIX, podExecOk, readyPods, toolboxPod, readyPod } from './lib/cluster-node.js';
import { replicaSetNameOf } from './lib/names.js';
import { waitFor } from './lib/wait.js';

const NODES = ['node-1', 'node-2', 'node-3'];

let c: Cluster;
before(async () => {
  c = await startCluster({ nodes: 3, prefix: PREFIX });
  await apply(c, toolboxPod('client'));
  await readyPod(c, 'client');
});
after(async () => {
  await c?.down();
});

function echoDeployment(text: string, strategy: { maxSurge: number; maxUnavailable: number }): object {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: strategy },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [{
            name: 'echo', image: 'hashicorp/http-echo', args: [`-text=${text}`, '-listen=:5678'],
            readinessProbe: { httpGet: { path: '/', port: 5678 }, periodSeconds: 1 },
          }],
        },
      },
    },
  };
}

/** What every Ready pod of the Deployment answers. */
async function answers(): Promise<string[]> {
  const pods = (await listPods(c, 'app=web')).filter((p) => isReady(p) && !p.metadata.deletionTimestamp);
  return Promise.all(pods.map(async (p) => (await podExecOk(c, 'client', ['wget', '-qO-', `http://${p.status.podIP}:5678/`])).trim()));
}

/**
 * Applies a new version and follows the rollout through watch events of the Deployment's pods:
 * the most pods that existed at once and the fewest that were Ready, from the first change on.
 */
async function rollTo(text: string, strategy: { maxSurge: number; maxUnavailable: number }): Promise<{ most: number; fewestReady: number; status: string }> {
  const watch = c.kubectlStream(['get', 'pods', '-l', 'app=web', '--watch', '-o', 'jsonpath={.metadata.name} {.metadata.deletionTimestamp} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}']);
  try {
    await watch.waitForOutput('the current pods', (o) => o.split('\n').filter(Boolean).length >= 3);
    const mark = watch.stdout.length;
    await apply(c, echoDeployment(text, strategy));
    const status = await c.kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=120s'], { timeoutMs: 150_000 });
    // Replay the watch: the latest line per pod is its state at that moment.
    const state = new Map<string, { terminating: boolean; ready: boolean }>();
    for (const line of watch.stdout.slice(0, mark).split('\n').filter(Boolean)) {
      const [name, deletion, ready] = line.split(' ');
      state.set(name, { terminating: deletion !== '', ready: ready === 'True' });
    }
    let most = 0;
    let fewestReady = Infinity;
    for (const line of watch.stdout.slice(mark).split('\n').filter(Boolean)) {
      const [name, deletion, ready] = line.split(' ');
      state.set(name, { terminating: deletion !== '', ready: ready === 'True' });
      const live = [...state.values()].filter((s) => !s.terminating);
      most = Math.max(most, live.length);
      fewestReady = Math.min(fewestReady, live.filter((s) => s.ready).length);
    }
    return { most, fewestReady, status };
  } finally {
    await watch.stop();
  }
}

test('a Deployment rolls out; rolling updates keep within maxSurge and maxUnavailable; rollout undo goes back', async () => {
  await apply(c, echoDeployment('v1', { maxSurge: 1, maxUnavailable: 0 }));
  assert.match(await c.kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=120s'], { timeoutMs: 150_000 }), /deployment "web" successfully rolled out\n$/);
  await readyPods(c, 'app=web', 3);
  assert.deepEqual(await answers(), ['v1', 'v1', 'v1']);

  // maxSurge 1, maxUnavailable 0: at most 4 pods, never fewer than 3 Ready.
  const surge = await rollTo('v2', { maxSurge: 1, maxUnavailable: 0 });
  assert.match(surge.status, /deployment "web" successfully rolled out\n$/);
  assert.ok(surge.most <= 4, `at most 4 pods at once, saw ${surge.most}`);
  assert.ok(surge.fewestReady >= 3, `never fewer than 3 Ready, saw ${surge.fewestReady}`);
  await readyPods(c, 'app=web', 3);
  assert.deepEqual(await answers(), ['v2', 'v2', 'v2']);

  // maxSurge 0, maxUnavailable 1: never more than 3 pods, at least 2 Ready.
  const unavailable = await rollTo('v3', { maxSurge: 0, maxUnavailable: 1 });
  assert.ok(unavailable.most <= 3, `at most 3 pods at once, saw ${unavailable.most}`);
  assert.ok(unavailable.fewestReady >= 2, `never fewer than 2 Ready, saw ${unavailable.fewestReady}`);
  await readyPods(c, 'app=web', 3);
  assert.deepEqual(await answers(), ['v3', 'v3', 'v3']);

  const history = await c.kubectlOk(['rollout', 'history', 'deployment/web']);
  assert.match(history, /^REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n3\s+<none>\n/m);
  assert.equal(await c.kubectlOk(['rollout', 'undo', 'deployment/web']), 'deployment.apps/web rolled back\n');
  await c.kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=120s'], { timeoutMs: 150_000 });
  await readyPods(c, 'app=web', 3);
  assert.deepEqual(await answers(), ['v2', 'v2', 'v2']);
  // One ReplicaSet per template, the old ones scaled to zero and kept.
  const sets = (await c.kubectlJson<{ items: { metadata: { name: string }; spec: { replicas: number } }[] }>(['get', 'replicasets', '-l', 'app=web'])).items;
  assert.equal(sets.length, 3);
  for (const s of sets) assert.match(s.metadata.name, replicaSetNameOf('web'));
  assert.deepEqual(sets.map((s) => s.spec.replicas).sort(), [0, 0, 3]);
});

test('a ReplicaSet keeps its replicas: a deleted pod is replaced, scaling adds and removes', async () => {
  await apply(c, {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'rs' } }, template: { metadata: { labels: { app: 'rs' } }, spec: { containers: [{ name: 'p', image: 'registry.k8s.io/pause:3.10' }] } } },
  });
  const first = await readyPods(c, 'app=rs', 2);
  for (const p of first) assert.match(p.metadata.name, /^rs-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  await c.kubectlOk(['delete', 'pod', first[0].metadata.name]);
  const second = await readyPods(c, 'app=rs', 2);
  assert.ok(!second.some((p) => p.metadata.uid === first[0].metadata.uid));
  assert.equal(await c.kubectlOk(['scale', 'replicaset', 'rs', '--replicas=4']), 'replicaset.apps/rs scaled\n');
  assert.equal((await readyPods(c, 'app=rs', 4)).length, 4);
  await c.kubectlOk(['scale', 'replicaset', 'rs', '--replicas=1']);
  assert.equal((await readyPods(c, 'app=rs', 1)).length, 1);
});

test('a StatefulSet creates name-0 then name-1, each with its hostname in its Service\'s subdomain', async () => {
  const watch = c.kubectlStream(['get', 'pods', '-l', 'app=db', '--watch', '-o', 'jsonpath={.metadata.name} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}']);
  try {
    await apply(c, `
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{port: 9376}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: hostname
        image: ${AGNHOST}
        args: [serve-hostname]
        readinessProbe: {tcpSocket: {port: 9376}, periodSeconds: 1}
`);
    assert.match(await c.kubectlOk(['rollout', 'status', 'statefulset/db', '--timeout=120s'], { timeoutMs: 150_000 }), /partitioned roll out complete: 2 new pods have been updated/);
    const pods = await readyPods(c, 'app=db', 2);
    assert.deepEqual(pods.map((p) => p.metadata.name).sort(), ['db-0', 'db-1']);
    // Ordered: db-1 appears only once db-0 is Ready.
    const lines = watch.stdout.split('\n').filter(Boolean);
    const firstDb1 = lines.findIndex((l) => l.startsWith('db-1 '));
    const db0Ready = lines.findIndex((l) => l === 'db-0 True');
    assert.ok(db0Ready >= 0 && firstDb1 > db0Ready, lines.join(' | '));
  } finally {
    await watch.stop();
  }
  assert.equal(await podExecOk(c, 'db-1', ['hostname']), 'db-1\n');
  assert.equal(await podExecOk(c, 'db-1', ['hostname', '-f']), 'db-1.db.default.svc.cluster.local\n');
  const ip = (await readyPods(c, 'app=db', 2)).find((p) => p.metadata.name === 'db-1')!.status.podIP!;
  assert.match(await podExecOk(c, 'db-1', ['cat', '/etc/hosts']), new RegExp(`^${ip.replace(/\./g, '\\.')}\\tdb-1\\.db\\.default\\.svc\\.cluster\\.local\\tdb-1$`, 'm'));
  assert.equal(await podExecOk(c, 'client', ['wget', '-qO-', `http://${ip}:9376/`]), 'db-1');
});

test('a DaemonSet runs one pod per node, as knit\'s own kube-proxy does', async () => {
  await apply(c, {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'p', image: 'registry.k8s.io/pause:3.10' }] } } },
  });
  assert.match(await c.kubectlOk(['rollout', 'status', 'daemonset/agent', '--timeout=120s'], { timeoutMs: 150_000 }), /daemon set "agent" successfully rolled out/);
  assert.deepEqual((await readyPods(c, 'app=agent', 3)).map((p) => p.spec.nodeName).sort(), NODES);
  const proxies = await waitFor('kube-proxy on every node', () => listPods(c, 'k8s-app=kube-proxy', 'kube-system'), (p) => p.length === 3 && p.every(isReady));
  assert.deepEqual(proxies.map((p) => p.spec.nodeName).sort(), NODES);
  // hostNetwork: each runs with its node's address.
  for (const p of proxies) assert.equal(p.status.podIP, p.status.hostIP);
  const ds = await c.kubectlJson<{ status: Record<string, number> }>(['get', 'daemonset', 'kube-proxy', '-n', 'kube-system']);
  assert.deepEqual([ds.status.desiredNumberScheduled, ds.status.currentNumberScheduled, ds.status.numberReady], [3, 3, 3]);
});
