// The seeds' `kubectl create <kind>` commands with the real kubectl. kubectl sends these bodies as
// protobuf (application/vnd.kubernetes.protobuf), so the API server must decode it.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { startCluster, type Cluster } from './lib/cluster.js';
import { run } from './lib/process.js';
import { parseTable } from './lib/table.js';
import { waitFor } from './lib/wait.js';
import { inServiceCIDR, podNameOf } from './lib/names.js';

describe('the seeds\' kubectl create commands', () => {
  let c: Cluster;
  let certDir: string;
  before(async () => {
    c = await startCluster({ prefix: 't10-' });
    certDir = await mkdtemp(join(tmpdir(), 't10-cert-'));
  });
  after(async () => {
    await c?.down();
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  test('kubectl create deployment web --image=nginx:1.25 --replicas=3, then expose it', async () => {
    assert.equal(await c.kubectlOk(['create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=3']), 'deployment.apps/web created\n');
    assert.equal(await c.kubectlOk(['expose', 'deployment', 'web', '--port=80', '--target-port=80']), 'service/web exposed\n');
    const table = parseTable(await c.kubectlOk(['get', 'svc', 'web']));
    assert.deepEqual(table.header, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    assert.equal(table.rows[0].TYPE, 'ClusterIP');
    assert.ok(inServiceCIDR(table.rows[0]['CLUSTER-IP']));
    assert.equal(table.rows[0]['PORT(S)'], '80/TCP');
    const svc = await c.kubectlJson(['get', 'svc', 'web']);
    assert.deepEqual(svc.spec.selector, { app: 'web' });
    assert.deepEqual(svc.spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
    const pods = await waitFor('three web pods', () => c.kubectlNames(['get', 'pods', '-l', 'app=web']), (n) => n.length === 3);
    for (const p of pods) assert.match(p, podNameOf('web'));
    const deploy = await c.kubectlJson(['get', 'deployment', 'web']);
    assert.deepEqual(deploy.spec.template.spec.containers.map((x: { name: string; image: string }) => [x.name, x.image]), [['nginx', 'nginx:1.25']]);
    // Deleting a pod: the ReplicaSet makes a replacement.
    await c.kubectlOk(['delete', pods[0]]);
    const after = await waitFor('a replacement pod', () => c.kubectlNames(['get', 'pods', '-l', 'app=web']),
      (n) => n.length === 3 && !n.includes(pods[0]));
    assert.equal(after.length, 3);
  });

  test('kubectl create service clusterip backend --tcp=80:8080', async () => {
    assert.equal(await c.kubectlOk(['create', 'service', 'clusterip', 'backend', '--tcp=80:8080']), 'service/backend created\n');
    const svc = YAML.parse(await c.kubectlOk(['get', 'svc', 'backend', '-o', 'yaml']));
    assert.deepEqual(svc.spec.selector, { app: 'backend' });
    assert.deepEqual(svc.spec.ports, [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }]);
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.equal(svc.spec.sessionAffinity, 'None');
    assert.deepEqual(svc.metadata.labels, { app: 'backend' });
    assert.ok(inServiceCIDR(svc.spec.clusterIP));
  });

  test('kubectl create secret tls stores a kubernetes.io/tls Secret', async () => {
    const crt = join(certDir, 'app1.crt');
    const key = join(certDir, 'app1.key');
    const ssl = await run('openssl', ['req', '-x509', '-nodes', '-newkey', 'rsa:2048', '-days', '1', '-subj', '/CN=app1.example.com', '-keyout', key, '-out', crt]);
    assert.equal(ssl.code, 0, ssl.stderr);
    assert.equal(await c.kubectlOk(['create', 'secret', 'tls', 'app1-tls', `--cert=${crt}`, `--key=${key}`]), 'secret/app1-tls created\n');
    const table = parseTable(await c.kubectlOk(['get', 'secret', 'app1-tls']));
    assert.deepEqual(table.header, ['NAME', 'TYPE', 'DATA', 'AGE']);
    assert.deepEqual([table.rows[0].TYPE, table.rows[0].DATA], ['kubernetes.io/tls', '2']);
    const secret = await c.kubectlJson(['get', 'secret', 'app1-tls']);
    assert.match(Buffer.from(secret.data['tls.crt'], 'base64').toString(), /^-----BEGIN CERTIFICATE-----/);
    assert.match(Buffer.from(secret.data['tls.key'], 'base64').toString(), /^-----BEGIN PRIVATE KEY-----/);
  });

  test('an Ingress is stored with a warning that no controller serves it yet', async () => {
    const created = await c.kubectl(['create', 'ingress', 'app1', '--rule=app1.example.com/=app1:80']);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, 'ingress.networking.k8s.io/app1 created\n');
    assert.match(created.stderr, /^Warning: knit runs no Ingress controller yet: this Ingress is stored, but no traffic follows its rules$/m);
    const patched = await c.kubectl(['annotate', 'ingress', 'app1', 'team=web']);
    assert.match(patched.stderr, /^Warning: knit runs no Ingress controller yet/m);
  });
});
