import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ApiError } from '../../../kube/errors.js';
import { decodeBody } from '../decode.js';
import { decodeProtobufObject } from './decode.js';

import { bytes, entry, envelope, int, MAGIC, msg, tag, varint } from './testing.js';

const deployment = { group: 'apps', version: 'v1', kind: 'Deployment' };
const pod = { group: '', version: 'v1', kind: 'Pod' };
const service = { group: '', version: 'v1', kind: 'Service' };

function refused(raw: Buffer, into = deployment): ApiError {
  try {
    decodeProtobufObject(raw, into);
  } catch (e) {
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.code, 400);
    return e;
  }
  assert.fail('the body was accepted');
}

describe('decodeProtobufObject', () => {
  it('keeps a sent zero of a pointer field, drops a zero of an omitempty one, as kubectl\'s JSON has them', () => {
    // gogo sends every non-pointer field, zero or not; encoding/json leaves omitempty zeros out.
    const meta = msg(1, bytes(1, 'web'), bytes(2, ''), bytes(3, ''), int(7, 0), msg(8), int(10, 0));
    const spec = msg(2, int(1, 0), int(5, 0), int(7, 0), msg(4));
    const { apiVersion, kind, object } = decodeProtobufObject(envelope('apps/v1', 'Deployment', meta, spec, msg(3)), deployment);
    assert.equal(apiVersion, 'apps/v1');
    assert.equal(kind, 'Deployment');
    assert.deepEqual(object, {
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { name: 'web', creationTimestamp: null, deletionGracePeriodSeconds: 0 },
      spec: { replicas: 0, strategy: {} },
      status: {},
    });
  });

  it('leaves an optional that was not sent absent, and keeps zeros of fields without omitempty', () => {
    const port = msg(1, bytes(1, ''), bytes(2, 'TCP'), int(3, 0), msg(4, int(1, 0), int(2, 0), bytes(3, '')), int(5, 0));
    const { object } = decodeProtobufObject(envelope('v1', 'Service', msg(2, port)), service);
    assert.deepEqual(object.spec, { ports: [{ protocol: 'TCP', port: 0, targetPort: 0 }] });
    assert.equal('metadata' in object, false);
  });

  it('reads negative and 64-bit integers, and repeated numbers packed or one by one', () => {
    const securityContext = msg(14, int(2, -1), Buffer.concat([tag(4, 2), varint(3), varint(1), varint(2), varint(3)]), int(4, 4000000000));
    const meta = msg(1, int(7, 2 ** 40));
    const { object } = decodeProtobufObject(envelope('v1', 'Pod', meta, msg(2, securityContext, msg(2, bytes(1, 'c'), msg(6, int(3, -5))))), pod);
    assert.equal(object.metadata.generation, 2 ** 40);
    assert.deepEqual(object.spec.securityContext, { runAsUser: -1, supplementalGroups: [1, 2, 3, 4000000000] });
    assert.deepEqual(object.spec.containers[0].ports, [{ containerPort: -5 }]);
  });

  it('prints maps, bytes in base64, quantities and IntOrString as the JSON API does', () => {
    const secret = decodeProtobufObject(envelope('v1', 'Secret', msg(1, bytes(1, 's')), entry(2, 'key', Buffer.from([0, 255, 1])), entry(2, 'empty', ''), bytes(3, 'Opaque')),
      { group: '', version: 'v1', kind: 'Secret' }).object;
    assert.deepEqual(secret.data, { key: 'AP8B', empty: '' });
    assert.equal(secret.type, 'Opaque');

    const limits = Buffer.concat([entry(1, 'cpu', bytes(1, '500m')), entry(1, 'memory', bytes(1, '64Mi'))]);
    const probe = msg(10, msg(1, msg(2, bytes(1, '/healthz'), msg(2, int(1, 1), bytes(3, 'http')))), int(2, 3));
    const container = msg(2, bytes(1, 'c'), msg(8, limits), probe);
    const { object } = decodeProtobufObject(envelope('v1', 'Pod', msg(2, container)), pod);
    assert.deepEqual(object.spec.containers[0], {
      name: 'c',
      resources: { limits: { cpu: '500m', memory: '64Mi' } },
      // Probe inlines its handler, as `json:",inline"` does.
      livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 3 },
    });
  });

  it('flattens inlined structs: a Volume carries its source\'s fields', () => {
    const volume = msg(1, bytes(1, 'scratch'), msg(2, msg(2, bytes(1, 'Memory'), msg(2, bytes(1, '1Gi')))));
    const { object } = decodeProtobufObject(envelope('v1', 'Pod', msg(2, volume)), pod);
    assert.deepEqual(object.spec.volumes, [{ name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } }]);
  });

  it('prints Time in whole seconds and MicroTime with microseconds, the zero time as null', () => {
    const meta = msg(1, msg(8, int(1, 1714557600), int(2, 999999999)), msg(9, int(1, 0)));
    const spec = msg(2, bytes(1, 'node-a'), msg(3, int(1, 1714557600), int(2, 123456789)), msg(4));
    const { object } = decodeProtobufObject(envelope('coordination.k8s.io/v1', 'Lease', meta, spec), { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' });
    // Time drops nanoseconds; an explicit 0 seconds is the Unix epoch, not the zero time.
    assert.equal(object.metadata.creationTimestamp, '2024-05-01T10:00:00Z');
    assert.equal(object.metadata.deletionTimestamp, '1970-01-01T00:00:00Z');
    assert.deepEqual(object.spec, { holderIdentity: 'node-a', acquireTime: '2024-05-01T10:00:00.123456Z', renewTime: null });
  });

  it('embeds the JSON a RawExtension holds', () => {
    const raw = msg(2, bytes(1, '{"spec":{"template":{"metadata":{"labels":{"a":"b"}}}}}'));
    const { object } = decodeProtobufObject(envelope('apps/v1', 'ControllerRevision', raw, int(3, 2)), { group: 'apps', version: 'v1', kind: 'ControllerRevision' });
    assert.deepEqual(object.data, { spec: { template: { metadata: { labels: { a: 'b' } } } } });
    assert.equal(object.revision, 2);
    const e = refused(envelope('apps/v1', 'ControllerRevision', msg(2, bytes(1, '{"a":'))), { group: 'apps', version: 'v1', kind: 'ControllerRevision' });
    assert.equal(e.message, 'ControllerRevision in version "v1" cannot be handled as a ControllerRevision: failed to parse RawExtension bytes as JSON: unexpected end of JSON input');
  });

  it('skips unknown fields of every wire type, groups included', () => {
    const unknown = Buffer.concat([int(99, 7), bytes(98, 'x'), tag(97, 1), Buffer.alloc(8), tag(96, 5), Buffer.alloc(4), tag(95, 3), int(1, 1), tag(95, 4)]);
    const { object } = decodeProtobufObject(envelope('v1', 'Service', msg(1, unknown, bytes(1, 'web'))), service);
    assert.deepEqual(object.metadata, { name: 'web' });
  });

  it('merges a message field sent twice, and the last scalar wins', () => {
    const { object } = decodeProtobufObject(envelope('v1', 'Service', msg(1, bytes(1, 'a')), msg(1, bytes(3, 'ns'), bytes(1, 'b'))), service);
    assert.deepEqual(object.metadata, { name: 'b', namespace: 'ns' });
  });

  it('takes what the envelope leaves out from the URL', () => {
    const body = Buffer.concat([MAGIC, msg(2, msg(1, bytes(1, 'web')))]);
    const { apiVersion, kind, object } = decodeProtobufObject(body, service);
    assert.deepEqual([apiVersion, kind, object.metadata.name], ['v1', 'Service', 'web']);
  });

  it('refuses undecodable envelopes as upstream does: the object provided is unrecognized', () => {
    assert.equal(refused(Buffer.alloc(0)).message, 'the object provided is unrecognized (must be of type Deployment): empty data (<empty>)');
    assert.equal(refused(Buffer.from('{"kind":"Deployment"}')).message,
      'the object provided is unrecognized (must be of type Deployment): provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] ({"kind":"Deployment"})');
    assert.equal(refused(MAGIC).message, 'the object provided is unrecognized (must be of type Deployment): empty body (6b387300)');
    assert.equal(refused(Buffer.concat([MAGIC, Buffer.from([0x0a, 0x05, 0x0a])])).message,
      'the object provided is unrecognized (must be of type Deployment): unexpected EOF (6b3873000a050a)');
    assert.equal(refused(Buffer.concat([MAGIC, Buffer.from([0x00])])).message,
      'the object provided is unrecognized (must be of type Deployment): proto: Unknown: illegal tag 0 (wire type 0) (6b38730000)');
  });

  it('refuses undecodable objects in the gogo Unmarshal words, after the kind', () => {
    assert.equal(refused(envelope('apps/v1', 'Deployment', msg(1, int(1, 5)))).message,
      'Deployment in version "v1" cannot be handled as a Deployment: proto: wrong wireType = 0 for field Name');
    assert.equal(refused(envelope('apps/v1', 'Deployment', msg(1, msg(8, tag(1, 4))))).message,
      'Deployment in version "v1" cannot be handled as a Deployment: proto: Timestamp: wiretype end group for non-group');
    assert.equal(refused(envelope('apps/v1', 'Deployment', Buffer.from([0x12, 0x7f, 0x00]))).message,
      'Deployment in version "v1" cannot be handled as a Deployment: unexpected EOF');
    assert.equal(refused(envelope('apps/v1', 'Deployment', tag(5, 7))).message,
      'Deployment in version "v1" cannot be handled as a Deployment: proto: illegal wireType 7');
    assert.equal(refused(envelope('apps/v1', 'Deployment', tag(5, 0), Buffer.alloc(10, 0xff), Buffer.from([1]))).message,
      'Deployment in version "v1" cannot be handled as a Deployment: proto: integer overflow');
    assert.equal(refused(envelope('v1', 'Service', msg(2, msg(1, msg(4, int(1, 2))))), service).message,
      'Service in version "v1" cannot be handled as a Service: impossible IntOrString.Type');
  });

  it('refuses a kind the scheme does not know as upstream\'s scheme does', () => {
    assert.equal(refused(envelope('apps/v1', 'Foo', msg(1, bytes(1, 'f')))).message,
      'Foo in version "v1" cannot be handled as a Deployment: no kind "Foo" is registered for version "apps/v1" in scheme "pkg/api/legacyscheme/scheme.go:30"');
  });

  it('answers any byte string with an object or an ApiError, never another failure', () => {
    const prefix = Buffer.concat([MAGIC, msg(1, bytes(1, 'v1'), bytes(2, 'Pod'))]);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (tail, wrap) => {
      const body = wrap ? Buffer.concat([prefix, bytes(2, Buffer.from(tail))]) : Buffer.concat([MAGIC, Buffer.from(tail)]);
      try {
        const { object } = decodeProtobufObject(body, pod);
        assert.equal(typeof object, 'object');
      } catch (e) {
        assert.ok(e instanceof ApiError, String(e));
      }
    }), { numRuns: 3000 });
  });
});

describe('decodeBody with application/vnd.kubernetes.protobuf', () => {
  const PB = 'application/vnd.kubernetes.protobuf';
  const web = envelope('v1', 'Service', msg(1, bytes(1, 'web'), msg(8)), msg(2, msg(1, bytes(2, 'TCP'), int(3, 80), msg(4, int(1, 1), bytes(3, 'http')))), msg(3, msg(1)));

  it('decodes to what the same object sent as JSON decodes to', () => {
    const json = '{"kind":"Service","apiVersion":"v1","metadata":{"name":"web","creationTimestamp":null},"spec":{"ports":[{"protocol":"TCP","port":80,"targetPort":"http"}]},"status":{"loadBalancer":{}}}';
    const fromJson = decodeBody(Buffer.from(json), 'application/json', { gvk: service, fieldValidation: 'Strict' });
    const fromProtobuf = decodeBody(web, PB, { gvk: service, fieldValidation: 'Strict' });
    assert.deepEqual(fromProtobuf, fromJson);
    assert.deepEqual(fromProtobuf.object.spec.ports, [{ protocol: 'TCP', port: 80, targetPort: 'http' }]);
  });

  it('refuses another served kind as the JSON path does', () => {
    assert.throws(() => decodeBody(envelope('v1', 'Pod', msg(1, bytes(1, 'p'))), PB, { gvk: service }),
      { message: 'Pod in version "v1" cannot be handled as a Service: converting (v1.Pod) to (core.Service): unknown conversion' });
  });

  it('lists what it accepts in the 415 for other media types', () => {
    assert.throws(() => decodeBody(web, 'application/cbor', { gvk: service }), (e: unknown) => e instanceof ApiError && e.code === 415 &&
      e.message === 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf');
  });
});
