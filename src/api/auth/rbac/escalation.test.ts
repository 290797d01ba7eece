import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isApiError } from '../../../kube/errors.js';
import type { ResourceDef } from '../../resource.js';
import { PrivilegedGroupsAuthorizer, UnionAuthorizer } from '../authorizer.js';
import { bindingObj, policyOf, roleObj, serviceAccount, user } from '../testing.js';
import { RbacAdmission } from './admission.js';
import { RbacAuthorizer } from './authorizer.js';
import { compactRules, compactString, covers, escalationError } from './escalation.js';
import { RuleResolver } from './policy.js';

test('rules cover what their pieces cover: "*", subresources through "*/x", resource names, URL prefixes', () => {
  const owner = [
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', '*/status'] },
    { verbs: ['*'], apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'] },
    { verbs: ['get'], nonResourceURLs: ['/api/*'] },
  ];
  assert.equal(covers(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['pods', 'pods/status', 'services/status'] }]).covered, true);
  assert.equal(covers(owner, [{ verbs: ['delete'], apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'] }]).covered, true);
  assert.equal(covers(owner, [{ verbs: ['get'], nonResourceURLs: ['/api/v1'] }]).covered, true);
  const missing = covers(owner, [
    { verbs: ['get', 'watch'], apiGroups: [''], resources: ['pods'] },
    { verbs: ['delete'], apiGroups: ['apps'], resources: ['deployments'] },
    { verbs: ['get'], nonResourceURLs: ['/healthz'] },
  ]);
  assert.equal(missing.covered, false);
  assert.deepEqual(missing.missing, [
    { apiGroups: [''], resources: ['pods'], verbs: ['watch'] },
    { apiGroups: ['apps'], resources: ['deployments'], verbs: ['delete'] },
    { nonResourceURLs: ['/healthz'], verbs: ['get'] },
  ]);
});

test('missing pieces of one resource merge into one line, printed as upstream\'s CompactString', () => {
  const compact = compactRules([
    { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['list'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['a'] },
    { nonResourceURLs: ['/metrics'], verbs: ['get'] },
  ]);
  assert.deepEqual(compact.map(compactString), [
    '{NonResourceURLs:["/metrics"], Verbs:["get"]}',
    '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}',
    '{APIGroups:[""], Resources:["secrets"], ResourceNames:["a"], Verbs:["get"]}',
  ]);
});

const policy = policyOf({
  roles: [roleObj('maker', [
    { verbs: ['create', 'update', 'get'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'] },
    { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
  ], 'default')],
  clusterRoles: [
    roleObj('secret-reader', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }]),
    roleObj('binder', [{ verbs: ['bind'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], resourceNames: ['secret-reader'] }]),
    roleObj('escalator', [{ verbs: ['escalate'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'] }]),
  ],
  roleBindings: [
    bindingObj('maker', { kind: 'Role', name: 'maker' }, [{ kind: 'ServiceAccount', name: 'foo' }, { kind: 'User', name: 'bob' }, { kind: 'User', name: 'carol' }], 'default'),
    bindingObj('binder', { kind: 'ClusterRole', name: 'binder' }, [{ kind: 'User', name: 'bob' }], 'default'),
    bindingObj('escalator', { kind: 'ClusterRole', name: 'escalator' }, [{ kind: 'User', name: 'carol' }], 'default'),
  ],
});
const authorizer = new UnionAuthorizer([new PrivilegedGroupsAuthorizer(), new RbacAuthorizer(new RuleResolver(policy, 'lister'))]);
const admission = new RbacAdmission(new RuleResolver(policy, 'registry'), authorizer);
const def = (plural: string, namespaced = true) => ({ group: 'rbac.authorization.k8s.io', plural, namespaced }) as ResourceDef;
const foo = serviceAccount('default', 'foo');

function refusal(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    assert.ok(isApiError(err), String(err));
    return `${err.code} ${err.message}`;
  }
  assert.fail('the write was accepted');
}

test('a role may only hold what its writer holds', () => {
  admission.check(def('roles'), roleObj('pods', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], 'default'), undefined, foo);
  assert.equal(refusal(() => admission.check(def('roles'), roleObj('secrets', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets', 'pods'] }], 'default'), undefined, foo)),
    '403 roles.rbac.authorization.k8s.io "secrets" is forbidden: user "system:serviceaccount:default:foo" (groups=["system:serviceaccounts" "system:serviceaccounts:default" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n'
    + '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}');
  // In another namespace foo holds nothing.
  assert.match(refusal(() => admission.check(def('roles'), roleObj('pods', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], 'team'), undefined, foo)), /not currently held/);
});

test('the escalate verb, or system:masters, lifts the check', () => {
  admission.check(def('roles'), roleObj('secrets', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], 'default'), undefined, user('carol'));
  admission.check(def('clusterroles', false), roleObj('all', [{ verbs: ['*'], nonResourceURLs: ['*'] }]), undefined, user('admin', 'system:masters'));
});

test('binding a role needs its permissions or the bind verb on it', () => {
  const binding = bindingObj('read-secrets', { kind: 'ClusterRole', name: 'secret-reader' }, [{ kind: 'User', name: 'dave' }], 'default');
  assert.match(refusal(() => admission.check(def('rolebindings'), binding, undefined, foo)),
    /^403 rolebindings.rbac.authorization.k8s.io "read-secrets" is forbidden: user "system:serviceaccount:default:foo" .* not currently held:\n\{APIGroups:\[""\], Resources:\["secrets"\], Verbs:\["get"\]\}$/);
  admission.check(def('rolebindings'), binding, undefined, user('bob'));
  assert.equal(refusal(() => admission.check(def('rolebindings'), bindingObj('x', { kind: 'ClusterRole', name: 'nonexistent' }, [], 'default'), undefined, foo)),
    '404 clusterroles.rbac.authorization.k8s.io "nonexistent" not found');
});

test('an update that only changes owner references or finalizers is not checked again', () => {
  const old = { ...roleObj('secrets', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }], 'default') };
  const next = structuredClone(old);
  next.metadata.finalizers = ['example.com/keep'];
  admission.check(def('roles'), next, old, foo);
  const changed = structuredClone(next);
  changed.metadata.labels = { a: 'b' };
  assert.match(refusal(() => admission.check(def('roles'), changed, old, foo)), /not currently held/);
});

test('the message lists what the user lacks, sorted, and the resolution errors met', () => {
  const p = policyOf({ roleBindings: [bindingObj('dangling', { kind: 'Role', name: 'gone' }, [{ kind: 'User', name: 'erin' }], 'default')] });
  const why = escalationError(new RuleResolver(p, 'registry'), user('erin'), 'default', [{ verbs: ['get'], apiGroups: ['apps', ''], resources: ['pods'] }]);
  assert.equal(why, 'user "erin" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n'
    + '{APIGroups:[""], Resources:["pods"], Verbs:["get"]}\n{APIGroups:["apps"], Resources:["pods"], Verbs:["get"]}; resolution errors: [roles.rbac.authorization.k8s.io "gone" not found]');
});
