import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../../kube/errors.js';
import { decodeBody, type DecodeOptions } from './decode.js';

const service: DecodeOptions['gvk'] = { group: '', version: 'v1', kind: 'Service' };
const deployment: DecodeOptions['gvk'] = { group: 'apps', version: 'v1', kind: 'Deployment' };

function refused(body: string, options: Partial<DecodeOptions> = {}, contentType = 'application/json'): ApiError {
  try {
    decodeBody(Buffer.from(body), contentType, { gvk: service, fieldValidation: 'Strict', ...options });
  } catch (e) {
    assert.ok(e instanceof ApiError, String(e));
    return e;
  }
  assert.fail('decodeBody accepted the body');
}

const svc = (spec: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec, ...extra });

describe('decodeBody', () => {
  it('decodes a JSON body, filling apiVersion and kind from the URL when absent', () => {
    const { object, warnings } = decodeBody(Buffer.from('{"metadata":{"name":"web"},"spec":{"ports":[{"port":80,"targetPort":"http"}]}}'), 'application/json; charset=utf-8', { gvk: service });
    assert.deepEqual(object, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80, targetPort: 'http' }] } });
    assert.deepEqual(warnings, []);
  });

  it('decodes YAML 1.1 as go-yaml does (yes is a boolean, the first document counts)', () => {
    const yaml = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  publishNotReadyAddresses: yes\n  ports:\n  - port: 80\n---\nkind: Other\n';
    const { object } = decodeBody(Buffer.from(yaml), 'application/yaml', { gvk: service });
    assert.deepEqual(object.spec, { publishNotReadyAddresses: true, ports: [{ port: 80 }] });
  });

  it('refuses a field of the wrong type in encoding/json words', () => {
    const e = refused(svc({ ports: [{ port: '80' }] }));
    assert.equal(e.code, 400);
    assert.equal(e.reason, 'BadRequest');
    assert.equal(e.message, 'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32');
    assert.equal(refused(svc({ selector: { matchLabels: { app: 'web' } } })).message,
      'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal object into Go struct field ServiceSpec.spec.selector of type string');
    assert.equal(refused(svc({ ports: [{ port: 80, protocol: 6 }] })).message,
      'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal number into Go struct field ServicePort.spec.ports.protocol of type v1.Protocol');
    assert.equal(refused(svc({ ports: [{ port: 1.5 }] })).message,
      'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal number 1.5 into Go struct field ServicePort.spec.ports.port of type int32');
    assert.equal(refused(svc('none')).message,
      'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal string into Go struct field Service.spec of type v1.ServiceSpec');
  });

  it('refuses unknown and duplicate fields under Strict, warns under Warn, drops them under Ignore', () => {
    const body = '{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","name":"web"},"spec":{"foo":1,"ports":[{"port":80,"nodeport":30080}]},"bar":true}';
    assert.equal(refused(body).message,
      'Service in version "v1" cannot be handled as a Service: strict decoding error: duplicate field "metadata.name", unknown field "spec.foo", unknown field "spec.ports[0].nodeport", unknown field "bar"');
    const warned = decodeBody(Buffer.from(body), 'application/json', { gvk: service, fieldValidation: 'Warn' });
    assert.deepEqual(warned.warnings, ['duplicate field "metadata.name"', 'unknown field "spec.foo"', 'unknown field "spec.ports[0].nodeport"', 'unknown field "bar"']);
    assert.deepEqual(warned.object.spec, { ports: [{ port: 80 }] });
    const ignored = decodeBody(Buffer.from(body), 'application/json', { gvk: service, fieldValidation: 'Ignore' });
    assert.deepEqual(ignored.warnings, []);
    assert.deepEqual(ignored.object, warned.object);
    // No directive means Warn, as upstream.
    assert.equal(decodeBody(Buffer.from(body), 'application/json', { gvk: service }).warnings.length, 4);
  });

  it('reports duplicate YAML keys as go-yaml does, one warning per line', () => {
    const yaml = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  name: b\nspec:\n  type: NodePort\n  type: ClusterIP\n';
    assert.equal(refused(yaml, {}, 'application/yaml').message,
      'Service in version "v1" cannot be handled as a Service: strict decoding error: error converting YAML to JSON: yaml: unmarshal errors:\n  line 5: key "name" already set in map\n  line 8: key "type" already set in map');
    const { warnings, object } = decodeBody(Buffer.from(yaml), 'application/yaml', { gvk: service, fieldValidation: 'Warn' });
    assert.deepEqual(warnings, ['line 5: key "name" already set in map', 'line 8: key "type" already set in map']);
    assert.equal(object.metadata.name, 'b');
  });

  it('refuses a body of another kind or version as upstream does', () => {
    assert.equal(refused('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}').message,
      'Pod in version "v1" cannot be handled as a Service: converting (v1.Pod) to (core.Service): unknown conversion');
    assert.equal(refused('{"apiVersion":"v1","kind":"service","metadata":{"name":"p"}}').message,
      'service in version "v1" cannot be handled as a Service: no kind "service" is registered for version "v1" in scheme "pkg/api/legacyscheme/scheme.go:30"');
    assert.equal(refused('{"apiVersion":"extensions/v1beta1","kind":"Deployment","metadata":{"name":"d"}}', { gvk: deployment }).message,
      'Deployment in version "v1beta1" cannot be handled as a Deployment: no kind "Deployment" is registered for version "extensions/v1beta1" in scheme "pkg/api/legacyscheme/scheme.go:30"');
    assert.equal(refused('{"apiVersion":"apps/v1","kind":"ReplicaSet"}', { gvk: deployment }).message,
      'ReplicaSet in version "v1" cannot be handled as a Deployment: converting (v1.ReplicaSet) to (apps.Deployment): unknown conversion');
  });

  it('refuses bodies it cannot read with the unrecognized-object message and a summary', () => {
    assert.equal(refused('{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},}').message,
      `the object provided is unrecognized (must be of type Service): couldn't get version/kind; json parse error: invalid character '}' looking for beginning of object key string ({"apiVersion":"v1","kind":"Ser ...)`);
    assert.equal(refused('').message,
      `the object provided is unrecognized (must be of type Service): couldn't get version/kind; json parse error: unexpected end of JSON input (<empty>)`);
    assert.equal(refused('[1]').message,
      `the object provided is unrecognized (must be of type Service): couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" } (5b315d)`);
    assert.equal(refused('{"apiVersion":"a/b/c"}').message,
      'the object provided is unrecognized (must be of type Service): unexpected GroupVersion string: a/b/c ({"apiVersion":"a/b/c"})');
    assert.equal(refused('metadata: name: web\n', {}, 'application/yaml').message,
      'the object provided is unrecognized (must be of type Service): error converting YAML to JSON: yaml: line 1: mapping values are not allowed in this context (6d657461646174613a206e616d653a207765620a)');
  });

  it('refuses malformed base64, quantities and times with their decoders\' messages', () => {
    const secret = { group: '', version: 'v1', kind: 'Secret' };
    assert.equal(refused('{"kind":"Secret","apiVersion":"v1","data":{"k":"abc"}}', { gvk: secret }).message,
      'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0');
    const pod = { group: '', version: 'v1', kind: 'Pod' };
    assert.equal(refused('{"kind":"Pod","apiVersion":"v1","spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":"lots"}}}]}}', { gvk: pod }).message,
      "Pod in version \"v1\" cannot be handled as a Pod: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    const { object } = decodeBody(Buffer.from('{"kind":"Pod","apiVersion":"v1","spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":2}}}]}}'), 'application/json', { gvk: pod });
    assert.deepEqual(object.spec.containers[0].resources, { limits: { cpu: '2' } });
    assert.equal(refused('{"kind":"Pod","apiVersion":"v1","metadata":{"creationTimestamp":"today"}}', { gvk: pod }).message,
      'Pod in version "v1" cannot be handled as a Pod: parsing time "today" as "2006-01-02T15:04:05Z07:00": cannot parse "today" as "2006"');
  });

  it('refuses media types it does not decode with 415', () => {
    const e = refused('{}', {}, 'text/plain');
    assert.equal(e.code, 415);
    assert.equal(e.message, 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf');
  });

  it('parses patch bodies for the patch media types', () => {
    const { object, warnings } = decodeBody(Buffer.from('{"a":1,"a":2}'), 'application/merge-patch+json', { gvk: service, fieldValidation: 'Warn' });
    assert.deepEqual(object, { a: 2 });
    assert.deepEqual(warnings, ['duplicate field "a"']);
  });
});
