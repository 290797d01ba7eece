import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../kube/errors.js';
import { decodeDeleteOptions } from './deleteoptions.js';
import { bytes, envelope, int, msg } from './protobuf/testing.js';

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

function refused(raw: Buffer | string, contentType = 'application/json'): ApiError {
  try {
    decodeDeleteOptions(Buffer.from(raw), contentType);
  } catch (e) {
    assert.ok(e instanceof ApiError, String(e));
    return e;
  }
  assert.fail('the body was accepted');
}

test('protobuf DeleteOptions, as client-go sends them (helm uninstall): any group version', () => {
  // gracePeriodSeconds 1, preconditions 2 {uid 1}, propagationPolicy 4, dryRun 5.
  const body = [int(1, 30), msg(2, bytes(1, 'u-1')), bytes(4, 'Background'), bytes(5, 'All')];
  for (const apiVersion of ['meta.k8s.io/v1', 'v1', 'apps/v1', '']) {
    assert.deepEqual(decodeDeleteOptions(envelope(apiVersion, 'DeleteOptions', ...body), PROTOBUF), {
      gracePeriodSeconds: 30, preconditions: { uid: 'u-1' }, propagationPolicy: 'Background', dryRun: ['All'],
    });
  }
  assert.deepEqual(decodeDeleteOptions(envelope('meta.k8s.io/v1', 'DeleteOptions', int(3, 1)), `${PROTOBUF}; charset=utf-8`), { orphanDependents: true });
});

test('JSON and YAML DeleteOptions; an empty body is none', () => {
  assert.deepEqual(decodeDeleteOptions(Buffer.from('{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Foreground"}'), 'application/json'), { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' });
  assert.deepEqual(decodeDeleteOptions(Buffer.from('gracePeriodSeconds: 0\n'), 'application/yaml'), { gracePeriodSeconds: 0 });
  assert.deepEqual(decodeDeleteOptions(Buffer.alloc(0), undefined), {});
});

test('undecodable bodies are refused in the decoders\' words', () => {
  const bad = refused('{"gracePeriodSeconds":"soon"}');
  assert.equal(bad.code, 500);
  assert.equal(bad.message, 'json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of type int64');
  assert.equal(refused('{').message, "couldn't get version/kind; json parse error: unexpected end of JSON input");
  assert.equal(refused('{"kind":"Pod","apiVersion":"v1"}').message,
    'no kind "Pod" is registered for version "v1" in scheme "k8s.io/apimachinery/pkg/apis/meta/internalversion/scheme/register.go:28"');
  assert.equal(refused('x', 'text/plain').code, 415);
  assert.equal(refused(Buffer.from('k8s\0'), PROTOBUF).message, 'empty body');
});
