// Stored objects come back as clients see them: decoded, or spliced straight into a list's JSON.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KubeObject } from '../../kube/types.js';
import { decodeObject, encodedWithResourceVersion, encodeObject } from './keys.js';

const kv = (value: string, modRevision = 42) => ({ key: '/registry/core/configmaps/default/x', value, modRevision, createRevision: 7 });

test('an object is stored without its resourceVersion and decoded with the revision it was written at', () => {
  const obj: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default', resourceVersion: '3' }, data: { a: 'b' } } as KubeObject;
  const stored = encodeObject(obj);
  assert.ok(!stored.includes('resourceVersion'));
  assert.deepEqual(decodeObject(kv(stored)), { ...obj, metadata: { ...obj.metadata, resourceVersion: '42' } });
});

test('the spliced JSON is the decoded object, whatever the object holds', () => {
  const json = fc.jsonValue({ maxDepth: 3 });
  fc.assert(fc.property(
    fc.dictionary(fc.string(), json, { maxKeys: 5 }),
    fc.dictionary(fc.string(), json, { maxKeys: 5 }),
    fc.constantFrom('v1', 'apps/v1'), fc.constantFrom('ConfigMap', 'Deployment'), fc.nat(),
    (meta, rest, apiVersion, kind, revision) => {
      // The object's own members never override the leading three.
      const { apiVersion: _a, kind: _k, metadata: _m, ...body } = rest;
      const obj = { apiVersion, kind, metadata: meta, ...body } as unknown as KubeObject;
      const stored = kv(encodeObject(obj), revision);
      assert.deepEqual(JSON.parse(encodedWithResourceVersion(stored, apiVersion, kind)), { ...decodeObject(stored), apiVersion, kind });
    },
  ));
});

test('an empty metadata, and objects stored in another order or as another version, still come out right', () => {
  assert.deepEqual(JSON.parse(encodedWithResourceVersion(kv('{"apiVersion":"v1","kind":"ConfigMap","metadata":{}}'), 'v1', 'ConfigMap')),
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { resourceVersion: '42' } });
  // Written by an earlier knit: metadata after the body, whose own "metadata" must not be touched.
  const older = '{"spec":{"template":{"metadata":{"labels":{}}}},"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"}}';
  assert.deepEqual(JSON.parse(encodedWithResourceVersion(kv(older), 'apps/v1', 'Deployment')),
    { spec: { template: { metadata: { labels: {} } } }, apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', resourceVersion: '42' } });
  // Stored as one version, served as another: the served apiVersion wins.
  const beta = '{"apiVersion":"apps/v1beta1","kind":"Deployment","metadata":{"name":"web"}}';
  assert.equal(JSON.parse(encodedWithResourceVersion(kv(beta), 'apps/v1', 'Deployment')).apiVersion, 'apps/v1');
});
