import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText, type FieldError } from '../../kube/errors.js';
import { validateMetadata, validateObjectMeta } from './meta.js';
import { isEmptySelector, validateLabelSelector } from './selectors.js';
import { labelSelectorFromSpec } from '../../kube/selectors.js';

const texts = (errs: FieldError[]) => errs.map(fieldErrorText);
const SUBDOMAIN_RE = "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

describe('validateObjectMeta on create', () => {
  const ns = { namespaced: true };
  it('accepts a plain object', () => {
    assert.deepEqual(validateObjectMeta({ name: 'web', namespace: 'default', labels: { app: 'web' } }, ns), []);
  });
  it('requires a name or generateName', () => {
    assert.deepEqual(texts(validateObjectMeta({ namespace: 'default' }, ns)), ['metadata.name: Required value: name or generateName is required']);
    assert.deepEqual(validateObjectMeta({ namespace: 'default', generateName: 'web-' }, { ...ns, isCreate: true }), []);
  });
  it('checks names per kind', () => {
    assert.deepEqual(texts(validateObjectMeta({ name: 'Web', namespace: 'default' }, ns)),
      [`metadata.name: Invalid value: "Web": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', ${SUBDOMAIN_RE}`]);
    assert.match(texts(validateObjectMeta({ name: '1web', namespace: 'default' }, { namespaced: true, nameValidation: 'dns1035Label' }))[0], /^metadata\.name: Invalid value: "1web": a DNS-1035 label/);
    assert.deepEqual(texts(validateObjectMeta({ name: 'a/b' }, { namespaced: false, nameValidation: 'pathSegment' })), ['metadata.name: Invalid value: "a/b": may not contain \'/\'']);
  });
  it('checks generateName as a prefix (a trailing dash is fine)', () => {
    assert.deepEqual(validateObjectMeta({ name: 'web-abcde', generateName: 'web-', namespace: 'default' }, ns), []);
    assert.match(texts(validateObjectMeta({ name: 'x', generateName: 'Web-', namespace: 'default' }, ns))[0], /^metadata\.generateName: Invalid value: "Web-": a lowercase RFC 1123 subdomain/);
  });
  it('requires or forbids the namespace', () => {
    assert.deepEqual(texts(validateObjectMeta({ name: 'a' }, ns)), ['metadata.namespace: Required value']);
    assert.deepEqual(texts(validateObjectMeta({ name: 'a', namespace: 'x' }, { namespaced: false })), ['metadata.namespace: Forbidden: not allowed on this type']);
    assert.match(texts(validateObjectMeta({ name: 'a', namespace: 'a.b' }, ns))[0], /^metadata\.namespace: Invalid value: "a\.b": must not contain dots$/);
  });
  it('checks labels and annotations', () => {
    const errs = texts(validateObjectMeta({ name: 'a', namespace: 'd', labels: { 'bad key!': 'v', ok: '-bad' }, annotations: { 'a/b/c': 'x' } }, ns));
    assert.equal(errs.length, 3);
    assert.match(errs[0], /^metadata\.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters/);
    assert.match(errs[1], /^metadata\.labels: Invalid value: "-bad": a valid label must be an empty string/);
    assert.match(errs[2], /^metadata\.annotations: Invalid value: "a\/b\/c": a qualified name must consist of/);
  });
  it('limits the total annotation size', () => {
    const big = { 'x': 'y'.repeat(256 * 1024) };
    assert.deepEqual(texts(validateObjectMeta({ name: 'a', namespace: 'd', annotations: big }, ns)), ['metadata.annotations: Too long: may not be more than 262144 bytes']);
  });
  it('checks owner references', () => {
    const refs = [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs2', uid: 'u2', controller: true },
      { apiVersion: 'apps', kind: '', name: '', uid: '' },
    ];
    const errs = texts(validateObjectMeta({ name: 'a', namespace: 'd', ownerReferences: refs }, ns));
    assert.ok(errs.some((e) => e.endsWith('Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/rs and ReplicaSet/rs2')));
    assert.ok(errs.includes('metadata.ownerReferences.kind: Invalid value: "": kind must not be empty'));
    assert.ok(errs.includes('metadata.ownerReferences.name: Invalid value: "": name must not be empty'));
    assert.ok(errs.includes('metadata.ownerReferences.uid: Invalid value: "": uid must not be empty'));
  });
  it('checks finalizers', () => {
    assert.deepEqual(validateObjectMeta({ name: 'a', namespace: 'd', finalizers: ['kubernetes', 'example.com/cleanup'] }, ns), []);
    assert.deepEqual(texts(validateObjectMeta({ name: 'a', namespace: 'd', finalizers: ['cleanup'] }, ns)),
      ['metadata.finalizers[0]: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified']);
    assert.ok(texts(validateObjectMeta({ name: 'a', namespace: 'd', finalizers: ['orphan', 'foregroundDeletion'] }, ns))
      .includes('metadata.finalizers: Invalid value: []string{"orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set'));
  });
});

describe('validateObjectMeta on update', () => {
  const old = { name: 'a', namespace: 'd', uid: 'u1', creationTimestamp: '2024-01-01T00:00:00Z', resourceVersion: '5', generation: 3 };
  it('accepts label changes', () => {
    assert.deepEqual(validateObjectMeta({ ...old, labels: { x: 'y' } }, { namespaced: true }, old), []);
  });
  it('refuses changes to immutable fields', () => {
    const errs = texts(validateObjectMeta({ ...old, name: 'b', uid: 'u2', generation: 2 }, { namespaced: true }, old));
    assert.deepEqual(errs, [
      'metadata.name: Invalid value: "b": field is immutable',
      'metadata.uid: Invalid value: "u2": field is immutable',
      'metadata.generation: Invalid value: 2: must not be decremented',
    ]);
  });
  it('refuses new finalizers once deletion started', () => {
    const deleting = { ...old, deletionTimestamp: '2024-01-02T00:00:00Z', finalizers: ['kubernetes'] };
    assert.deepEqual(texts(validateObjectMeta({ ...deleting, finalizers: ['kubernetes', 'example.com/b', 'example.com/a'] }, { namespaced: true }, deleting)),
      ['metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/a", "example.com/b"}']);
  });
  it('validateMetadata takes a ResourceDef', () => {
    const obj = { metadata: { name: 'My', namespace: 'default' } };
    assert.match(texts(validateMetadata(obj, { namespaced: true, nameValidation: 'dns1035Label' }))[0], /DNS-1035/);
  });
});

describe('label selectors', () => {
  it('validates requirements as upstream', () => {
    const sel = { matchLabels: { app: 'web' }, matchExpressions: [
      { key: 'tier', operator: 'In', values: [] },
      { key: 'env', operator: 'Exists', values: ['x'] },
      { key: 'k', operator: 'Is', values: ['x'] },
      { key: 'v', operator: 'NotIn', values: ['-x'] },
    ] };
    const errs = texts(validateLabelSelector(sel, 'spec.selector'));
    assert.equal(errs[0], "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'");
    assert.equal(errs[1], "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
    assert.equal(errs[2], 'spec.selector.matchExpressions[2].operator: Invalid value: "Is": not a valid selector operator');
    assert.match(errs[3], /^spec\.selector\.matchExpressions\[3\]\.values\[0\]: Invalid value: "-x": a valid label must be/);
    assert.equal(errs.length, 4);
  });
  it('matches labels', () => {
    const sel = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn' as const, values: ['db'] }, { key: 'x', operator: 'DoesNotExist' as const }] };
    const m = labelSelectorFromSpec(sel)!;
    assert.ok(m.matches({ app: 'web', tier: 'fe' }));
    assert.ok(!m.matches({ app: 'web', tier: 'db' }));
    assert.ok(!m.matches({ app: 'web', x: '1' }));
    assert.ok(!m.matches({ app: 'api' }));
    assert.ok(isEmptySelector({}));
    assert.ok(!isEmptySelector(sel));
  });
});
