import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isApiError } from '../../../kube/errors.js';
import type { KubeObject } from '../../../kube/types.js';
import type { ResourceDef, WriteContext } from '../../resource.js';
import { forbiddenError, PrivilegedGroupsAuthorizer, UnionAuthorizer } from '../authorizer.js';
import { nodeRules } from '../bootstrap/policy.js';
import { RbacAuthorizer } from '../rbac/authorizer.js';
import { RuleResolver } from '../rbac/policy.js';
import { attrs, nodeUser, policyOf, serviceAccount } from '../testing.js';
import { NodeAuthorizer } from './authorizer.js';
import { NodeGraph } from './graph.js';
import { NodeRestriction } from './restriction.js';

const pod = (name: string, node: string | undefined, spec: Record<string, unknown> = {}): KubeObject => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}` },
  spec: { nodeName: node, serviceAccountName: 'web', containers: [{ name: 'c' }], ...spec },
});

const graph = new NodeGraph();
graph.reset([
  pod('web-1', 'node-1', {
    containers: [{ name: 'c', envFrom: [{ configMapRef: { name: 'web-config' } }], env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'web-password', key: 'p' } } }] }],
    volumes: [{ name: 'tls', secret: { secretName: 'web-tls' } }, { name: 'data', persistentVolumeClaim: { claimName: 'web-data' } }],
  }),
  pod('db-1', 'node-2', { serviceAccountName: 'db', volumes: [{ name: 'cfg', projected: { sources: [{ configMap: { name: 'db-config' } }] } }] }),
  pod('pending', undefined, { volumes: [{ name: 's', secret: { secretName: 'pending-secret' } }] }),
]);
const chain = new UnionAuthorizer([new PrivilegedGroupsAuthorizer(), new NodeAuthorizer(graph, nodeRules()), new RbacAuthorizer(new RuleResolver(policyOf({}), 'lister'))]);
const node1 = nodeUser('node-1');

const decide = (method: string, path: string, u = node1) => chain.authorize(attrs(u, method, path)).decision;
function denial(method: string, path: string, u = node1): string {
  const a = attrs(u, method, path);
  const r = chain.authorize(a);
  assert.notEqual(r.decision, 'allow', `${method} ${path} was allowed`);
  return forbiddenError(a, r.reason).message;
}

test('a node reads the secrets, configmaps and service-account tokens of its own pods, nothing else', () => {
  for (const path of ['/api/v1/namespaces/default/secrets/web-password', '/api/v1/namespaces/default/secrets/web-tls', '/api/v1/namespaces/default/configmaps/web-config']) {
    assert.equal(decide('GET', path), 'allow', path);
  }
  assert.equal(decide('GET', '/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dweb-config&watch=true'), 'allow', 'a watch of one named object');
  assert.equal(decide('POST', '/api/v1/namespaces/default/serviceaccounts/web/token'), 'allow');
  assert.equal(denial('GET', '/api/v1/namespaces/default/configmaps/db-config'),
    'configmaps "db-config" is forbidden: User "system:node:node-1" cannot get resource "configmaps" in API group "" in the namespace "default": no relationship found between node \'node-1\' and this object');
  assert.equal(denial('POST', '/api/v1/namespaces/default/serviceaccounts/db/token'),
    'serviceaccounts "db" is forbidden: User "system:node:node-1" cannot create resource "serviceaccounts/token" in API group "" in the namespace "default": no relationship found between node \'node-1\' and this object');
  assert.equal(denial('GET', '/api/v1/namespaces/default/secrets'),
    'secrets is forbidden: User "system:node:node-1" cannot list resource "secrets" in API group "" in the namespace "default": No Object name found');
  assert.equal(decide('GET', '/api/v1/namespaces/default/secrets/pending-secret'), 'noOpinion', 'a pod not yet bound gives nothing');
  assert.equal(decide('PUT', '/api/v1/namespaces/default/secrets/web-tls'), 'noOpinion', 'read only');
});

test('pods: its own by the spec.nodeName selector, their status, and no other node\'s', () => {
  assert.equal(decide('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1&watch=true'), 'allow');
  assert.equal(denial('GET', '/api/v1/pods'),
    'pods is forbidden: User "system:node:node-1" cannot list resource "pods" in API group "" at the cluster scope: can only list/watch pods with spec.nodeName field selector');
  assert.equal(decide('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-2'), 'noOpinion');
  assert.equal(decide('GET', '/api/v1/namespaces/default/pods/web-1'), 'allow');
  assert.equal(decide('GET', '/api/v1/namespaces/default/pods/db-1'), 'noOpinion');
  assert.equal(decide('PATCH', '/api/v1/namespaces/default/pods/web-1/status'), 'allow');
  assert.equal(decide('DELETE', '/api/v1/namespaces/default/pods/web-1'), 'allow', 'NodeRestriction decides which');
  assert.equal(decide('PUT', '/api/v1/namespaces/default/pods/web-1'), 'noOpinion');
});

test('nodes: its own Node object and status; leases: its own in kube-node-lease', () => {
  assert.equal(decide('GET', '/api/v1/nodes/node-1'), 'allow');
  assert.equal(decide('GET', '/api/v1/nodes?fieldSelector=metadata.name%3Dnode-1'), 'allow');
  assert.equal(denial('GET', '/api/v1/nodes'),
    'nodes is forbidden: User "system:node:node-1" cannot list resource "nodes" in API group "" at the cluster scope: node \'node-1\' cannot read all nodes, only its own Node object');
  assert.equal(denial('GET', '/api/v1/nodes/node-2'),
    'nodes "node-2" is forbidden: User "system:node:node-1" cannot get resource "nodes" in API group "" at the cluster scope: node \'node-1\' cannot read \'node-2\', only its own Node object');
  assert.equal(decide('PATCH', '/api/v1/nodes/node-1/status'), 'allow');
  assert.equal(decide('PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1'), 'allow');
  assert.equal(denial('PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-2'),
    'leases.coordination.k8s.io "node-2" is forbidden: User "system:node:node-1" cannot update resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease": can only access node lease with the same name as the requesting node');
  assert.equal(decide('GET', '/api/v1/services'), 'allow', 'the system:node rules: services to read');
  assert.equal(decide('POST', '/api/v1/namespaces/default/events'), 'allow');
  assert.equal(decide('GET', '/api/v1/namespaces/default/secrets/web-tls', serviceAccount('default', 'web')), 'noOpinion', 'only nodes');
  assert.equal(decide('GET', '/api/v1/namespaces/default/secrets/web-tls', { name: 'system:node:node-1', groups: ['system:authenticated'] }), 'noOpinion', 'the name alone is no node');
});

test('the graph follows pods as they are bound, moved and deleted', () => {
  const g = new NodeGraph();
  const p = pod('p', undefined, { volumes: [{ name: 's', secret: { secretName: 's1' } }] });
  g.setPod(p);
  assert.equal(g.hasPathFrom('node-1', 'secret', 'default', 's1').ok, false);
  g.setPod({ ...p, spec: { ...p.spec, nodeName: 'node-1' } });
  assert.equal(g.hasPathFrom('node-1', 'secret', 'default', 's1').ok, true);
  assert.equal(g.hasPathFrom('node-1', 'serviceaccount', 'default', 'web').ok, true);
  g.deletePod(p);
  assert.equal(g.hasPathFrom('node-1', 'secret', 'default', 's1').ok, false);
  assert.match(g.hasPathFrom('node-1', 'secret', 'default', 's1').why ?? '', /unknown node 'node-1'/);
});

const defs: Record<string, ResourceDef> = {
  pods: { group: '', plural: 'pods' } as ResourceDef,
  nodes: { group: '', plural: 'nodes' } as ResourceDef,
  leases: { group: 'coordination.k8s.io', plural: 'leases' } as ResourceDef,
};
const ctx = (u = node1): WriteContext => ({ dryRun: false, user: u.name, userInfo: u, fieldManager: 'kubelet', get: async () => undefined });
const restriction = new NodeRestriction(async (_ns, name) => (name === 'web-1' ? pod('web-1', 'node-1') : name === 'db-1' ? pod('db-1', 'node-2') : undefined));

async function refused(p: Promise<void>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(isApiError(err, 'Forbidden'), String(err));
    return err.message;
  }
  assert.fail('the write was admitted');
}

test('NodeRestriction: a node changes only its own Node, without its taints or restricted labels', async () => {
  const node = (name: string, labels: Record<string, string> = {}, taints: unknown[] = []) => ({ metadata: { name, labels }, spec: { taints } });
  await restriction.create(defs.nodes, node('node-1', { 'kubernetes.io/hostname': 'node-1', 'node.kubernetes.io/instance-type': 'x' }), ctx());
  assert.equal(await refused(restriction.create(defs.nodes, node('node-2'), ctx())), 'nodes "node-2" is forbidden: node "node-1" is not allowed to modify node "node-2"');
  assert.equal(await refused(restriction.create(defs.nodes, node('node-1', { 'node-role.kubernetes.io/control-plane': '' }), ctx())),
    'nodes "node-1" is forbidden: node "node-1" is not allowed to set the following labels: node-role.kubernetes.io/control-plane');
  assert.equal(await refused(restriction.update(defs.nodes, node('node-1', {}, []), node('node-1', {}, [{ key: 'x', effect: 'NoSchedule' }]), ctx())),
    'nodes "node-1" is forbidden: node "node-1" is not allowed to modify taints');
  await restriction.update(defs.nodes, node('node-1', { mine: 'yes' }), node('node-1'), ctx());
});

test('NodeRestriction: pods bound to the node only, mirror pods only, its own lease, tokens bound to its pods', async () => {
  assert.equal(await refused(restriction.delete(defs.pods, pod('db-1', 'node-2'), ctx())),
    'pods "Unknown" is forbidden: node "node-1" can only delete pods with spec.nodeName set to itself');
  await restriction.delete(defs.pods, pod('web-1', 'node-1'), ctx());
  assert.equal(await refused(restriction.update(defs.pods, pod('db-1', 'node-2'), pod('db-1', 'node-2'), ctx(), 'status')),
    'pods "db-1" is forbidden: node "node-1" can only update pod status for pods with spec.nodeName set to itself');
  assert.equal(await refused(restriction.create(defs.pods, pod('static', 'node-1'), ctx())),
    'pods "static" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "node-1" can only create mirror pods');
  assert.equal(await refused(restriction.create(defs.leases, { metadata: { name: 'node-2', namespace: 'kube-node-lease' } }, ctx())),
    'leases.coordination.k8s.io "node-2" is forbidden: can only access node lease with the same name as the requesting node');
  const sa = { metadata: { name: 'web', namespace: 'default' } };
  const tr = (ref?: Record<string, unknown>) => ({ metadata: { name: 'web' }, spec: { boundObjectRef: ref } });
  await restriction.tokenRequest(sa, tr({ apiVersion: 'v1', kind: 'Pod', name: 'web-1', uid: 'uid-web-1' }), node1);
  assert.equal(await refused(restriction.tokenRequest(sa, tr(), node1)), 'serviceaccounts "web" is forbidden: node requested token not bound to a pod');
  assert.equal(await refused(restriction.tokenRequest(sa, tr({ apiVersion: 'v1', kind: 'Pod', name: 'db-1', uid: 'uid-db-1' }), node1)),
    'serviceaccounts "web" is forbidden: node requested token bound to a pod scheduled on a different node');
  assert.equal(await refused(restriction.tokenRequest(sa, tr({ apiVersion: 'v1', kind: 'Pod', name: 'web-1', uid: 'old' }), node1)),
    'serviceaccounts "web" is forbidden: the UID in the bound object reference (old) does not match the UID in record. The object might have been deleted and then recreated');
  // Others are not restricted here.
  await restriction.delete(defs.pods, pod('db-1', 'node-2'), ctx(serviceAccount('default', 'x')));
});
