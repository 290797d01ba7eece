import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ruleAllows, type PolicyRule } from './rules.js';
import { attrs, serviceAccount } from '../testing.js';

const sa = serviceAccount('default', 'foo');
const allows = (rule: PolicyRule, method: string, path: string) => ruleAllows(attrs(sa, method, path), rule);

test('verbs, API groups and resources match exactly or by "*"', () => {
  const podsReader: PolicyRule = { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'] };
  assert.equal(allows(podsReader, 'GET', '/api/v1/namespaces/default/pods'), true);
  assert.equal(allows(podsReader, 'GET', '/api/v1/namespaces/default/pods/web'), true);
  assert.equal(allows(podsReader, 'GET', '/api/v1/pods?watch=true'), true);
  assert.equal(allows(podsReader, 'DELETE', '/api/v1/namespaces/default/pods/web'), false, 'delete is not a read');
  assert.equal(allows(podsReader, 'GET', '/api/v1/namespaces/default/secrets'), false);
  assert.equal(allows(podsReader, 'GET', '/apis/apps/v1/namespaces/default/deployments'), false, 'another group');
  const everything: PolicyRule = { verbs: ['*'], apiGroups: ['*'], resources: ['*'] };
  assert.equal(allows(everything, 'DELETE', '/apis/example.com/v1/namespaces/x/widgets/w'), true, 'custom resources match generically');
  assert.equal(allows(everything, 'GET', '/healthz'), false, 'resource rules say nothing of paths');
});

test('a subresource is matched as resource/subresource, or by "*/subresource"', () => {
  const logs: PolicyRule = { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] };
  assert.equal(allows(logs, 'GET', '/api/v1/namespaces/default/pods/web/log'), true);
  assert.equal(allows(logs, 'GET', '/api/v1/namespaces/default/pods/web'), false, 'pods/log does not give pods');
  const pods: PolicyRule = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
  assert.equal(allows(pods, 'GET', '/api/v1/namespaces/default/pods/web/log'), false, 'pods does not give pods/log');
  const scale: PolicyRule = { verbs: ['get', 'update'], apiGroups: ['*'], resources: ['*/scale'] };
  assert.equal(allows(scale, 'PUT', '/apis/apps/v1/namespaces/default/deployments/web/scale'), true);
  assert.equal(allows(scale, 'GET', '/apis/apps/v1/namespaces/default/deployments/web'), false);
  assert.equal(allows(scale, 'GET', '/apis/apps/v1/namespaces/default/deployments/web/status'), false);
});

test('streaming subresources are authorized by their HTTP method', () => {
  const execGet: PolicyRule = { verbs: ['get'], apiGroups: [''], resources: ['pods/exec'] };
  const execCreate: PolicyRule = { verbs: ['create'], apiGroups: [''], resources: ['pods/exec'] };
  assert.equal(allows(execGet, 'GET', '/api/v1/namespaces/default/pods/web/exec?command=ls'), true);
  assert.equal(allows(execCreate, 'GET', '/api/v1/namespaces/default/pods/web/exec?command=ls'), false);
  assert.equal(allows(execCreate, 'POST', '/api/v1/namespaces/default/pods/web/exec?command=ls'), true);
});

test('resourceNames limit a rule to named objects; a list or watch by metadata.name counts as named', () => {
  const one: PolicyRule = { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['kube-proxy'] };
  assert.equal(allows(one, 'GET', '/api/v1/namespaces/kube-system/configmaps/kube-proxy'), true);
  assert.equal(allows(one, 'GET', '/api/v1/namespaces/kube-system/configmaps/coredns'), false);
  assert.equal(allows(one, 'GET', '/api/v1/namespaces/kube-system/configmaps'), false, 'a plain list names nothing');
  assert.equal(allows(one, 'GET', '/api/v1/namespaces/kube-system/configmaps?fieldSelector=metadata.name%3Dkube-proxy&watch=true'), true);
  assert.equal(allows(one, 'GET', '/api/v1/namespaces/kube-system/configmaps?fieldSelector=metadata.name!%3Dkube-proxy'), false);
});

test('non-resource URLs match exactly, or by a trailing "*"', () => {
  const discovery: PolicyRule = { verbs: ['get'], nonResourceURLs: ['/api', '/api/*', '/healthz'] };
  assert.equal(allows(discovery, 'GET', '/api'), true);
  assert.equal(allows(discovery, 'GET', '/api/v1'), true, 'the group-version document is a path');
  assert.equal(allows(discovery, 'GET', '/healthz'), true);
  assert.equal(allows(discovery, 'GET', '/healthz/etcd'), false);
  assert.equal(allows(discovery, 'POST', '/api'), false, 'a POST to a path is verb "post"');
  assert.equal(allows(discovery, 'GET', '/api/v1/pods'), false, 'a resource is not a path');
  assert.equal(allows({ verbs: ['get'], nonResourceURLs: ['*'] }, 'GET', '/metrics'), true);
});

test('a namespace is in itself: its own path has its name as the namespace', () => {
  const a = attrs(serviceAccount('team', 'x'), 'GET', '/api/v1/namespaces/team');
  assert.deepEqual([a.resource, a.name, a.namespace], ['namespaces', 'team', 'team']);
  const status = attrs(serviceAccount('team', 'x'), 'PUT', '/api/v1/namespaces/team/finalize');
  assert.deepEqual([status.resource, status.subresource, status.namespace, status.verb], ['namespaces', 'finalize', 'team', 'update']);
  const list = attrs(serviceAccount('team', 'x'), 'GET', '/api/v1/namespaces');
  assert.deepEqual([list.verb, list.namespace], ['list', '']);
});
