// The API server's authentication and authorization over real HTTPS, in process on a memory store:
// anonymous requests, certificates, service-account tokens, impersonation, the reviews, the RBAC
// kinds' own checks, and the default policy across a restart.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../storage/memory.js';
import { createCA, createSigningKey, issueCert } from '../../pki/index.js';
import { startTestApiServer, type Caller, type TestApiServer } from '../testing.js';

// One store, CA and signing key across a restart of the API server.
const store = new MemoryStore();
const ca = createCA('kubernetes');
const saKey = createSigningKey();
const logLines: string[] = [];
let api: TestApiServer;
let admin: Caller;

async function startServer(): Promise<void> {
  api = await startTestApiServer({ store, ca, serviceAccountKey: saKey, log: (line) => logLines.push(line) });
  admin = api.admin;
}

before(startServer);

after(async () => {
  await api?.close();
  await store.close();
});

type Who = Caller;

async function call(who: Who, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const r = await api.call(method, path, body, 'application/json', {}, who);
  return { status: r.status, json: r.text.startsWith('{') ? JSON.parse(r.text) : r.text };
}

const asAdmin = (method: string, path: string, body?: unknown) => call(admin, method, path, body);
const nobody: Who = {};

async function ok(p: Promise<{ status: number; json: any }>): Promise<any> {
  const r = await p;
  assert.ok(r.status < 300, JSON.stringify(r.json));
  return r.json;
}

async function tokenFor(sa: string, spec: Record<string, unknown> = {}): Promise<string> {
  const tr = await ok(asAdmin('POST', `/api/v1/namespaces/default/serviceaccounts/${sa}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec }));
  return tr.status.token;
}

test('without credentials a request is system:anonymous: health and version only', async () => {
  assert.deepEqual([(await call(nobody, 'GET', '/healthz')).status, (await call(nobody, 'GET', '/version')).status], [200, 200]);
  assert.deepEqual(await call(nobody, 'GET', '/api'), {
    status: 403, json: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'forbidden: User "system:anonymous" cannot get path "/api"', reason: 'Forbidden', details: {}, code: 403 },
  });
  assert.equal((await call(nobody, 'GET', '/api/v1/namespaces')).json.message,
    'namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in API group "" at the cluster scope');
});

test('credentials that do not check out are 401, and the log says why in upstream\'s words', async () => {
  const other = createCA('other');
  const stranger = issueCert(other, { commonName: 'mallory', organizations: ['system:masters'], usage: 'client' });
  assert.equal((await call({ cert: stranger.certPem, key: stranger.keyPem }, 'GET', '/api')).status, 401);
  assert.equal((await call({ token: 'not-a-token' }, 'GET', '/healthz')).status, 401);
  assert.match(logLines.at(-1) ?? '', /^E\d{4} [\d:.]+ +\d+ authentication\.go:73\] "Unable to authenticate the request" err="invalid bearer token"$/);
});

test('a service account with a Role lists pods and not secrets; a token for another audience is refused', async () => {
  await ok(asAdmin('POST', '/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'foo' } }));
  await ok(asAdmin('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', { metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }] }));
  const binding = await ok(asAdmin('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
    metadata: { name: 'foo-reads' }, roleRef: { kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'foo', namespace: 'default' }],
  }));
  assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' }, 'roleRef.apiGroup defaults');
  const token = await tokenFor('foo');
  assert.equal((await call({ token }, 'GET', '/api/v1/namespaces/default/pods')).status, 200);
  assert.deepEqual((await call({ token }, 'GET', '/api/v1/namespaces/default/secrets')).json, {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403, details: { kind: 'secrets' },
    message: 'secrets is forbidden: User "system:serviceaccount:default:foo" cannot list resource "secrets" in API group "" in the namespace "default"',
  });
  const vault = await tokenFor('foo', { audiences: ['vault'] });
  assert.equal((await call({ token: vault }, 'GET', '/api/v1/namespaces/default/pods')).status, 401);
  assert.equal(logLines.at(-1)?.replace(/^.*?\] /, ''),
    '"Unable to authenticate the request" err="[invalid bearer token, token audiences [\\"vault\\"] is invalid for the target audiences [\\"https://kubernetes.default.svc.cluster.local\\"]]"');
});

test('the reviews: can-i, can-i --list, whoami, SubjectAccessReview and TokenReview', async () => {
  const token = await tokenFor('foo');
  const ssar = (verb: string, resource: string) => call({ token }, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: 'default', verb, resource } },
  });
  const yes = await ssar('list', 'pods');
  assert.equal(yes.status, 201);
  assert.deepEqual(yes.json.status, { allowed: true, reason: 'RBAC: allowed by RoleBinding "foo-reads/default" of Role "pod-reader" to ServiceAccount "foo/default"' });
  assert.deepEqual((await ssar('list', 'secrets')).json.status, { allowed: false });
  const invalid = await call({ token }, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: {} });
  assert.equal(invalid.json.message, 'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified');

  const rules = await ok(call({ token }, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'default' } }));
  assert.ok(rules.status.resourceRules.some((r: any) => JSON.stringify(r) === JSON.stringify({ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] })));
  assert.ok(rules.status.nonResourceRules.some((r: any) => r.nonResourceURLs.includes('/api')));
  assert.equal(rules.status.incomplete, false);

  const whoami = await ok(call({ token }, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }));
  assert.equal(whoami.status.userInfo.username, 'system:serviceaccount:default:foo');
  assert.deepEqual(whoami.status.userInfo.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);

  // Reviews about others need their own permission (system:auth-delegator).
  const sar = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'system:serviceaccount:default:foo', groups: ['system:serviceaccounts'], resourceAttributes: { namespace: 'default', verb: 'get', resource: 'pods' } } };
  assert.equal((await call({ token }, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', sar)).status, 403);
  assert.equal((await ok(asAdmin('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', sar))).status.allowed, true);
  const local = { apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', spec: { ...sar.spec, resourceAttributes: { namespace: 'default', verb: 'list', resource: 'secrets' } } };
  assert.deepEqual((await ok(asAdmin('POST', '/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews', local))).status, { allowed: false });
  const elsewhere = await asAdmin('POST', '/apis/authorization.k8s.io/v1/namespaces/team/localsubjectaccessreviews', local);
  assert.equal(elsewhere.json.message, 'LocalSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes.namespace: Invalid value: "default": must match metadata.namespace');
  const review = await ok(asAdmin('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }));
  assert.equal(review.status.authenticated, true);
  assert.equal(review.status.user.username, 'system:serviceaccount:default:foo');
  assert.deepEqual(review.status.audiences, ['https://kubernetes.default.svc.cluster.local']);
});

test('impersonation needs the impersonate verb; system:masters has it', async () => {
  const asFoo = { ...admin, headers: { 'Impersonate-User': 'system:serviceaccount:default:foo' } };
  assert.equal((await call(asFoo, 'GET', '/api/v1/namespaces/default/pods')).status, 200);
  assert.equal((await call(asFoo, 'GET', '/api/v1/namespaces/default/secrets')).json.message,
    'secrets is forbidden: User "system:serviceaccount:default:foo" cannot list resource "secrets" in API group "" in the namespace "default"');
  const token = await tokenFor('foo');
  const r = await call({ token, headers: { 'Impersonate-User': 'bob', 'Impersonate-Group': 'system:masters' } }, 'GET', '/api/v1/namespaces');
  assert.equal(r.json.message, 'users "bob" is forbidden: User "system:serviceaccount:default:foo" cannot impersonate resource "users" in API group "" at the cluster scope');
});

test('roles and bindings are validated as upstream validates them', async () => {
  const bad = await asAdmin('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', {
    metadata: { name: 'bad' }, rules: [{ verbs: [], apiGroups: [''], resources: ['pods'] }, { verbs: ['get'], nonResourceURLs: ['/healthz'] }],
  });
  assert.equal(bad.json.message, 'Role.rbac.authorization.k8s.io "bad" is invalid: [rules[0].verbs: Required value: verbs must contain at least one value, rules[1].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs]');
  const binding = await asAdmin('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    metadata: { name: 'bad' }, roleRef: { kind: 'Role', name: 'x' }, subjects: [{ kind: 'ServiceAccount', name: 'foo' }, { kind: 'Robot', name: 'r2' }],
  });
  assert.equal(binding.json.message, 'ClusterRoleBinding.rbac.authorization.k8s.io "bad" is invalid: [roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole", subjects[0].namespace: Required value, subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"]');
  const changed = await call({ ...admin, headers: { 'Content-Type': 'application/merge-patch+json' } }, 'PATCH', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/foo-reads', { roleRef: { kind: 'ClusterRole', name: 'view' } });
  assert.equal(changed.json.message, 'RoleBinding.rbac.authorization.k8s.io "foo-reads" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"view"}: cannot change roleRef');
});

test('the default policy is there, and a restart completes it without undoing users\' changes', async () => {
  const crb = await ok(asAdmin('GET', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/cluster-admin'));
  assert.deepEqual(crb.subjects, [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:masters' }]);
  assert.equal(crb.metadata.annotations['rbac.authorization.kubernetes.io/autoupdate'], 'true');
  // A user trims one role and opts it out of updates, and trims another without opting out.
  const basic = await ok(asAdmin('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/system:basic-user'));
  await ok(asAdmin('PUT', '/apis/rbac.authorization.k8s.io/v1/clusterroles/system:basic-user', {
    ...basic, metadata: { ...basic.metadata, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } }, rules: [basic.rules[0]],
  }));
  const discovery = await ok(asAdmin('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/system:discovery'));
  await ok(asAdmin('PUT', '/apis/rbac.authorization.k8s.io/v1/clusterroles/system:discovery', {
    ...discovery, rules: [{ verbs: ['get'], nonResourceURLs: ['/api'] }, { verbs: ['get'], nonResourceURLs: ['/extra'] }],
  }));
  await asAdmin('DELETE', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/system:public-info-viewer');
  await api.close();
  await startServer();
  assert.equal((await ok(asAdmin('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/system:basic-user'))).rules.length, 1, 'autoupdate "false" is left alone');
  const restored = await ok(asAdmin('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/system:discovery'));
  assert.ok(restored.rules.some((r: any) => r.nonResourceURLs[0] === '/extra'), 'what the user added stays');
  assert.ok(restored.rules.some((r: any) => r.nonResourceURLs[0] === '/healthz'), 'what was missing is back');
  assert.equal((await call(nobody, 'GET', '/healthz')).status, 200, 'the deleted binding is back');
});
