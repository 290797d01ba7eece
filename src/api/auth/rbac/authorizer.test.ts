import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forbiddenError, PrivilegedGroupsAuthorizer, UnionAuthorizer } from '../authorizer.js';
import { attrs, bindingObj, policyOf, roleObj, serviceAccount, user } from '../testing.js';
import { RbacAuthorizer } from './authorizer.js';
import { RuleResolver } from './policy.js';

const policy = policyOf({
  roles: [roleObj('pod-reader', [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] }], 'default')],
  clusterRoles: [
    roleObj('view-services', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['services'] }]),
    roleObj('discovery', [{ verbs: ['get'], nonResourceURLs: ['/api', '/api/*'] }]),
  ],
  roleBindings: [
    // A ServiceAccount subject without a namespace is the binding's own namespace's.
    bindingObj('foo-reads-pods', { kind: 'Role', name: 'pod-reader' }, [{ kind: 'ServiceAccount', name: 'foo' }], 'default'),
    bindingObj('foo-views', { kind: 'ClusterRole', name: 'view-services' }, [{ kind: 'ServiceAccount', name: 'foo', namespace: 'default' }], 'team'),
    bindingObj('dangling', { kind: 'Role', name: 'gone' }, [{ kind: 'User', name: 'alice' }], 'default'),
  ],
  clusterRoleBindings: [
    bindingObj('discovery', { kind: 'ClusterRole', name: 'discovery' }, [{ kind: 'Group', name: 'system:authenticated' }]),
    bindingObj('ops', { kind: 'ClusterRole', name: 'view-services' }, [{ kind: 'Group', name: 'ops' }]),
  ],
});
const rbac = new RbacAuthorizer(new RuleResolver(policy, 'lister'));
const chain = new UnionAuthorizer([new PrivilegedGroupsAuthorizer(), rbac]);
const foo = serviceAccount('default', 'foo');

function denial(u: ReturnType<typeof user>, method: string, path: string): string {
  const a = attrs(u, method, path);
  const r = chain.authorize(a);
  assert.notEqual(r.decision, 'allow', `${method} ${path} was allowed`);
  return forbiddenError(a, r.reason).message;
}

test('a binding grants its role in its namespace only; a ClusterRole through a RoleBinding too', () => {
  assert.equal(chain.authorize(attrs(foo, 'GET', '/api/v1/namespaces/default/pods')).decision, 'allow');
  assert.equal(chain.authorize(attrs(foo, 'GET', '/api/v1/namespaces/team/pods')).decision, 'noOpinion');
  assert.equal(chain.authorize(attrs(foo, 'GET', '/api/v1/pods')).decision, 'noOpinion', 'a namespaced grant is no cluster-wide list');
  assert.equal(chain.authorize(attrs(foo, 'GET', '/api/v1/namespaces/team/services')).decision, 'allow');
  assert.equal(chain.authorize(attrs(foo, 'GET', '/api/v1/namespaces/default/services')).decision, 'noOpinion');
  assert.equal(chain.authorize(attrs(serviceAccount('other', 'foo'), 'GET', '/api/v1/namespaces/default/pods')).decision, 'noOpinion', 'another namespace\'s foo');
  assert.equal(chain.authorize(attrs(user('bob', 'ops'), 'GET', '/api/v1/services')).decision, 'allow', 'a group subject, cluster-wide');
});

test('system:masters may do anything, whatever RBAC holds', () => {
  const admin = user('kubernetes-admin', 'system:masters');
  assert.equal(chain.authorize(attrs(admin, 'DELETE', '/apis/example.com/v1/widgets/w')).decision, 'allow');
  assert.equal(chain.authorize(attrs(admin, 'GET', '/metrics')).decision, 'allow');
});

test('denials read as upstream\'s: namespaced, cluster-wide, subresources, named objects and paths', () => {
  assert.equal(denial(foo, 'GET', '/api/v1/namespaces/default/secrets'),
    'secrets is forbidden: User "system:serviceaccount:default:foo" cannot list resource "secrets" in API group "" in the namespace "default"');
  assert.equal(denial(foo, 'GET', '/api/v1/secrets'),
    'secrets is forbidden: User "system:serviceaccount:default:foo" cannot list resource "secrets" in API group "" at the cluster scope');
  assert.equal(denial(foo, 'GET', '/api/v1/namespaces/default/pods/web/log'),
    'pods "web" is forbidden: User "system:serviceaccount:default:foo" cannot get resource "pods/log" in API group "" in the namespace "default"');
  assert.equal(denial(foo, 'DELETE', '/apis/apps/v1/namespaces/default/deployments/web'),
    'deployments.apps "web" is forbidden: User "system:serviceaccount:default:foo" cannot delete resource "deployments" in API group "apps" in the namespace "default"');
  assert.equal(denial(foo, 'GET', '/metrics'), 'forbidden: User "system:serviceaccount:default:foo" cannot get path "/metrics"');
});

test('a binding to a missing role is a reason, and does not stop other bindings from granting', () => {
  assert.equal(denial(user('alice'), 'GET', '/api/v1/namespaces/default/configmaps'),
    'configmaps is forbidden: User "alice" cannot list resource "configmaps" in API group "" in the namespace "default": RBAC: role.rbac.authorization.k8s.io "gone" not found');
  assert.equal(chain.authorize(attrs(user('alice'), 'GET', '/api')).decision, 'allow');
});

test('an allowed request names the binding that allowed it', () => {
  assert.equal(chain.authorize(attrs(foo, 'GET', '/api/v1/namespaces/default/pods')).reason,
    'RBAC: allowed by RoleBinding "foo-reads-pods/default" of Role "pod-reader" to ServiceAccount "foo/default"');
});

test('the rules a user holds in a namespace, for SelfSubjectRulesReview', () => {
  const rules = chain.rulesFor(foo, 'default');
  assert.deepEqual(rules.resourceRules, [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] }]);
  assert.deepEqual(rules.nonResourceRules, [{ verbs: ['get'], nonResourceURLs: ['/api', '/api/*'] }]);
  assert.equal(rules.incomplete, false);
  assert.deepEqual(chain.rulesFor(user('alice'), 'default').errors, ['role.rbac.authorization.k8s.io "gone" not found']);
});
