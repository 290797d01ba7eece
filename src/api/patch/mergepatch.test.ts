import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { applyMergePatch, createMergePatch } from './mergepatch.js';

describe('applyMergePatch: RFC 7386 appendix A', () => {
  // [target, patch, result], the RFC's table.
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, result] of cases) {
    it(`${JSON.stringify(target)} + ${JSON.stringify(patch)}`, () => {
      assert.deepEqual(applyMergePatch(target, patch), result);
    });
  }
});

describe('applyMergePatch: what kubectl sends', () => {
  type Doc = { metadata: { labels: Record<string, string>; annotations: Record<string, string> } };
  const merged = (patch: unknown) => applyMergePatch(deploy(), patch) as Doc;
  const deploy = () => ({
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' }, annotations: { note: 'x' } },
    spec: { replicas: 1 },
  });

  it('kubectl label adds and overwrites labels', () => {
    assert.deepEqual(merged({ metadata: { labels: { tier: 'frontend', app: 'web2' } } }).metadata,
      { name: 'web', labels: { app: 'web2', tier: 'frontend' }, annotations: { note: 'x' } });
  });

  it('kubectl label app- removes a label', () => {
    assert.deepEqual(merged({ metadata: { labels: { app: null } } }).metadata.labels, {});
  });

  it('kubectl annotate sets an annotation', () => {
    assert.deepEqual(merged({ metadata: { annotations: { 'kubernetes.io/change-cause': 'rollout' } } }).metadata.annotations,
      { note: 'x', 'kubernetes.io/change-cause': 'rollout' });
  });

  it('kubectl scale sets spec.replicas on the scale subresource', () => {
    const scale = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 1 }, status: { replicas: 1 } };
    assert.deepEqual(applyMergePatch(scale, { spec: { replicas: 3 } }), { ...scale, spec: { replicas: 3 } });
  });
});

// JSON objects without null values: a merge patch cannot express a null member.
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.string(), fc.integer(), fc.boolean(), fc.array(tie('value'), { maxLength: 3 }), tie('object')),
  object: fc.dictionary(fc.string({ maxLength: 4 }), tie('value'), { maxKeys: 4, noNullPrototype: true }),
}));

describe('createMergePatch', () => {
  it('yields a patch that turns the source into the target', () => {
    fc.assert(fc.property(json.object, json.object, (from, to) => {
      const patch = createMergePatch(from as Record<string, unknown>, to as Record<string, unknown>);
      assert.deepEqual(applyMergePatch(from, patch), to);
    }), { numRuns: 500 });
  });

  it('yields an empty patch for equal documents and only the difference otherwise', () => {
    assert.deepEqual(createMergePatch({ a: { b: 1, c: [1] } }, { a: { b: 1, c: [1] } }), {});
    assert.deepEqual(createMergePatch({ a: { b: 1, c: 2 }, d: 1 }, { a: { b: 1, c: 3 } }), { d: null, a: { c: 3 } });
  });
});
