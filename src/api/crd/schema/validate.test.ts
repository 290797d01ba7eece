import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../../../kube/errors.js';
import type { JSONSchemaProps } from '../types.js';
import { validateListTypes } from './listtypes.js';
import { validateSchema } from './validate.js';

const spec = (properties: Record<string, JSONSchemaProps>, extra: JSONSchemaProps = {}): JSONSchemaProps => ({
  type: 'object', properties: { spec: { type: 'object', properties, ...extra } },
});
const errorsOf = (schema: JSONSchemaProps, obj: unknown, fldPath?: string) => validateSchema(obj, schema, fldPath).map(fieldErrorText);

describe('OpenAPI validation of custom resources', () => {
  it('reports a value of the wrong type as upstream, with the JSON type of the value', () => {
    const s = spec({ replicas: { type: 'integer' }, name: { type: 'string' }, on: { type: 'boolean' }, list: { type: 'array', items: { type: 'string' } } });
    assert.deepEqual(errorsOf(s, { spec: { replicas: 'string' } }), ['spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"']);
    assert.deepEqual(errorsOf(s, { spec: { replicas: 1.5 } }), ['spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number"']);
    assert.deepEqual(errorsOf(s, { spec: { name: 5 } }), ['spec.name: Invalid value: "integer": spec.name in body must be of type string: "integer"']);
    assert.deepEqual(errorsOf(s, { spec: { on: 'yes', list: [1] } }), [
      'spec.list[0]: Invalid value: "integer": spec.list[0] in body must be of type string: "integer"',
      'spec.on: Invalid value: "string": spec.on in body must be of type boolean: "string"',
    ]);
    assert.deepEqual(errorsOf(s, { spec: { name: null } }), ['spec.name: Invalid value: "null": spec.name in body must be of type string: "null"']);
    assert.deepEqual(errorsOf(spec({ name: { type: 'string', nullable: true } }), { spec: { name: null } }), []);
  });

  it('integers pass as numbers; int-or-string takes either', () => {
    assert.deepEqual(errorsOf(spec({ ratio: { type: 'number' } }), { spec: { ratio: 2 } }), []);
    const s = spec({ port: { 'x-kubernetes-int-or-string': true } });
    assert.deepEqual(errorsOf(s, { spec: { port: 80 } }), []);
    assert.deepEqual(errorsOf(s, { spec: { port: 'http' } }), []);
    assert.deepEqual(errorsOf(s, { spec: { port: true } }), ['spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"']);
  });

  it('required, enum, pattern, lengths, bounds and item counts in upstream\'s words', () => {
    const s = spec({
      color: { type: 'string', enum: ['red', 'green'] },
      code: { type: 'string', pattern: '^[a-z]+$', minLength: 2, maxLength: 5 },
      replicas: { type: 'integer', minimum: 1, maximum: 10 },
      ratio: { type: 'number', exclusiveMaximum: true, maximum: 1, multipleOf: 0.25 },
      tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 2 },
      labels: { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 1 },
    }, { required: ['color'] });
    assert.deepEqual(errorsOf(s, { spec: {} }), ['spec.color: Required value']);
    assert.deepEqual(errorsOf(s, { spec: { color: 'purple' } }), ['spec.color: Unsupported value: "purple": supported values: "red", "green"']);
    assert.deepEqual(errorsOf(s, { spec: { color: 'red', code: 'AB' } }), ['spec.code: Invalid value: "AB": spec.code in body should match \'^[a-z]+$\'']);
    assert.deepEqual(errorsOf(s, { spec: { color: 'red', code: 'a' } }), ['spec.code: Invalid value: "a": spec.code in body should be at least 2 chars long']);
    assert.deepEqual(errorsOf(s, { spec: { color: 'red', code: 'abcdef' } }), ['spec.code: Too long: may not be more than 5 bytes']);
    assert.deepEqual(errorsOf(s, { spec: { color: 'red', replicas: 0 } }), ['spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1']);
    assert.deepEqual(errorsOf(s, { spec: { color: 'red', replicas: 11 } }), ['spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10']);
    assert.deepEqual(errorsOf(s, { spec: { color: 'red', ratio: 1 } }), ['spec.ratio: Invalid value: 1: spec.ratio in body should be less than 1']);
    assert.deepEqual(errorsOf(s, { spec: { color: 'red', ratio: 0.3 } }), ['spec.ratio: Invalid value: 0.3: spec.ratio in body should be a multiple of 0.25']);
    assert.deepEqual(errorsOf(s, { spec: { color: 'red', tags: [] } }), ['spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items']);
    assert.deepEqual(errorsOf(s, { spec: { color: 'red', tags: ['a', 'b', 'c'] } }), ['spec.tags: Too many: 3: must have at most 2 items']);
    assert.deepEqual(errorsOf(s, { spec: { color: 'red', labels: { a: 'x', b: 'y' } } }), ['spec.labels: Too many: 2: must have at most 1 items']);
    assert.deepEqual(errorsOf(s, { spec: { color: 'red', labels: { a: 1 } } }), ['spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"']);
  });

  it('checks the formats upstream supports and ignores the ones it strips', () => {
    const s = spec({ ip: { type: 'string', format: 'ipv4' }, when: { type: 'string', format: 'date-time' }, id: { type: 'string', format: 'uuid' }, n: { type: 'integer', format: 'int32' } });
    assert.deepEqual(errorsOf(s, { spec: { ip: '10.0.0.1', when: '2024-01-02T03:04:05Z', id: '123e4567-e89b-12d3-a456-426614174000', n: 2 ** 40 } }), []);
    assert.deepEqual(errorsOf(s, { spec: { ip: '10.0.0', when: 'yesterday' } }), [
      'spec.ip: Invalid value: "10.0.0": spec.ip in body must be of type ipv4: "10.0.0"',
      'spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"',
    ]);
  });

  it('oneOf, anyOf and not report upstream\'s composite messages on a nil path', () => {
    const s = spec({ a: { type: 'string' }, b: { type: 'string' } }, { oneOf: [{ required: ['a'] }, { required: ['b'] }] });
    assert.deepEqual(errorsOf(s, { spec: { a: 'x' } }), []);
    assert.deepEqual(errorsOf(s, { spec: { a: 'x', b: 'y' } }), ['<nil>: Invalid value: "": "spec" must validate one and only one schema (oneOf). Found 2 valid alternatives']);
    assert.deepEqual(errorsOf(s, { spec: {} }), ['<nil>: Invalid value: "": "spec" must validate one and only one schema (oneOf). Found none valid', 'spec.a: Required value']);
    const not = spec({ a: { type: 'string' } }, { not: { required: ['a'] } });
    assert.deepEqual(errorsOf(not, { spec: { a: 'x' } }), ['<nil>: Invalid value: "": "spec" must not validate the schema (not)']);
  });

  it('a default validated at its own path has no name of its own (upstream\'s double space)', () => {
    assert.deepEqual(errorsOf({ type: 'integer' }, 'three', 'spec.x.default'), ['spec.x.default: Invalid value: "string":  in body must be of type integer: "string"']);
  });

  it('set and map lists hold each value and key once', () => {
    const s = spec({
      tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
      ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name', 'protocol'], items: { type: 'object', properties: { name: { type: 'string' }, protocol: { type: 'string' } } } },
    });
    const errs = validateListTypes({ spec: { tags: ['a', 'b', 'a', 'a'], ports: [{ name: 'x', protocol: 'TCP' }, { name: 'x', protocol: 'UDP' }, { name: 'x', protocol: 'TCP', extra: 1 }] } }, s).map(fieldErrorText);
    assert.deepEqual(errs, [
      'spec.tags[2]: Duplicate value: "a"',
      'spec.ports[2]: Duplicate value: map[string]interface {}{"name":"x", "protocol":"TCP"}',
    ]);
  });
});
