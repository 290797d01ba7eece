import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidImageNameError, parseImageReference } from './reference.js';

test('short Docker Hub names normalize as containerd reports them', () => {
  assert.equal(parseImageReference('nginx').normalized, 'docker.io/library/nginx:latest');
  assert.equal(parseImageReference('nginx:1.25').normalized, 'docker.io/library/nginx:1.25');
  assert.equal(parseImageReference('docker.io/library/nginx:1.25').normalized, 'docker.io/library/nginx:1.25');
  assert.equal(parseImageReference('index.docker.io/library/nginx').normalized, 'docker.io/library/nginx:latest');
  assert.equal(parseImageReference('hashicorp/http-echo').repository, 'docker.io/hashicorp/http-echo');
  assert.equal(parseImageReference('curlimages/curl:8.5.0').tag, '8.5.0');
});

test('registries are recognized by a dot, a port or localhost', () => {
  const agnhost = parseImageReference('registry.k8s.io/e2e-test-images/agnhost:2.40');
  assert.equal(agnhost.domain, 'registry.k8s.io');
  assert.equal(agnhost.path, 'e2e-test-images/agnhost');
  assert.equal(agnhost.tag, '2.40');
  assert.equal(parseImageReference('localhost:5000/app').repository, 'localhost:5000/app');
  assert.equal(parseImageReference('localhost/app:v1').domain, 'localhost');
});

test('digests are kept and suppress the default tag', () => {
  const digest = 'sha256:' + 'a'.repeat(64);
  const ref = parseImageReference(`busybox@${digest}`);
  assert.equal(ref.digest, digest);
  assert.equal(ref.tag, undefined);
  assert.equal(ref.normalized, `docker.io/library/busybox@${digest}`);
});

test('bad references fail with the kubelet InvalidImageName message', () => {
  assert.throws(() => parseImageReference('Nginx'), (err: unknown) => {
    assert.ok(err instanceof InvalidImageNameError);
    assert.equal(err.message, 'Failed to apply default image tag "Nginx": couldn\'t parse image reference "Nginx": invalid reference format: repository name (library/Nginx) must be lowercase');
    return true;
  });
  for (const bad of ['nginx:', 'nginx::1', ' nginx', '', 'nginx@sha256:xyz', 'a//b']) {
    assert.throws(() => parseImageReference(bad), /invalid reference format/, bad);
  }
});
