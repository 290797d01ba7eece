import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JSONSchemaProps } from '../types.js';
import { applyDefaults, hasDefaults } from './defaults.js';
import { pruneNulls, pruneObject } from './prune.js';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        image: { type: 'string' },
        replicas: { type: 'integer', default: 1 },
        list: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, weight: { type: 'integer', default: 10 } } } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'string' } } },
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } } },
        nested: { type: 'object', default: {}, properties: { mode: { type: 'string', default: 'fast' } } },
        maybe: { type: 'string', nullable: true },
      },
    },
  },
};

describe('pruning', () => {
  it('drops what the schema does not specify and reports the paths fieldValidation=Strict names', () => {
    const obj = {
      apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a', bogus: 1 },
      spec: {
        image: 'i', foo: 1, list: [{ name: 'a', extra: true }], labels: { anything: 'goes' },
        free: { known: 'k', unknown: { deep: 1 } },
        template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', nope: 1 }, spec: { a: 'x', b: 'y' }, status: {} },
      },
      status: { phase: 'x' },
    };
    const pruned = pruneObject(obj, schema).sort();
    assert.deepEqual(pruned, ['metadata.bogus', 'spec.foo', 'spec.list[0].extra', 'spec.template.metadata.nope', 'spec.template.spec.b', 'spec.template.status', 'status']);
    assert.deepEqual(obj, {
      apiVersion: 'x/v1', kind: 'X', metadata: { name: 'a' },
      spec: {
        image: 'i', list: [{ name: 'a' }], labels: { anything: 'goes' }, free: { known: 'k', unknown: { deep: 1 } },
        template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { a: 'x' } },
      },
    });
  });

  it('removes nulls a field neither allows nor defaults', () => {
    const obj = { spec: { image: null, replicas: null, maybe: null } };
    pruneNulls(obj, schema);
    assert.deepEqual(obj, { spec: { replicas: null, maybe: null } });
  });
});

describe('defaulting', () => {
  it('fills missing and non-nullable null fields from the outside in', () => {
    const obj: Record<string, any> = { spec: { image: 'i', replicas: null, list: [{ name: 'a' }, { name: 'b', weight: 3 }] } };
    applyDefaults(obj, schema);
    assert.deepEqual(obj.spec, { image: 'i', replicas: 1, list: [{ name: 'a', weight: 10 }, { name: 'b', weight: 3 }], nested: { mode: 'fast' } });
  });

  it('copies defaults (objects share nothing with the schema)', () => {
    const a: Record<string, any> = { spec: {} };
    applyDefaults(a, schema);
    a.spec.nested.mode = 'slow';
    const b: Record<string, any> = { spec: {} };
    applyDefaults(b, schema);
    assert.equal(b.spec.nested.mode, 'fast');
  });

  it('knows whether a schema has any default', () => {
    assert.equal(hasDefaults(schema), true);
    assert.equal(hasDefaults({ type: 'object', properties: { a: { type: 'string' } } }), false);
  });
});
