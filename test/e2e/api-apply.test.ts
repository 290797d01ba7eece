// Changing objects with the real kubectl: apply (unchanged, configured, merging lists by their
// keys), server-side apply, label, annotate, scale, patch --type json|merge, edit.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import YAML from 'yaml';
import { fixture, startCluster, type Cluster } from './lib/cluster.js';
import { waitFor } from './lib/wait.js';

describe('kubectl apply', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster({ prefix: 't10-' });
  });
  after(async () => {
    await c?.down();
  });

  test('a second apply of the same file says unchanged and writes nothing', async () => {
    const file = fixture('frontend-deployment.yaml');
    assert.equal(await c.kubectlOk(['apply', '-f', file]), 'deployment.apps/web created\nservice/web created\n');
    const [deploy, svc] = (await c.kubectlJson(['get', 'deploy/web', 'svc/web'])).items;
    assert.equal(await c.kubectlOk(['apply', '-f', file]), 'deployment.apps/web unchanged\nservice/web unchanged\n');
    const [deployAgain, svcAgain] = (await c.kubectlJson(['get', 'deploy/web', 'svc/web'])).items;
    // (The Deployment's status may move on as its controller works; its spec did not.)
    assert.equal(deployAgain.metadata.generation, deploy.metadata.generation);
    assert.equal(svcAgain.metadata.resourceVersion, svc.metadata.resourceVersion);
  });

  test('apply after an edit says configured and merges containers and ports by their keys', async () => {
    // Someone else changes the live objects: an env var on the container, a label on the Service.
    assert.equal(await c.kubectlOk(['set', 'env', 'deployment/web', 'FROM_ELSEWHERE=yes']), 'deployment.apps/web env updated\n');
    assert.equal(await c.kubectlOk(['label', 'svc/web', 'owner=ops']), 'service/web labeled\n');

    // The file gains a sidecar, a second container port and a second Service port.
    const docs = YAML.parseAllDocuments(await readFile(fixture('frontend-deployment.yaml'), 'utf8')).map((d) => d.toJS());
    const [deploy, svc] = docs;
    deploy.spec.template.spec.containers[0].image = 'nginx:1.26';
    deploy.spec.template.spec.containers[0].ports.push({ containerPort: 443 });
    deploy.spec.template.spec.containers.push({ name: 'sidecar', image: 'busybox:1.36', args: ['sleep', '3600'] });
    svc.spec.ports = [{ name: 'http', port: 80, targetPort: 80, nodePort: 30080 }, { name: 'https', port: 443, targetPort: 443 }];
    const edited = join(c.home, 'frontend-edited.yaml');
    await writeFile(edited, docs.map((d) => YAML.stringify(d)).join('---\n'));
    assert.equal(await c.kubectlOk(['apply', '-f', edited]), 'deployment.apps/web configured\nservice/web configured\n');

    const live = await c.kubectlJson(['get', 'deploy', 'web']);
    const containers = live.spec.template.spec.containers;
    assert.deepEqual(containers.map((x: any) => x.name), ['web', 'sidecar']);
    assert.equal(containers[0].image, 'nginx:1.26');
    assert.deepEqual(containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443, protocol: 'TCP' }]);
    assert.deepEqual(containers[0].env, [{ name: 'FROM_ELSEWHERE', value: 'yes' }], 'the env var set elsewhere is kept');
    assert.deepEqual(containers[1].args, ['sleep', '3600']);
    assert.equal(containers[1].imagePullPolicy, 'IfNotPresent');
    assert.equal(live.metadata.generation, 3);

    const liveSvc = await c.kubectlJson(['get', 'svc', 'web']);
    assert.equal(liveSvc.metadata.labels.owner, 'ops', 'the label set elsewhere is kept');
    assert.deepEqual(liveSvc.spec.ports.map((p: any) => [p.name, p.port, p.targetPort, p.protocol]), [['http', 80, 80, 'TCP'], ['https', 443, 443, 'TCP']]);
    assert.equal(liveSvc.spec.ports[0].nodePort, 30080);
    assert.ok(liveSvc.spec.ports[1].nodePort >= 30000 && liveSvc.spec.ports[1].nodePort <= 32767, `allocated ${liveSvc.spec.ports[1].nodePort}`);

    // Dropping the sidecar from the file removes it (it was in the last applied configuration);
    // the env var, never applied, stays.
    deploy.spec.template.spec.containers.pop();
    await writeFile(edited, docs.map((d) => YAML.stringify(d)).join('---\n'));
    assert.equal(await c.kubectlOk(['apply', '-f', edited]), 'deployment.apps/web configured\nservice/web unchanged\n');
    const trimmed = (await c.kubectlJson(['get', 'deploy', 'web'])).spec.template.spec.containers;
    assert.deepEqual(trimmed.map((x: any) => x.name), ['web']);
    assert.deepEqual(trimmed[0].env, [{ name: 'FROM_ELSEWHERE', value: 'yes' }]);
  });

  test('kubectl apply --server-side creates, then merges', async () => {
    const cm = (data: Record<string, string>) => YAML.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa' }, data });
    assert.equal(await c.kubectlOk(['apply', '--server-side', '-f', '-'], { input: cm({ a: '1' }) }), 'configmap/ssa serverside-applied\n');
    await c.kubectlOk(['patch', 'configmap', 'ssa', '--type', 'merge', '-p', '{"data":{"other":"x"}}']);
    assert.equal(await c.kubectlOk(['apply', '--server-side', '-f', '-'], { input: cm({ a: '2', b: '3' }) }), 'configmap/ssa serverside-applied\n');
    const live = await c.kubectlJson(['get', 'configmap', 'ssa', '--show-managed-fields']);
    assert.deepEqual(live.data, { a: '2', b: '3', other: 'x' });
    const managers = live.metadata.managedFields.map((f: any) => [f.manager, f.operation]);
    assert.deepEqual(managers.sort(), [['kubectl', 'Apply'], ['kubectl-patch', 'Update']]);
  });
});

describe('kubectl label, annotate, scale, patch, edit', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster({ prefix: 't10-' });
    await c.kubectlOk(['apply', '-f', fixture('frontend-deployment.yaml')]);
  });
  after(async () => {
    await c?.down();
  });

  test('label and annotate add, overwrite only when asked, and remove', async () => {
    assert.equal(await c.kubectlOk(['label', 'svc', 'web', 'tier=frontend']), 'service/web labeled\n');
    const clash = await c.kubectl(['label', 'svc', 'web', 'tier=backend']);
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, /'tier' already has a value \(frontend\), and --overwrite is false/);
    assert.equal(await c.kubectlOk(['label', 'svc', 'web', 'tier=backend', '--overwrite']), 'service/web labeled\n');
    assert.equal(await c.kubectlOk(['get', 'svc', '-l', 'tier=backend', '-o', 'name']), 'service/web\n');
    assert.equal(await c.kubectlOk(['label', 'svc', 'web', 'tier-']), 'service/web unlabeled\n');
    assert.equal((await c.kubectl(['get', 'svc', '-l', 'tier', '-o', 'name'])).stdout, '');
    const bad = await c.kubectl(['label', 'svc', 'web', 'bad_key!=x']);
    assert.notEqual(bad.code, 0);

    assert.equal(await c.kubectlOk(['annotate', 'svc', 'web', 'note=hello world']), 'service/web annotated\n');
    assert.equal(await c.kubectlOk(['get', 'svc', 'web', '-o', 'jsonpath={.metadata.annotations.note}']), 'hello world');
    assert.equal(await c.kubectlOk(['annotate', 'svc', 'web', 'note-']), 'service/web annotated\n');
    assert.equal(await c.kubectlOk(['get', 'svc', 'web', '-o', 'jsonpath={.metadata.annotations.note}']), '');
  });

  test('scale goes through the scale subresource and the ReplicaSet follows', async () => {
    assert.equal(await c.kubectlOk(['scale', 'deployment', 'web', '--replicas=4']), 'deployment.apps/web scaled\n');
    assert.equal(await c.kubectlOk(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']), '4');
    await waitFor('four web pods', async () => (await c.kubectlNames(['get', 'pods', '-l', 'app=web'])).length, (n) => n === 4);
    const wrong = await c.kubectl(['scale', 'deployment', 'web', '--current-replicas=2', '--replicas=1']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /Expected replicas to be 2, was 4/);
    const scale = JSON.parse(await c.kubectlOk(['get', '--raw', '/apis/apps/v1/namespaces/default/deployments/web/scale']));
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.apiVersion, 'autoscaling/v1');
    assert.equal(scale.spec.replicas, 4);
    assert.equal(scale.status.selector, 'app=web');
    assert.equal(await c.kubectlOk(['scale', 'deployment', 'web', '--replicas=2']), 'deployment.apps/web scaled\n');
    await waitFor('two web pods', async () => (await c.kubectlNames(['get', 'pods', '-l', 'app=web'])).length, (n) => n === 2);
  });

  test('patch --type json and --type merge', async () => {
    assert.equal(await c.kubectlOk(['patch', 'svc', 'web', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/ports/0/nodePort","value":30081}]']), 'service/web patched\n');
    assert.equal(await c.kubectlOk(['get', 'svc', 'web', '-o', 'jsonpath={.spec.ports[0].nodePort}']), '30081');
    assert.equal(await c.kubectlOk(['patch', 'deployment', 'web', '--type', 'merge', '-p', '{"spec":{"minReadySeconds":5}}']), 'deployment.apps/web patched\n');
    assert.equal(await c.kubectlOk(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.minReadySeconds}']), '5');
    assert.equal(await c.kubectlOk(['patch', 'deployment', 'web', '--type', 'merge', '-p', '{"spec":{"minReadySeconds":5}}']), 'deployment.apps/web patched (no change)\n');
    // A JSON patch whose test fails changes nothing.
    const failed = await c.kubectl(['patch', 'svc', 'web', '--type', 'json', '-p', '[{"op":"test","path":"/spec/type","value":"ClusterIP"},{"op":"replace","path":"/spec/type","value":"ClusterIP"}]']);
    assert.equal(failed.code, 1);
    // Upstream answers a failed test with a detail-less 422.
    assert.match(failed.stderr, /The request is invalid: the server rejected our request due to an error in our request/);
    assert.equal(await c.kubectlOk(['get', 'svc', 'web', '-o', 'jsonpath={.spec.type}']), 'NodePort');
    // Changing the type to ClusterIP drops the node port; back to NodePort allocates one.
    await c.kubectlOk(['patch', 'svc', 'web', '--type', 'merge', '-p', '{"spec":{"type":"ClusterIP","ports":[{"port":80,"targetPort":80}]}}']);
    const cip = await c.kubectlJson(['get', 'svc', 'web']);
    assert.equal(cip.spec.type, 'ClusterIP');
    assert.equal(cip.spec.ports[0].nodePort, undefined);
    assert.equal(cip.spec.externalTrafficPolicy, undefined);
  });

  test('edit with a scripted editor saves the change; an invalid edit is refused and stores nothing', async () => {
    const editor = join(c.home, 'editor.sh');
    await writeFile(editor, '#!/bin/sh\nsed -i "s/sessionAffinity: None/sessionAffinity: ClientIP/" "$1"\n', { mode: 0o755 });
    assert.equal(await c.kubectlOk(['edit', 'svc', 'web'], { env: { KUBE_EDITOR: editor } }), 'service/web edited\n');
    const svc = await c.kubectlJson(['get', 'svc', 'web']);
    assert.equal(svc.spec.sessionAffinity, 'ClientIP');
    assert.deepEqual(svc.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });

    const noop = join(c.home, 'noop.sh');
    await writeFile(noop, '#!/bin/sh\ntrue\n', { mode: 0o755 });
    const cancelled = await c.kubectl(['edit', 'svc', 'web'], { env: { KUBE_EDITOR: noop } });
    assert.equal(cancelled.code, 0);
    assert.match(cancelled.stderr + cancelled.stdout, /Edit cancelled, no changes made\./);

    const breaker = join(c.home, 'breaker.sh');
    await writeFile(breaker, '#!/bin/sh\nsed -i "s/ port: 80$/ port: 70000/" "$1"\n', { mode: 0o755 });
    const refused = await c.kubectl(['edit', 'svc', 'web'], { env: { KUBE_EDITOR: breaker } });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /error: services "web" is invalid/);
    // kubectl reopens the file with the server's causes on top, and keeps a copy of it.
    const copy = /A copy of your changes has been stored to "([^"]+)"/.exec(refused.stderr)?.[1];
    assert.ok(copy, refused.stderr);
    assert.match(await readFile(copy, 'utf8'), /^# \* spec\.ports\[0\]\.port: Invalid value: 70000: must be between 1 and 65535, inclusive$/m);
    assert.equal(await c.kubectlOk(['get', 'svc', 'web', '-o', 'jsonpath={.spec.ports[0].port}']), '80');
  });
});
