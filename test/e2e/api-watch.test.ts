// Watching and listing: `kubectl get -w` streams changes, a @kubernetes/client-node informer sees
// every change in order, and lists page with limit/continue over a consistent snapshot.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import { startCluster, type Cluster } from './lib/cluster.js';
import { parseTable } from './lib/table.js';
import { waitFor } from './lib/wait.js';

const service = (name: string, port = 80) => YAML.stringify({
  apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port }] },
});

describe('watch and list', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster({ prefix: 't10-' });
  });
  after(async () => {
    await c?.down();
  });

  test('kubectl get svc -w prints the list, then a row per change', async () => {
    const watch = c.kubectlStream(['get', 'svc', '-w']);
    try {
      await watch.waitForOutput('the initial list', (out) => /^kubernetes\s/m.test(out));
      await c.kubectlOk(['apply', '-f', '-'], { input: service('watched') });
      await watch.waitForOutput('the new Service', (out) => /^watched\s+ClusterIP\s/m.test(out));
      await c.kubectlOk(['patch', 'svc', 'watched', '--type', 'merge', '-p', '{"spec":{"ports":[{"port":81,"targetPort":80}]}}']);
      const out = await watch.waitForOutput('the changed port', (o) => /^watched\s.*\s81\/TCP\s/m.test(o));
      const table = parseTable(out);
      assert.deepEqual(table.header, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
      assert.deepEqual(table.rows.map((r) => [r.NAME, r['PORT(S)']]), [['kubernetes', '443/TCP'], ['watched', '80/TCP'], ['watched', '81/TCP']]);
    } finally {
      await watch.stop();
    }

    const events = c.kubectlStream(['get', 'svc', 'watched', '-w', '--output-watch-events']);
    try {
      await events.waitForOutput('the ADDED row', (out) => /^ADDED\s+watched\s/m.test(out));
      await c.kubectlOk(['delete', 'svc', 'watched']);
      const out = await events.waitForOutput('the DELETED row', (o) => /^DELETED\s+watched\s/m.test(o));
      assert.deepEqual(parseTable(out).header, ['EVENT', 'NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    } finally {
      await events.stop();
    }
  });

  test('a client-node informer lists, then sees every change in order', async () => {
    const { kc, core } = c.client();
    await c.createNamespace('informed');
    await core.createNamespacedConfigMap({ namespace: 'informed', body: { metadata: { name: 'before' }, data: { v: '0' } } });
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/informed/configmaps', () => core.listNamespacedConfigMap({ namespace: 'informed' }));
    const seen: string[] = [];
    const versions: number[] = [];
    const record = (type: string) => (obj: k8s.V1ConfigMap) => {
      seen.push(`${type} ${obj.metadata?.name} ${JSON.stringify(obj.data ?? {})}`);
      versions.push(Number(obj.metadata?.resourceVersion));
    };
    informer.on('add', record('add'));
    informer.on('update', record('update'));
    informer.on('delete', record('delete'));
    const errors: unknown[] = [];
    informer.on('error', (err) => errors.push(err));
    await informer.start();
    try {
      await waitFor('the listed ConfigMaps', () => seen.length, (n) => n >= 2);
      assert.deepEqual([...seen].sort(), ['add before {"v":"0"}', 'add kube-root-ca.crt ' + JSON.stringify(informer.get('kube-root-ca.crt', 'informed')?.data)].sort());
      seen.length = 0;
      versions.length = 0;

      const expected: string[] = [];
      await core.createNamespacedConfigMap({ namespace: 'informed', body: { metadata: { name: 'a' }, data: { v: '1' } } });
      expected.push('add a {"v":"1"}');
      for (let i = 2; i <= 5; i++) {
        await core.patchNamespacedConfigMap({ namespace: 'informed', name: 'a', body: { data: { v: String(i) } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
        expected.push(`update a {"v":"${i}"}`);
      }
      await core.createNamespacedConfigMap({ namespace: 'informed', body: { metadata: { name: 'b' }, data: { v: '6' } } });
      expected.push('add b {"v":"6"}');
      await core.deleteNamespacedConfigMap({ namespace: 'informed', name: 'a' });
      expected.push('delete a {"v":"5"}');
      await core.replaceNamespacedConfigMap({ namespace: 'informed', name: 'b', body: { metadata: { name: 'b' }, data: { v: '7' } } });
      expected.push('update b {"v":"7"}');
      await core.deleteNamespacedConfigMap({ namespace: 'informed', name: 'before' });
      expected.push('delete before {"v":"0"}');

      await waitFor('every change', () => seen.length, (n) => n >= expected.length);
      assert.deepEqual(seen, expected);
      for (let i = 1; i < versions.length; i++) assert.ok(versions[i] > versions[i - 1], `resourceVersions rise: ${versions}`);
      assert.deepEqual(informer.list().map((o) => o.metadata?.name).sort(), ['b', 'kube-root-ca.crt']);
      assert.deepEqual(errors, []);
    } finally {
      await informer.stop();
    }
  });

  test('list pages with limit and continue over the snapshot of the first page', async () => {
    const { core } = c.client();
    await c.createNamespace('paged');
    await waitFor('kube-root-ca.crt in paged', async () => (await core.listNamespacedConfigMap({ namespace: 'paged' })).items.length, (n) => n === 1);
    for (let i = 0; i < 24; i++) await core.createNamespacedConfigMap({ namespace: 'paged', body: { metadata: { name: `cm-${String(i).padStart(2, '0')}` } } });

    const first = await core.listNamespacedConfigMap({ namespace: 'paged', limit: 10 });
    assert.equal(first.items.length, 10);
    assert.equal(first.metadata?.remainingItemCount, 15);
    assert.ok(first.metadata?._continue);
    // A write after the first page is not part of this list.
    await core.createNamespacedConfigMap({ namespace: 'paged', body: { metadata: { name: 'cm-99-late' } } });
    const second = await core.listNamespacedConfigMap({ namespace: 'paged', limit: 10, _continue: first.metadata!._continue });
    assert.equal(second.metadata?.resourceVersion, first.metadata?.resourceVersion);
    const third = await core.listNamespacedConfigMap({ namespace: 'paged', limit: 10, _continue: second.metadata!._continue });
    assert.equal(third.items.length, 5);
    assert.equal(third.metadata?._continue, undefined);
    const names = [...first.items, ...second.items, ...third.items].map((o) => o.metadata!.name!);
    const expected = [...Array.from({ length: 24 }, (_, i) => `cm-${String(i).padStart(2, '0')}`), 'kube-root-ca.crt'];
    assert.deepEqual(names, expected);

    // kubectl pages the same way (--chunk-size) and sees the late one as well.
    const table = parseTable(await c.kubectlOk(['get', 'configmaps', '-n', 'paged', '--chunk-size=7']));
    assert.deepEqual(table.rows.map((r) => r.NAME), [...expected.slice(0, 24), 'cm-99-late', 'kube-root-ca.crt']);
    // A token that is not one of the server's is refused with upstream's words.
    const bad = await c.request('GET', '/api/v1/namespaces/paged/configmaps?limit=5&continue=not-a-token');
    assert.equal(bad.status, 400);
    const status = JSON.parse(bad.body);
    assert.equal(status.reason, 'BadRequest');
    assert.match(status.message, /^invalid continue token: continue key is not valid/);
  });

  test('a watch on a named path streams that object alone', async () => {
    await c.kubectlOk(['create', 'configmap', 'named-a']);
    // The list's own resourceVersion (kubectl get -o json prints a List of its own, without one).
    const from = JSON.parse((await c.request('GET', '/api/v1/namespaces/default/configmaps')).body).metadata.resourceVersion;
    await c.kubectlOk(['create', 'configmap', 'named-b']);
    await c.kubectlOk(['label', 'configmap', 'named-a', 'seen=yes']);
    await c.kubectlOk(['label', 'configmap', 'named-b', 'seen=yes']);
    const res = await c.request('GET', `/api/v1/namespaces/default/configmaps/named-a?watch=true&resourceVersion=${from}&timeoutSeconds=1`);
    assert.equal(res.status, 200);
    const events = res.body.trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name} ${e.object.metadata.labels?.seen}`), ['MODIFIED named-a yes']);
  });

  test('label and field selectors filter lists and watches', async () => {
    await c.kubectlOk(['apply', '-f', '-'], { input: [service('sel-a'), service('sel-b'), service('sel-c')].join('---\n') });
    await c.kubectlOk(['label', 'svc', 'sel-a', 'sel-b', 'tier=web']);
    await c.kubectlOk(['label', 'svc', 'sel-c', 'tier=db']);
    const names = (args: string[]) => c.kubectlNames(['get', 'svc', ...args]);
    assert.deepEqual(await names(['-l', 'tier=web']), ['service/sel-a', 'service/sel-b']);
    assert.deepEqual(await names(['-l', 'tier!=web,tier']), ['service/sel-c']);
    assert.deepEqual(await names(['-l', 'tier in (db,cache)']), ['service/sel-c']);
    assert.deepEqual(await names(['-l', 'tier notin (web)', '--field-selector', 'metadata.name!=kubernetes']), ['service/sel-c']);
    assert.deepEqual(await names(['-l', '!tier']), ['service/kubernetes']);
    assert.deepEqual(await names(['--field-selector', 'metadata.name=sel-b']), ['service/sel-b']);
    const bad = await c.kubectl(['get', 'svc', '--field-selector', 'spec.bogus=1']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /field label not supported: spec\.bogus/);
    const badLabel = await c.kubectl(['get', 'svc', '-l', 'tier in web']);
    assert.equal(badLabel.code, 1);

    const watch = c.kubectlStream(['get', 'svc', '-l', 'tier=web', '-w', '--output-watch-events']);
    try {
      await watch.waitForOutput('the two web services', (o) => /^ADDED\s+sel-b\s/m.test(o) && /^ADDED\s+sel-a\s/m.test(o));
      // Relabelling sel-c into the selection is an ADDED, sel-a out of it a DELETED.
      await c.kubectlOk(['label', 'svc', 'sel-c', 'tier=web', '--overwrite']);
      await c.kubectlOk(['label', 'svc', 'sel-a', 'tier=db', '--overwrite']);
      const out = await watch.waitForOutput('sel-a leaving', (o) => /^DELETED\s+sel-a\s/m.test(o));
      assert.deepEqual(parseTable(out).rows.map((r) => `${r.EVENT} ${r.NAME}`), ['ADDED sel-a', 'ADDED sel-b', 'ADDED sel-c', 'DELETED sel-a']);
    } finally {
      await watch.stop();
    }
  });
});
