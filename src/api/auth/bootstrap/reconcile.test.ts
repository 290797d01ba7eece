import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapPolicy } from './policy.js';
import { AUTOUPDATE_ANNOTATION, bindingObject, reconcileBinding, reconcileRole, roleObject } from './reconcile.js';

const policy = bootstrapPolicy();
const spec = (name: string) => policy.clusterRoles.find((r) => r.name === name)!;
const binding = (name: string) => policy.clusterRoleBindings.find((b) => b.name === name)!;

test('the default policy has upstream\'s roles and bindings, the controllers\' included', () => {
  for (const name of ['cluster-admin', 'admin', 'edit', 'view', 'system:basic-user', 'system:discovery', 'system:public-info-viewer', 'system:node', 'system:node-proxier',
    'system:kube-controller-manager', 'system:kube-scheduler', 'system:kube-dns', 'system:auth-delegator', 'system:controller:deployment-controller',
    'system:controller:clusterrole-aggregation-controller']) {
    assert.ok(spec(name), name);
  }
  assert.deepEqual(binding('system:public-info-viewer').subjects, ['Group:system:authenticated', 'Group:system:unauthenticated']);
  assert.deepEqual(binding('system:discovery').subjects, ['Group:system:authenticated'], 'discovery is not for anonymous users since 1.14');
  assert.deepEqual(binding('system:controller:deployment-controller').subjects, ['ServiceAccount:kube-system:deployment-controller']);
  const view = roleObject(spec('view'));
  assert.deepEqual(view.aggregationRule, { clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }] });
  assert.deepEqual(view.metadata.labels, { 'kubernetes.io/bootstrapping': 'rbac-defaults', 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' });
  assert.equal(view.rules, undefined, 'the aggregation controller fills them');
});

test('reconciling adds what is missing, keeps what users added, and leaves autoupdate=false alone', () => {
  const expected = roleObject(spec('system:basic-user'));
  const existing = structuredClone(expected);
  assert.equal(reconcileRole(existing, expected), undefined, 'nothing to do');
  existing.rules = [{ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews'] }, { verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }];
  existing.metadata.labels = { mine: 'yes' };
  const next = reconcileRole(existing, expected)!;
  assert.deepEqual(next.rules, [
    ...existing.rules,
    { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectrulesreviews'], verbs: ['create'] },
    { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
  ]);
  assert.deepEqual(next.metadata.labels, { 'kubernetes.io/bootstrapping': 'rbac-defaults', mine: 'yes' });
  existing.metadata.annotations = { [AUTOUPDATE_ANNOTATION]: 'false' };
  assert.equal(reconcileRole(existing, expected), undefined);
});

test('a binding gains missing subjects, and is made again when its roleRef differs', () => {
  const expected = bindingObject(binding('cluster-admin'));
  const existing = structuredClone(expected);
  existing.subjects = [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' }];
  const next = reconcileBinding(existing, expected);
  assert.ok(next && next !== 'recreate');
  assert.deepEqual(next.subjects, [
    { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' },
    { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:masters' },
  ]);
  assert.equal(reconcileBinding({ ...existing, roleRef: { ...existing.roleRef, name: 'view' } }, expected), 'recreate');
});
