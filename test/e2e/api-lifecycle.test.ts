// How objects end: dry-run, deletecollection, ownerReference garbage collection (background,
// foreground, orphan), finalizers, graceful deletion of pods, and namespace deletion.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { fixture, startCluster, type Cluster } from './lib/cluster.js';
import { parseTable } from './lib/table.js';
import { waitFor } from './lib/wait.js';


/** Every event of a watch on path, in order, until stop(). */
async function record(kc: k8s.KubeConfig, path: string): Promise<{ events: { type: string; obj: any }[]; stop(): void }> {
  const events: { type: string; obj: any }[] = [];
  const controller = await new k8s.Watch(kc).watch(path, {}, (type, obj) => events.push({ type, obj }), () => undefined);
  return { events, stop: () => controller.abort() };
}

describe('object lifecycle', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster({ prefix: 't10-' });
  });
  after(async () => {
    await c?.down();
  });

  test('dry-run creates, updates and deletes nothing, and reserves nothing', async () => {
    const file = fixture('frontend-deployment.yaml');
    assert.equal(await c.kubectlOk(['apply', '--dry-run=server', '-f', file]), 'deployment.apps/web created (server dry run)\nservice/web created (server dry run)\n');
    const preview = YAML.parse(await c.kubectlOk(['create', '--dry-run=server', '-f', '-', '-o', 'yaml'], { input: YAML.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'dry' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } }) }));
    assert.match(preview.spec.clusterIP, /^10\.\d+\.\d+\.\d+$/);
    assert.ok(preview.spec.ports[0].nodePort >= 30000 && preview.spec.ports[0].nodePort <= 32767);
    assert.equal((await c.kubectl(['get', 'deploy,svc', '-o', 'name'])).stdout, 'service/kubernetes\n');
    // Nothing was reserved: the real apply gets the same node port.
    assert.equal(await c.kubectlOk(['apply', '-f', file]), 'deployment.apps/web created\nservice/web created\n');
    const rv = await c.kubectlOk(['get', 'svc', 'web', '-o', 'jsonpath={.metadata.resourceVersion}']);
    assert.equal(await c.kubectlOk(['label', 'svc', 'web', 'x=y', '--dry-run=server']), 'service/web labeled (server dry run)\n');
    assert.equal(await c.kubectlOk(['scale', 'deploy', 'web', '--replicas=5', '--dry-run=server']), 'deployment.apps/web scaled (server dry run)\n');
    assert.equal(await c.kubectlOk(['delete', 'svc', 'web', '--dry-run=server']), 'service "web" deleted (server dry run)\n');
    assert.equal(await c.kubectlOk(['get', 'svc', 'web', '-o', 'jsonpath={.metadata.resourceVersion}']), rv);
    assert.equal(await c.kubectlOk(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']), '2');
    const bad = await c.request('POST', '/api/v1/namespaces/default/configmaps?dryRun=Some', { body: '{"metadata":{"name":"x"}}', contentType: 'application/json' });
    assert.equal(bad.status, 422);
    assert.equal(JSON.parse(bad.body).message, 'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Some"}: supported values: "All"');
    await c.kubectlOk(['delete', '-f', file]);
  });

  test('deletecollection deletes what the selector picks and answers the deleted list', async () => {
    await c.createNamespace('coll');
    const { core } = c.client();
    for (const [name, tier] of [['a', 'web'], ['b', 'web'], ['c', 'db']]) {
      await core.createNamespacedConfigMap({ namespace: 'coll', body: { metadata: { name, labels: { tier } } } });
    }
    const dry = await c.request('DELETE', '/api/v1/namespaces/coll/configmaps?labelSelector=tier%3Dweb&dryRun=All');
    assert.equal(dry.status, 200);
    assert.equal((await c.kubectlNames(['get', 'cm', '-n', 'coll', '-l', 'tier'])).length, 3);
    const res = await c.request('DELETE', '/api/v1/namespaces/coll/configmaps?labelSelector=tier%3Dweb');
    assert.equal(res.status, 200);
    const list = JSON.parse(res.body);
    assert.equal(list.kind, 'ConfigMapList');
    assert.deepEqual(list.items.map((o: any) => o.metadata.name).sort(), ['a', 'b']);
    assert.deepEqual(await c.kubectlNames(['get', 'cm', '-n', 'coll']), ['configmap/c', 'configmap/kube-root-ca.crt']);
    await core.deleteCollectionNamespacedConfigMap({ namespace: 'coll', fieldSelector: 'metadata.name=c' });
    assert.deepEqual(await c.kubectlNames(['get', 'cm', '-n', 'coll']), ['configmap/kube-root-ca.crt']);
  });

  test('deleting a Deployment in the background removes it at once, its ReplicaSets and Pods after', async () => {
    await c.kubectlOk(['apply', '-f', fixture('frontend-deployment.yaml')]);
    await waitFor('the web pods', async () => (await c.kubectlNames(['get', 'pods', '-l', 'app=web'])).length, (n) => n === 2);
    assert.equal(await c.kubectlOk(['delete', 'deployment', 'web']), 'deployment.apps "web" deleted\n');
    assert.equal((await c.kubectl(['get', 'deploy', 'web'])).code, 1);
    await waitFor('the ReplicaSet and Pods to go', () => c.kubectlNames(['get', 'rs,pods', '-l', 'app=web']), (n) => n.length === 0);
    await c.kubectlOk(['delete', 'svc', 'web']);
  });

  test('a foreground deletion keeps the Deployment until its ReplicaSets and Pods are gone', async () => {
    await c.kubectlOk(['apply', '-f', fixture('frontend-deployment.yaml')]);
    await waitFor('the web pods', async () => (await c.kubectlNames(['get', 'pods', '-l', 'app=web'])).length, (n) => n === 2);
    const { kc } = c.client();
    const deployments = await record(kc, '/apis/apps/v1/namespaces/default/deployments');
    const replicaSets = await record(kc, '/apis/apps/v1/namespaces/default/replicasets');
    const pods = await record(kc, '/api/v1/namespaces/default/pods');
    try {
      assert.equal(await c.kubectlOk(['delete', 'deployment', 'web', '--cascade=foreground']), 'deployment.apps "web" deleted\n');
      const deleted = (w: typeof deployments) => w.events.filter((e) => e.type === 'DELETED');
      await waitFor('the Deployment to be deleted', () => deleted(deployments).length, (n) => n === 1);
      const marked = deployments.events.find((e) => e.type === 'MODIFIED' && e.obj.metadata.deletionTimestamp);
      assert.deepEqual(marked?.obj.metadata.finalizers, ['foregroundDeletion']);
      const rvOf = (e: { obj: any }) => Number(e.obj.metadata.resourceVersion);
      const deploymentGone = rvOf(deleted(deployments)[0]);
      assert.equal(deleted(replicaSets).length, 1);
      assert.equal(deleted(pods).length, 2);
      for (const e of [...deleted(replicaSets), ...deleted(pods)]) assert.ok(rvOf(e) < deploymentGone, 'dependents go first');
    } finally {
      for (const w of [deployments, replicaSets, pods]) w.stop();
    }
    await c.kubectlOk(['delete', 'svc', 'web']);
  });

  test('an orphaning deletion leaves the ReplicaSet and Pods, without the owner reference', async () => {
    await c.kubectlOk(['apply', '-f', fixture('frontend-deployment.yaml')]);
    const pods = await waitFor('the web pods', () => c.kubectlNames(['get', 'pods', '-l', 'app=web']), (n) => n.length === 2);
    assert.equal(await c.kubectlOk(['delete', 'deployment', 'web', '--cascade=orphan']), 'deployment.apps "web" deleted\n');
    const rs = await c.kubectlJson(['get', 'rs', '-l', 'app=web']);
    assert.equal(rs.items.length, 1);
    assert.equal(rs.items[0].metadata.ownerReferences, undefined);
    assert.deepEqual(rs.items[0].metadata.finalizers, undefined);
    assert.deepEqual(await c.kubectlNames(['get', 'pods', '-l', 'app=web']), pods);
    // The orphaned ReplicaSet still owns its pods; deleting it now takes them along.
    await c.kubectlOk(['delete', 'rs', rs.items[0].metadata.name]);
    await waitFor('the orphaned pods to go', () => c.kubectlNames(['get', 'pods', '-l', 'app=web']), (n) => n.length === 0);
    await c.kubectlOk(['delete', 'svc', 'web']);
  });

  test('finalizers hold an object until they are removed', async () => {
    await c.kubectlOk(['apply', '-f', '-'], { input: YAML.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers: ['example.com/hold'] } }) });
    assert.equal(await c.kubectlOk(['delete', 'cm', 'held', '--wait=false']), 'configmap "held" deleted\n');
    const held = await c.kubectlJson(['get', 'cm', 'held']);
    assert.match(held.metadata.deletionTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(held.metadata.deletionGracePeriodSeconds, 0);
    const added = await c.kubectl(['patch', 'cm', 'held', '--type', 'json', '-p', '[{"op":"add","path":"/metadata/finalizers/-","value":"example.com/more"}]']);
    assert.equal(added.code, 1);
    assert.match(added.stderr, /metadata\.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers \[\]string\{"example\.com\/more"\}/);
    // Data may still change while it waits.
    await c.kubectlOk(['patch', 'cm', 'held', '--type', 'merge', '-p', '{"data":{"k":"v"}}']);
    assert.equal(await c.kubectlOk(['patch', 'cm', 'held', '--type', 'json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']), 'configmap/held patched\n');
    const gone = await c.kubectl(['get', 'cm', 'held']);
    assert.equal(gone.stderr.trim(), 'Error from server (NotFound): configmaps "held" not found');
  });

  test('a scheduled pod is deleted gracefully; an unscheduled one at once', async () => {
    const pod = (name: string, nodeName?: string) => YAML.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] } });
    await c.kubectlOk(['apply', '-f', '-'], { input: pod('pending') });
    assert.equal(await c.kubectlOk(['delete', 'pod', 'pending', '--wait=false']), 'pod "pending" deleted\n');
    assert.equal((await c.kubectl(['get', 'pod', 'pending'])).code, 1, 'an unscheduled pod goes at once');

    await c.kubectlOk(['apply', '-f', '-'], { input: pod('bound', 't10-ghost-node') });
    const asked = Date.now();
    assert.equal(await c.kubectlOk(['delete', 'pod', 'bound', '--wait=false']), 'pod "bound" deleted\n');
    const answered = Date.now();
    const terminating = await c.kubectlJson(['get', 'pod', 'bound']);
    assert.equal(terminating.metadata.deletionGracePeriodSeconds, 30);
    // The deletion time is the delete's time plus the grace period (in whole seconds).
    const at = Date.parse(terminating.metadata.deletionTimestamp);
    assert.ok(at >= asked + 29_000 && at <= answered + 30_000, `deletionTimestamp ${terminating.metadata.deletionTimestamp}`);
    assert.equal(parseTable(await c.kubectlOk(['get', 'pod', 'bound'])).rows[0].STATUS, 'Terminating');
    // A second delete may shorten the grace period, never lengthen it.
    await c.kubectlOk(['delete', 'pod', 'bound', '--grace-period=60', '--wait=false']);
    assert.equal((await c.kubectlJson(['get', 'pod', 'bound'])).metadata.deletionGracePeriodSeconds, 30);
    await c.kubectlOk(['delete', 'pod', 'bound', '--grace-period=5', '--wait=false']);
    assert.equal((await c.kubectlJson(['get', 'pod', 'bound'])).metadata.deletionGracePeriodSeconds, 5);
    const forced = await c.kubectl(['delete', 'pod', 'bound', '--grace-period=0', '--force']);
    assert.equal(forced.code, 0);
    assert.equal(forced.stdout, 'pod "bound" force deleted\n');
    assert.match(forced.stderr, /^Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated/);
    assert.equal((await c.kubectl(['get', 'pod', 'bound'])).code, 1);
  });

  test('deleting a namespace deletes its content, then the namespace', async () => {
    await c.createNamespace('doomed');
    await c.kubectlOk(['apply', '-n', 'doomed', '-f', fixture('backend-deployment.yaml')]);
    await c.kubectlOk(['apply', '-n', 'doomed', '-f', '-'], { input: YAML.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers: ['example.com/hold'] } }) });
    await waitFor('the api pods', async () => (await c.kubectlNames(['get', 'pods', '-n', 'doomed'])).length, (n) => n === 2);
    assert.equal(await c.kubectlOk(['delete', 'namespace', 'doomed', '--wait=false']), 'namespace "doomed" deleted\n');

    // The finalizer on "held" keeps the namespace Terminating; nothing new may be created in it.
    const ns = await waitFor('the namespace to report its remaining finalizer', () => c.kubectlJson(['get', 'ns', 'doomed']),
      (n) => (n.status?.conditions ?? []).some((x: any) => x.type === 'NamespaceFinalizersRemaining' && x.status === 'True'));
    assert.equal(ns.status.phase, 'Terminating');
    assert.equal(parseTable(await c.kubectlOk(['get', 'ns', 'doomed'])).rows[0].STATUS, 'Terminating');
    const blocked = ns.status.conditions.find((x: any) => x.type === 'NamespaceFinalizersRemaining');
    assert.equal(blocked.message, 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances');
    const refused = await c.kubectl(['create', '-n', 'doomed', '-f', '-'], { input: YAML.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late' } }) });
    assert.equal(refused.stderr.trim(), 'Error from server (Forbidden): error when creating "STDIN": configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated');
    assert.deepEqual(await c.kubectlNames(['get', 'all,cm', '-n', 'doomed']), ['configmap/held']);

    await c.kubectlOk(['patch', 'cm', 'held', '-n', 'doomed', '--type', 'json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    await waitFor('the namespace to go', async () => (await c.kubectl(['get', 'ns', 'doomed'])).stderr, (e) => e.includes('namespaces "doomed" not found'));
    // Its Service's cluster IP went back: nothing of it is left anywhere.
    assert.deepEqual(await c.kubectlNames(['get', 'all', '-n', 'doomed']), []);
  });

  test('the initial namespaces may not be deleted', async () => {
    for (const ns of ['default', 'kube-system', 'kube-public']) {
      const r = await c.kubectl(['delete', 'namespace', ns]);
      assert.equal(r.stderr.trim(), `Error from server (Forbidden): namespaces "${ns}" is forbidden: this namespace may not be deleted`);
    }
  });
});
