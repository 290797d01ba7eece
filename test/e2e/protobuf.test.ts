// kubectl's typed create commands POST application/vnd.kubernetes.protobuf: against a real control
// plane, each must store the object kubectl meant (checked with `kubectl get -o json`), and a
// corrupt protobuf body must get upstream's 400.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startCluster, type Cluster } from './lib/cluster.js';
import { run } from './lib/process.js';

describe('protobuf request bodies from kubectl', () => {
  let c: Cluster | undefined;
  let certDir = '';
  before(async () => {
    certDir = await mkdtemp(join(tmpdir(), 't9-pb-cert-'));
    c = await startCluster({ prefix: 't9-pb-' });
  });
  after(async () => {
    try {
      await c?.down();
    } finally {
      if (certDir) await rm(certDir, { recursive: true, force: true });
    }
  });
  const cluster = () => c!;

  test('kubectl create deployment web --image=nginx:1.25 --replicas=3', async () => {
    assert.equal(await cluster().kubectlOk(['create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=3']), 'deployment.apps/web created\n');
    const d = await cluster().kubectlJson(['get', 'deployment', 'web']);
    assert.equal(d.spec.replicas, 3);
    assert.deepEqual(d.metadata.labels, { app: 'web' });
    assert.deepEqual(d.spec.selector, { matchLabels: { app: 'web' } });
    assert.deepEqual(d.spec.template.metadata.labels, { app: 'web' });
    assert.deepEqual(d.spec.template.spec.containers.map((x: { name: string; image: string }) => [x.name, x.image]), [['nginx', 'nginx:1.25']]);
    // The zeros protobuf carries for unset fields did not reach the object: defaults filled them.
    assert.equal(d.metadata.generateName, undefined);
    assert.equal(d.spec.template.spec.restartPolicy, 'Always');
    assert.equal(d.spec.template.spec.dnsPolicy, 'ClusterFirst');
    assert.equal(d.spec.strategy.type, 'RollingUpdate');
  });

  test('kubectl create service clusterip backend --tcp=80:8080', async () => {
    assert.equal(await cluster().kubectlOk(['create', 'service', 'clusterip', 'backend', '--tcp=80:8080']), 'service/backend created\n');
    const svc = await cluster().kubectlJson(['get', 'service', 'backend']);
    assert.deepEqual(svc.spec.ports, [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }]);
    assert.deepEqual(svc.spec.selector, { app: 'backend' });
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.match(svc.spec.clusterIP, /^10\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/);
  });

  test('kubectl create secret tls keeps the certificate and key bytes', async () => {
    const crt = join(certDir, 'web.crt');
    const key = join(certDir, 'web.key');
    const ssl = await run('openssl', ['req', '-x509', '-nodes', '-newkey', 'rsa:2048', '-days', '1', '-subj', '/CN=web.example.com', '-keyout', key, '-out', crt]);
    assert.equal(ssl.code, 0, ssl.stderr);
    assert.equal(await cluster().kubectlOk(['create', 'secret', 'tls', 'web-tls', `--cert=${crt}`, `--key=${key}`]), 'secret/web-tls created\n');
    const secret = await cluster().kubectlJson(['get', 'secret', 'web-tls']);
    assert.equal(secret.type, 'kubernetes.io/tls');
    assert.deepEqual(secret.data, { 'tls.crt': (await readFile(crt)).toString('base64'), 'tls.key': (await readFile(key)).toString('base64') });
  });

  test('kubectl create configmap, secret generic, namespace and serviceaccount', async () => {
    assert.equal(await cluster().kubectlOk(['create', 'configmap', 'cfg', '--from-literal=a=1', '--from-literal=b=two']), 'configmap/cfg created\n');
    assert.deepEqual((await cluster().kubectlJson(['get', 'configmap', 'cfg'])).data, { a: '1', b: 'two' });
    assert.equal(await cluster().kubectlOk(['create', 'secret', 'generic', 'creds', '--from-literal=password=s3cr3t', '--from-literal=empty=']), 'secret/creds created\n');
    const creds = await cluster().kubectlJson(['get', 'secret', 'creds']);
    assert.deepEqual([creds.type, creds.data], ['Opaque', { password: Buffer.from('s3cr3t').toString('base64'), empty: '' }]);
    assert.equal(await cluster().kubectlOk(['create', 'namespace', 'team-a']), 'namespace/team-a created\n');
    assert.equal((await cluster().kubectlJson(['get', 'namespace', 'team-a'])).status.phase, 'Active');
    assert.equal(await cluster().kubectlOk(['create', 'serviceaccount', 'robot', '-n', 'team-a']), 'serviceaccount/robot created\n');
    assert.equal((await cluster().kubectlJson(['get', 'serviceaccount', 'robot', '-n', 'team-a'])).metadata.namespace, 'team-a');
  });

  test('a corrupt protobuf body gets upstream\'s 400', async () => {
    // The magic, then a typeMeta field that claims 5 bytes and has 1.
    const body = Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x05, 0x0a]);
    const res = await cluster().request('POST', '/api/v1/namespaces/default/configmaps', { body, contentType: 'application/vnd.kubernetes.protobuf' });
    assert.equal(res.status, 400);
    const status = JSON.parse(res.body);
    assert.equal(status.reason, 'BadRequest');
    assert.equal(status.message, 'the object provided is unrecognized (must be of type ConfigMap): unexpected EOF (6b3873000a050a)');
  });
});
