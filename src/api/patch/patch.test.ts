import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../kube/errors.js';
import type { KubeObject } from '../../kube/types.js';
import { applyPatch, type PatchOptions } from './patch.js';

const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';
const MERGE = 'application/merge-patch+json';
const SMP = 'application/strategic-merge-patch+json';
const JSONPATCH = 'application/json-patch+json';

const deploy = (): KubeObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.24' }] } } },
});

const patch = (body: unknown, type: string, options: PatchOptions = { fieldValidation: 'Strict' }, live = deploy()) =>
  applyPatch(live, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), type, DEPLOYMENT, options);

function refused(body: unknown, type: string, options?: PatchOptions): ApiError {
  try {
    patch(body, type, options);
  } catch (e) {
    assert.ok(e instanceof ApiError, String(e));
    return e;
  }
  assert.fail('the patch was applied');
}

describe('applyPatch', () => {
  it('applies kubectl label / annotate merge patches and leaves the live object alone', () => {
    const live = deploy();
    const out = patch({ metadata: { labels: { tier: 'fe' }, annotations: { owner: 'me' } } }, MERGE, {}, live);
    assert.deepEqual(out.metadata, { name: 'web', namespace: 'default', labels: { app: 'web', tier: 'fe' }, annotations: { owner: 'me' } });
    assert.deepEqual(live, deploy());
  });

  it('applies kubectl scale to the scale subresource', () => {
    const scale = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 1 }, status: { replicas: 1, selector: 'app=web' } };
    const out = applyPatch(scale, Buffer.from('{"spec":{"replicas":3}}'), MERGE, 'io.k8s.api.autoscaling.v1.Scale');
    assert.deepEqual(out, { ...scale, spec: { replicas: 3 } });
  });

  it('applies a strategic merge patch with the kind\'s merge keys', () => {
    const out = patch({ spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox' }] } } } }, SMP);
    assert.deepEqual(out.spec.template.spec.containers.map((c: { name: string }) => c.name), ['sidecar', 'nginx']);
    assert.deepEqual(patch({ spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox' }] } } } }, MERGE).spec.template.spec.containers,
      [{ name: 'sidecar', image: 'busybox' }], 'a merge patch replaces lists');
  });

  it('applies a JSON patch', () => {
    assert.equal(patch([{ op: 'replace', path: '/spec/replicas', value: 5 }], JSONPATCH).spec.replicas, 5);
  });

  it('keeps apiVersion and kind whatever the patch does to them', () => {
    const out = patch({ apiVersion: 'v1', kind: 'Pod' }, MERGE);
    assert.equal(out.apiVersion, 'apps/v1');
    assert.equal(out.kind, 'Deployment');
  });

  it('refuses unknown fields under Strict with upstream\'s 422, warns under Warn, drops under Ignore', () => {
    const e = refused({ spec: { replica: 3 } }, MERGE);
    assert.equal(e.code, 422);
    assert.equal(e.reason, 'Invalid');
    assert.match(e.message, /^ "" is invalid: patch: Invalid value: "\{\\"apiVersion\\":\\"apps\/v1\\".*\}": strict decoding error: unknown field "spec.replica"$/);
    assert.deepEqual(e.status.details?.causes?.map((c) => c.field), ['patch']);

    const smpError = refused({ spec: { replica: 3, '$setElementOrder/x': [] } }, SMP);
    assert.equal(smpError.message, ' "" is invalid: patch: Invalid value: "map[spec:map[replica:3]]": strict decoding error: unknown field "spec.replica"');

    const warnings: string[] = [];
    const out = patch('{"spec":{"replica":3},"spec":{"replicas":2}}', MERGE, { fieldValidation: 'Warn', warnings });
    assert.deepEqual(warnings, ['duplicate field "spec"']);
    assert.equal(out.spec.replicas, 2);
    assert.equal(patch({ spec: { replica: 3 } }, SMP, { fieldValidation: 'Ignore' }).spec.replica, undefined);
  });

  it('refuses a patched object of the wrong shape with the decoder\'s words', () => {
    assert.match(refused({ spec: { replicas: '3' } }, MERGE).message,
      /^ "" is invalid: patch: Invalid value: ".*": json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32$/);
    assert.equal(refused({ spec: { replicas: '3' } }, SMP).message,
      ' "" is invalid: patch: Invalid value: "map[spec:map[replicas:3]]": unrecognized type: int32');
  });

  it('answers a JSON patch that does not apply with upstream\'s detail-less 422', () => {
    const e = refused([{ op: 'test', path: '/spec/replicas', value: 2 }], JSONPATCH);
    assert.equal(e.code, 422);
    assert.equal(e.message, 'the server rejected our request due to an error in our request');
  });

  it('answers strategic merge patch failures with upstream\'s codes', () => {
    assert.equal(refused({ spec: { template: { $retainKeys: 'spec' } } }, SMP).code, 400);
    const noKey = refused({ spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, SMP);
    assert.equal(noKey.code, 500);
    assert.equal(noKey.message, 'map: map[image:x] does not contain declared merge key: name');
  });

  it('refuses malformed patch bodies as upstream does for each patch type', () => {
    assert.equal(refused('{"spec":', MERGE).message, 'error decoding patch: unexpected end of JSON input');
    assert.equal(refused('{"spec":', MERGE, { fieldValidation: 'Ignore' }).message, 'Invalid JSON Patch');
    assert.equal(refused('null', MERGE).message, 'Invalid JSON Patch');
    assert.equal(refused('[1]', MERGE).message, 'error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}');
    assert.equal(refused('{"spec":}', SMP).message, `invalid character '}' looking for beginning of value`);
    assert.equal(refused('{"op":"add"}', JSONPATCH).message, 'error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp');
    assert.equal(refused('{"op":"add"}', JSONPATCH, { fieldValidation: 'Ignore' }).message, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
    const strict = refused('[{"op":"add","path":"/a","value":1,"extra":1}]', JSONPATCH);
    assert.match(strict.message, /strict decoding error: json patch unknown field "\[0\].extra"/);
  });

  it('refuses other media types with the PATCH list of 415', () => {
    const e = refused('{}', 'application/json');
    assert.equal(e.code, 415);
    assert.equal(e.message, 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml');
  });

  it('finds the schema from the live object when no schema name is given', () => {
    assert.equal(applyPatch(deploy(), Buffer.from('{"spec":{"replicas":2}}'), MERGE, '').spec.replicas, 2);
  });
});
