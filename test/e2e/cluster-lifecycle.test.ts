// A cluster's life on the host: `knit up` (3 nodes by default) and `knit down` leave the host's
// namespaces, links, addresses, routes, rules, /etc/netns, /run/knit and processes as they were;
// `knit down` then `knit up` keeps the objects and brings the pods back; a node agent killed with
// -9 comes back and adopts its pods; after a kill -9 of knit itself the next `knit down` or
// `knit up` finds what was left and removes it.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, freePort } from './lib/cluster.js';
import { agentPid, apply, hostSnapshot, netexecPod, PREFIX, readyPods, type HostSnapshot, type PodJson } from './lib/cluster-node.js';
import { waitFor } from './lib/wait.js';

const NODES = ['node-1', 'node-2', 'node-3'];

let c: Cluster;
let baseline: HostSnapshot;

/** `knit up -d` with no --nodes: the default. Returns its output once every node is Ready. */
async function up(): Promise<string> {
  const r = await c.knit(['up', '-d', '--port', String(c.port)]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  await waitFor('3 Ready nodes', () => c.kubectlJson<{ items: { metadata: { name: string }; status: { conditions: { type: string; status: string }[] } }[] }>(['get', 'nodes']),
    (l) => l.items.filter((n) => n.status.conditions.some((x) => x.type === 'Ready' && x.status === 'True')).length === 3, { timeoutMs: 120_000 });
  return r.stdout;
}

/** The pods of the test's Deployment, once all 3 are Ready. */
const webPods = () => readyPods(c, 'app=web', 3, 'default', 120_000);

/** Answers from every web pod, asked from inside the cluster (node-1). */
async function allAnswer(pods: PodJson[]): Promise<void> {
  for (const p of pods) {
    const r = await c.kubectl(['exec', pods[0].metadata.name, '--', 'curl', '-sS', '-m', '10', `http://${p.status.podIP}:8080/hostname`]);
    assert.equal(r.stdout, p.metadata.name, r.stderr);
  }
}

const containerIDs = (pods: PodJson[]) => Object.fromEntries(pods.map((p) => [p.metadata.name, (p.status.containerStatuses?.[0] as { containerID?: string })?.containerID]));

before(async () => {
  const home = await mkdtemp(join(tmpdir(), `${PREFIX}home-`));
  await mkdir(join(home, 'tmp'));
  c = new Cluster(`${PREFIX}${randomBytes(4).toString('hex')}`, await freePort(), home, { nodes: 3, prefix: PREFIX });
  baseline = await hostSnapshot(c);
});
after(async () => {
  await c?.down();
  if (baseline) assert.deepEqual(await hostSnapshot(c), baseline);
});

test('knit up builds 3 nodes by default; knit down leaves the host exactly as it was', async () => {
  assert.deepEqual(baseline.own, { namespaces: [], etcNetns: [], runKnit: [], processes: [] });
  const out = await up();
  assert.match(out, new RegExp(`Cluster "${c.name}" is up\\.`));
  assert.deepEqual((await c.kubectlNames(['get', 'nodes'])), NODES.map((n) => `node/${n}`));
  await apply(c, {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: (netexecPod('web') as { spec: object }).spec } },
  });
  await apply(c, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept' }, data: { answer: '42' } });
  await allAnswer(await webPods());
  const running = await hostSnapshot(c);
  // While it runs: the cluster's namespaces, its run directory and processes are there ...
  assert.ok(running.own.namespaces.length >= 5 + 3, `namespaces: ${running.own.namespaces.join(' ')}`);
  assert.deepEqual(running.own.runKnit, [c.name]);
  assert.ok(running.own.processes.length > 3, running.own.processes.join('\n'));
  // ... and the host's own network is untouched.
  assert.deepEqual(running.host, baseline.host);

  const down = await c.knit(['down']);
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stdout, new RegExp(`Stopped cluster "${c.name}"\\. Its objects stay in `));
  assert.deepEqual(await hostSnapshot(c), baseline);
  assert.ok(!existsSync(`/run/knit/${c.name}`));
});

test('knit down then knit up keeps the objects and brings the pods back', async () => {
  await up();
  assert.equal(await c.kubectlOk(['get', 'configmap', 'kept', '-o', 'jsonpath={.data.answer}']), '42');
  const pods = await webPods();
  await allAnswer(pods);
  for (const p of pods) {
    const cs = p.status.containerStatuses![0];
    // The same pods, their containers started again once (not held back in a crash loop).
    assert.equal(cs.restartCount, 1, `${p.metadata.name}: ${JSON.stringify(cs)}`);
    assert.ok(cs.state?.running, JSON.stringify(cs));
  }
});

test('a node agent killed with -9 comes back and adopts its pods, which keep running', async () => {
  const before = await webPods();
  const node = before[0].spec.nodeName!;
  const pid = agentPid(c, node);
  assert.ok(pid);
  const killed = Math.floor(Date.now() / 1000) * 1000;
  process.kill(pid, 'SIGKILL');
  await waitFor(`a new agent on ${node}`, () => agentPid(c, node), (p) => p !== undefined && p !== pid, { timeoutMs: 60_000 });
  // The new agent reports the node Ready again (a heartbeat of its own), and the very same containers.
  await waitFor(`${node} Ready from the new agent`, () => c.kubectlJson<{ status: { conditions: { type: string; status: string; lastHeartbeatTime: string }[] } }>(['get', 'node', node]),
    (n) => n.status.conditions.some((x) => x.type === 'Ready' && x.status === 'True' && Date.parse(x.lastHeartbeatTime) >= killed), { timeoutMs: 60_000 });
  const after = await webPods();
  assert.deepEqual(containerIDs(after), containerIDs(before));
  assert.deepEqual(after.map((p) => p.status.containerStatuses![0].restartCount), before.map((p) => p.status.containerStatuses![0].restartCount));
  await allAnswer(after);
});

test('after a kill -9 of knit, knit down finds what was left and removes it', async () => {
  const pid = c.pid();
  assert.ok(pid);
  process.kill(pid, 'SIGKILL');
  await waitFor('knit gone', () => c.pid(), (p) => p === undefined);
  // The nodes, their agents and pods outlive it.
  const left = await hostSnapshot(c);
  assert.ok(left.own.namespaces.length > 0 && left.own.processes.length > 0);
  const down = await c.knit(['down']);
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stdout, /and removed what it left behind \(\d+ network namespaces, 0 host links, \d+ files, context "/);
  assert.deepEqual(await hostSnapshot(c), baseline);
});

test('after a kill -9 of knit, knit up removes what was left and starts again', async () => {
  await up();
  process.kill(c.pid()!, 'SIGKILL');
  await waitFor('knit gone', () => c.pid(), (p) => p === undefined);
  const log = join(c.dataDir, 'knit.log');
  const out = await up();
  assert.match(out, new RegExp(`Cluster "${c.name}" is up\\.`));
  assert.ok(existsSync(log));
  assert.match(readFileSync(log, 'utf8'), /Removed what an earlier run left behind: \d+ network namespaces/);
  await allAnswer(await webPods());
});
