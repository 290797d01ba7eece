// The objects outlive the process: `knit down` then `knit up` with the same data dir keeps every
// object (and every allocation), and a `kill -9` during a stream of writes loses no acknowledged
// write.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import { fixture, startCluster, type Cluster } from './lib/cluster.js';
import { waitFor } from './lib/wait.js';

const KINDS = 'namespaces,services,endpoints,configmaps,secrets,serviceaccounts,deployments,replicasets,pods,endpointslices';

/** Every object's identity and content, by kind/namespace/name. */
async function dump(c: Cluster): Promise<Map<string, { uid: string; created: string; spec: string; data: string }>> {
  const list = await c.kubectlJson(['get', KINDS, '-A']);
  return new Map(list.items.map((o: any) => [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, {
    uid: o.metadata.uid, created: o.metadata.creationTimestamp, spec: JSON.stringify(o.spec ?? null), data: JSON.stringify(o.data ?? o.subsets ?? o.endpoints ?? null),
  }]));
}

describe('durability', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster({ prefix: 't10-' });
  });
  after(async () => {
    await c?.down();
  });

  test('knit down, then knit up with the same data dir, keeps every object and allocation', async () => {
    await c.kubectlOk(['apply', '-f', fixture('backend-deployment.yaml'), '-f', fixture('frontend-deployment.yaml')]);
    await c.kubectlOk(['apply', '-f', '-'], { input: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kept' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'kept' }, data: { mode: 'fast', unicode: 'ünïcode ✓' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token', namespace: 'kept' }, stringData: { token: 's3cr3t' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'pinned', namespace: 'kept' }, spec: { clusterIP: '10.96.77.77', type: 'NodePort', ports: [{ port: 80, nodePort: 31999 }] } },
    ].map((o) => YAML.stringify(o)).join('---\n') });
    await waitFor('the pods of both deployments', async () => (await c.kubectlNames(['get', 'pods'])).length, (n) => n === 4);
    const before = await dump(c);

    const down = await c.knit(['down']);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, new RegExp(`Stopped cluster "${c.name}"\\. Its objects stay in `));
    assert.equal(c.pid(), undefined);
    const config = YAML.parse(await readFile(c.kubeconfig, 'utf8'));
    assert.deepEqual([config.contexts ?? [], config.clusters ?? [], config.users ?? []], [[], [], []], 'knit down removed its kubeconfig entries');

    await c.start();
    const after = await dump(c);
    for (const [key, was] of before) {
      const now = after.get(key);
      assert.ok(now, `${key} survived the restart`);
      assert.equal(now.uid, was.uid, key);
      assert.equal(now.created, was.created, key);
      assert.equal(now.data, was.data, key);
      if (!key.startsWith('Deployment/') && !key.startsWith('ReplicaSet/')) assert.equal(now.spec, was.spec, key);
    }
    // No new objects: the controllers found everything they had made.
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
    const secret = await c.kubectlJson(['get', 'secret', 'token', '-n', 'kept']);
    assert.equal(Buffer.from(secret.data.token, 'base64').toString(), 's3cr3t');
    // Allocations were rebuilt from the stored Services.
    const taken = await c.kubectl(['create', '-f', '-'], { input: YAML.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'again', namespace: 'kept' }, spec: { clusterIP: '10.96.77.77', ports: [{ port: 80 }] } }) });
    assert.match(taken.stderr, /failed to allocate IP 10\.96\.77\.77: provided IP is already allocated/);
    const port = await c.kubectl(['create', '-f', '-'], { input: YAML.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'again', namespace: 'kept' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] } }) });
    assert.match(port.stderr, /spec\.ports\[0\]\.nodePort: Invalid value: 30080: provided port is already allocated/);
    // And the resourceVersions go on from where they were.
    const rvBefore = Number((await c.kubectlJson(['get', 'configmap', 'settings', '-n', 'kept'])).metadata.resourceVersion);
    await c.kubectlOk(['label', 'configmap', 'settings', '-n', 'kept', 'after=restart']);
    assert.ok(Number((await c.kubectlJson(['get', 'configmap', 'settings', '-n', 'kept'])).metadata.resourceVersion) > rvBefore);
  });

  test('kill -9 during a stream of writes loses no acknowledged write', async () => {
    await c.createNamespace('stream');
    const pid = c.pid();
    assert.ok(pid, 'the control plane runs');
    const acked = new Map<string, { rv: string; value: string }>();
    let stop = false;
    let killed = false;
    // Four writers, each creating then updating its ConfigMaps as fast as the server answers.
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const name = `w${w}-${i}`;
        try {
          const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { value: `created-${i}` } });
          const created = await c.request('POST', '/api/v1/namespaces/stream/configmaps', { body, contentType: 'application/json' });
          if (created.status !== 201) throw new Error(`create ${name}: ${created.status} ${created.body}`);
          acked.set(name, { rv: JSON.parse(created.body).metadata.resourceVersion, value: `created-${i}` });
          const patch = JSON.stringify({ data: { value: `updated-${i}` } });
          const updated = await c.request('PATCH', `/api/v1/namespaces/stream/configmaps/${name}`, { body: patch, contentType: 'application/merge-patch+json' });
          if (updated.status !== 200) throw new Error(`update ${name}: ${updated.status} ${updated.body}`);
          acked.set(name, { rv: JSON.parse(updated.body).metadata.resourceVersion, value: `updated-${i}` });
        } catch (err) {
          if (killed) return; // the write in flight when the server died: not acknowledged
          throw err;
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    await waitFor('100 acknowledged ConfigMaps', () => acked.size, (n) => n >= 100, { intervalMs: 5 });
    killed = true;
    process.kill(pid, 'SIGKILL');
    stop = true;
    await Promise.all(writers);
    await waitFor('the killed process to be gone', () => c.pid(), (p) => p === undefined);

    await c.start();
    const list = await c.kubectlJson(['get', 'configmaps', '-n', 'stream']);
    const stored = new Map(list.items.map((o: any) => [o.metadata.name, o]));
    for (const [name, want] of acked) {
      const got: any = stored.get(name);
      assert.ok(got, `${name} was acknowledged, so it is stored`);
      // A later write to it may have landed unacknowledged; never an older one.
      assert.ok(Number(got.metadata.resourceVersion) >= Number(want.rv), `${name}: resourceVersion ${got.metadata.resourceVersion} >= ${want.rv}`);
      if (got.metadata.resourceVersion === want.rv) assert.equal(got.data.value, want.value, name);
    }
    // Nothing torn: every stored object decodes, and the store goes on taking writes.
    for (const o of list.items) if (o.metadata.name !== 'kube-root-ca.crt') assert.match(o.data.value, /^(created|updated)-\d+$/);
    const next = YAML.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-crash', namespace: 'stream' } });
    assert.equal(await c.kubectlOk(['apply', '-f', '-'], { input: next }), 'configmap/after-crash created\n');
  });
});
