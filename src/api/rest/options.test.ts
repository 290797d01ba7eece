import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../kube/errors.js';
import { deleteQueryOptions, includeObjectOption, listOptions, validateDeleteOptions, writeOptions } from './options.js';

const q = (s: string) => new URLSearchParams(s);

function refusal(fn: () => unknown): { code: number; message: string } {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError, String(e));
    return { code: e.code, message: e.message };
  }
  assert.fail('accepted');
}

test('ListOptions: converted as upstream (watch=True is a watch), bad numbers are 400 in strconv\'s words', () => {
  const o = listOptions(q('watch=True&allowWatchBookmarks=1&timeoutSeconds=30&limit=5&labelSelector=app%3Dweb'));
  assert.deepEqual(o, {
    labelSelector: 'app=web', fieldSelector: '', watch: true, allowWatchBookmarks: true, resourceVersion: '', resourceVersionMatch: '',
    timeoutSeconds: 30, limit: 5, continue: '', sendInitialEvents: undefined,
  });
  assert.deepEqual(refusal(() => listOptions(q('limit=ten'))), { code: 400, message: 'strconv.ParseInt: parsing "ten": invalid syntax' });
  assert.deepEqual(refusal(() => listOptions(q('watch=1&timeoutSeconds=1.5'))), { code: 400, message: 'strconv.ParseInt: parsing "1.5": invalid syntax' });
});

test('ListOptions validation: 422 ListOptions.meta.k8s.io with upstream\'s field errors', () => {
  assert.deepEqual(refusal(() => listOptions(q('resourceVersionMatch=Exact'))), {
    code: 422, message: 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
  });
  assert.equal(refusal(() => listOptions(q('resourceVersion=5&resourceVersionMatch=Newest'))).message,
    'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""');
  assert.equal(refusal(() => listOptions(q('sendInitialEvents=true'))).message,
    'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list');
  assert.equal(refusal(() => listOptions(q('watch=1&sendInitialEvents=true'))).message,
    'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
  assert.equal(listOptions(q('watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan')).sendInitialEvents, true);
});

test('Create, Update and Patch options', () => {
  assert.deepEqual(writeOptions(q('dryRun=All&fieldManager=me&fieldValidation=Strict'), 'CreateOptions'), { dryRun: ['All'], fieldManager: 'me', fieldValidation: 'Strict', force: undefined });
  assert.equal(writeOptions(q(''), 'UpdateOptions').fieldValidation, 'Warn');
  assert.deepEqual(refusal(() => writeOptions(q('dryRun=Some'), 'CreateOptions')), {
    code: 422, message: 'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Some"}: supported values: "All"',
  });
  assert.equal(refusal(() => writeOptions(q('fieldValidation=Loud'), 'UpdateOptions')).message,
    'UpdateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loud": supported values: "", "Ignore", "Strict", "Warn"');
  assert.equal(refusal(() => writeOptions(q(`fieldManager=${'m'.repeat(129)}`), 'CreateOptions')).message,
    'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes');
  assert.equal(refusal(() => writeOptions(q('fieldManager=a%07b'), 'CreateOptions')).message,
    'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "a\\ab": invalid character U+0007 (at position 1)');
  assert.equal(refusal(() => writeOptions(q(''), 'PatchOptions', true)).message,
    'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  assert.equal(refusal(() => writeOptions(q('force=true'), 'PatchOptions', false)).message,
    'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
  assert.equal(writeOptions(q('fieldManager=x&force=True'), 'PatchOptions', true).force, true);
});

test('DeleteOptions from the query: preconditions, and upstream\'s validation', () => {
  assert.deepEqual(deleteQueryOptions(q('gracePeriodSeconds=0&propagationPolicy=Foreground&uid=u1')), {
    gracePeriodSeconds: 0, orphanDependents: undefined, propagationPolicy: 'Foreground', dryRun: [], preconditions: { uid: 'u1' },
  });
  assert.deepEqual(refusal(() => deleteQueryOptions(q('gracePeriodSeconds=now'))), { code: 400, message: 'strconv.ParseInt: parsing "now": invalid syntax' });
  assert.equal(refusal(() => validateDeleteOptions(deleteQueryOptions(q('propagationPolicy=Later')))).message,
    'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Later": supported values: "Foreground", "Background", "Orphan", "nil"');
  assert.equal(refusal(() => validateDeleteOptions(deleteQueryOptions(q('orphanDependents=false&propagationPolicy=Orphan')))).message,
    'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Orphan": orphanDependents and deletionPropagation cannot be both set');
});

test('TableOptions.includeObject', () => {
  assert.equal(includeObjectOption(q('')), 'Metadata');
  assert.equal(includeObjectOption(q('includeObject=Object')), 'Object');
  assert.deepEqual(refusal(() => includeObjectOption(q('includeObject=All'))), {
    code: 400, message: 'Unable to convert to Table as requested: includeObject: Invalid value: "All": must be \'Metadata\', \'Object\', \'None\', or empty',
  });
});
