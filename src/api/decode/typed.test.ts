import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeTyped, pruneUnknownFields } from './typed.js';

const SERVICE = 'io.k8s.api.core.v1.Service';
const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';

describe('decodeTyped', () => {
  it('keeps known fields, drops unknown ones and nulls, and lists the unknown ones', () => {
    const r = decodeTyped({ metadata: { name: 'a', labels: null, x: 1 }, spec: { ports: [{ port: 80, bogus: true }], type: null } }, SERVICE, 'json');
    assert.equal(r.error, undefined);
    assert.deepEqual(r.value, { metadata: { name: 'a' }, spec: { ports: [{ port: 80 }] } });
    assert.deepEqual(r.unknownFields, ['metadata.x', 'spec.ports[0].bogus']);
  });

  it('names the innermost struct and the JSON path in json style, as encoding/json does', () => {
    const deploy = { spec: { template: { spec: { containers: [{ name: 'c', env: [{ name: 'PORT', value: 8080 }] }] } } } };
    assert.equal(decodeTyped(deploy, DEPLOYMENT, 'json').error,
      'json: cannot unmarshal number into Go struct field EnvVar.spec.template.spec.containers.env.value of type string');
    assert.equal(decodeTyped({ metadata: { labels: ['a'] } }, SERVICE, 'json').error,
      'json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string');
    assert.equal(decodeTyped({ spec: { ports: 'http' } }, SERVICE, 'json').error,
      'json: cannot unmarshal string into Go struct field ServiceSpec.spec.ports of type []v1.ServicePort');
    assert.equal(decodeTyped({ spec: { ports: ['http'] } }, SERVICE, 'json').error,
      'json: cannot unmarshal string into Go struct field ServiceSpec.spec.ports of type v1.ServicePort');
    assert.equal(decodeTyped({ spec: { ports: [{ port: 80, targetPort: true }] } }, SERVICE, 'json').error,
      'json: cannot unmarshal bool into Go value of type int32');
  });

  it('words mismatches as the unstructured converter does after a strategic merge patch', () => {
    assert.equal(decodeTyped({ spec: 'x' }, SERVICE, 'unstructured').error, 'cannot restore struct from: string');
    assert.equal(decodeTyped({ spec: { ports: {} } }, SERVICE, 'unstructured').error, 'cannot restore slice from map');
    assert.equal(decodeTyped({ spec: { selector: [] } }, SERVICE, 'unstructured').error, 'cannot restore map from slice');
    assert.equal(decodeTyped({ spec: { ports: [{ port: '80' }] } }, SERVICE, 'unstructured').error, 'unrecognized type: int32');
    assert.equal(decodeTyped({ spec: { ports: [{ port: 80.5 }] } }, SERVICE, 'unstructured').error, 'cannot convert float64 to int32');
    assert.equal(decodeTyped({ spec: { type: 1 } }, SERVICE, 'unstructured').error, 'cannot convert int64 to v1.ServiceType');
    assert.equal(decodeTyped({ spec: { clusterIP: true } }, SERVICE, 'unstructured').error, 'unrecognized type: string');
  });

  it('collects every problem in apply style, with server-side apply paths', () => {
    const r = decodeTyped({
      spec: { foo: 1, ports: [{ port: 'http' }, { port: 80, protocol: 'TCP' }, { port: 80 }], selector: { app: 1 } },
    }, SERVICE, 'apply');
    assert.equal(r.error, [
      'errors:',
      '  .spec.foo: field not declared in schema',
      '  .spec.ports[port="http",protocol="TCP"].port: expected numeric (int or float), got string',
      '  .spec.ports: duplicate entries for key [port=80,protocol="TCP"]',
      '  .spec.selector.app: expected string, got &value.valueUnstructured{Value:1}',
    ].join('\n'));
    assert.equal(decodeTyped({ spec: { template: { spec: { containers: [{ image: 'nginx' }] } } } }, DEPLOYMENT, 'apply').error,
      '.spec.template.spec.containers: element 0: associative list with keys has an element that omits all key fields ["name"] (and doesn\'t have default values for any key fields)');
    // A missing key field with a default takes it: a port without `port` still keys as [protocol="TCP"].
    assert.equal(decodeTyped({ spec: { ports: [{ name: 'x' }] } }, SERVICE, 'apply').error, undefined);
    assert.equal(decodeTyped({ metadata: { finalizers: ['a', 'a'] } }, SERVICE, 'apply').error,
      '.metadata.finalizers: duplicate entries for key [="a"]');
  });

  it('prunes unknown fields without judging the types of the known ones', () => {
    const r = pruneUnknownFields({ metadata: { name: 'a', bogus: 1 }, spec: { ports: [{ port: 'eighty', x: 1 }], selector: null } }, SERVICE);
    assert.deepEqual(r.value, { metadata: { name: 'a' }, spec: { ports: [{ port: 'eighty' }] } });
    assert.deepEqual(r.unknownFields, ['metadata.bogus', 'spec.ports[0].x']);
  });
});
