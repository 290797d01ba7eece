// RBAC on a 3-node cluster with the real kubectl: a service account's Role, forbidden answers in
// upstream's words, `kubectl auth can-i` (with --list and --as) and `whoami`, aggregation,
// escalation refused, the default policy, tokens for other audiences and of deleted pods refused, a
// pod's own token from inside the pod, and the cluster's own components working with no more than
// they need: kube-proxy (a Service), DNS (an answer), the policy component (a NetworkPolicy), the
// node agents (a pod's Secret) and the controllers (a Deployment rollout, each controller as its own
// service account).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import YAML from 'yaml';
import { fixture, startCluster, type Cluster } from './lib/cluster.js';
import { apply, isReady, netexecPod, podExec, readyPod, readyPods, toolboxPod, type PodJson } from './lib/cluster-node.js';
import { dataOf, dig } from './lib/dns.js';
import { parseTable } from './lib/table.js';
import { waitFor } from './lib/wait.js';

const SA = 'system:serviceaccount:default:reader';

describe('RBAC', () => {
  let c: Cluster;
  let readerConfig: string;

  /** A kubeconfig holding only a bearer token (no client certificate). */
  async function tokenKubeconfig(name: string, token: string): Promise<string> {
    const config = YAML.parse(await c.kubectlOk(['config', 'view', '--raw', '--minify']));
    config.users = [{ name: config.users[0].name, user: { token } }];
    const file = join(c.home, `${name}.kubeconfig`);
    await writeFile(file, YAML.stringify(config));
    return file;
  }

  const as = (file: string, args: string[]) => c.kubectl(['--kubeconfig', file, ...args]);
  const log = () => readFileSync(join(c.dataDir, 'knit.log'), 'utf8');

  before(async () => {
    // The control plane's log (the API server's authentication errors, the controllers' denials).
    process.env.KNIT_VERBOSE = '1';
    c = await startCluster({ nodes: 3, prefix: 't31-' });
    await c.kubectlOk(['create', 'serviceaccount', 'reader']);
    await c.kubectlOk(['create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods']);
    await c.kubectlOk(['create', 'rolebinding', 'reader-reads-pods', '--role=pod-reader', `--serviceaccount=default:reader`]);
    readerConfig = await tokenKubeconfig('reader', (await c.kubectlOk(['create', 'token', 'reader'])).trim());
  });
  after(async () => {
    await c?.down();
  });

  test('a service account with a Role lists pods, and not secrets', async () => {
    const pods = await as(readerConfig, ['get', 'pods']);
    assert.equal(pods.code, 0, pods.stderr);
    const secrets = await as(readerConfig, ['get', 'secrets']);
    assert.equal(secrets.code, 1);
    assert.equal(secrets.stderr.trim(), `Error from server (Forbidden): secrets is forbidden: User "${SA}" cannot list resource "secrets" in API group "" in the namespace "default"`);
    const all = await as(readerConfig, ['get', 'pods', '-A']);
    assert.equal(all.stderr.trim(), `Error from server (Forbidden): pods is forbidden: User "${SA}" cannot list resource "pods" in API group "" at the cluster scope`);
    const logs = await as(readerConfig, ['get', '--raw', '/api/v1/namespaces/default/pods/web/log']);
    assert.equal(logs.stderr.trim(), `Error from server (Forbidden): pods "web" is forbidden: User "${SA}" cannot get resource "pods/log" in API group "" in the namespace "default"`);
    const metrics = await as(readerConfig, ['get', '--raw', '/metrics']);
    assert.equal(metrics.stderr.trim(), `Error from server (Forbidden): forbidden: User "${SA}" cannot get path "/metrics"`);
  });

  test('kubectl auth can-i, can-i --list and whoami', async () => {
    assert.equal(await c.kubectl(['--kubeconfig', readerConfig, 'auth', 'can-i', 'list', 'pods']).then((r) => r.stdout), 'yes\n');
    const no = await as(readerConfig, ['auth', 'can-i', 'delete', 'pods']);
    assert.deepEqual([no.code, no.stdout], [1, 'no\n']);
    const list = await c.kubectlOk(['--kubeconfig', readerConfig, 'auth', 'can-i', '--list']);
    assert.match(list, /^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
    assert.match(list, /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m);
    assert.match(list, /^\s+\[\/healthz\]\s+\[\]\s+\[get\]$/m);
    assert.doesNotMatch(list, /^secrets/m);
    const uid = (await c.kubectlJson(['get', 'serviceaccount', 'reader'])).metadata.uid;
    const whoami = parseTable(await c.kubectlOk(['--kubeconfig', readerConfig, 'auth', 'whoami']));
    assert.deepEqual(whoami.rows.slice(0, 3), [
      { ATTRIBUTE: 'Username', VALUE: SA },
      { ATTRIBUTE: 'UID', VALUE: uid },
      { ATTRIBUTE: 'Groups', VALUE: '[system:serviceaccounts system:serviceaccounts:default system:authenticated]' },
    ]);
    assert.match(whoami.rows[3].VALUE, /^\[JTI=[0-9a-f-]{36}\]$/);
    assert.equal(whoami.rows[3].ATTRIBUTE, 'Extra: authentication.kubernetes.io/credential-id');
    assert.equal(await c.kubectlOk(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.groups}']), '["system:masters","system:authenticated"]');
  });

  test('--as impersonates: the admin may, the service account may not', async () => {
    assert.equal((await c.kubectl(['auth', 'can-i', 'list', 'pods', `--as=${SA}`])).stdout, 'yes\n');
    assert.equal((await c.kubectl(['auth', 'can-i', 'list', 'secrets', `--as=${SA}`])).stdout, 'no\n');
    const secrets = await c.kubectl(['get', 'secrets', `--as=${SA}`]);
    assert.equal(secrets.stderr.trim(), `Error from server (Forbidden): secrets is forbidden: User "${SA}" cannot list resource "secrets" in API group "" in the namespace "default"`);
    const asAdmin = await as(readerConfig, ['get', 'pods', '--as=kubernetes-admin', '--as-group=system:masters']);
    assert.equal(asAdmin.stderr.trim(), `Error from server (Forbidden): users "kubernetes-admin" is forbidden: User "${SA}" cannot impersonate resource "users" in API group "" at the cluster scope`);
  });

  test('a ClusterRole labelled aggregate-to-view adds its rules to view (and so to edit and admin)', async () => {
    await apply(c, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole',
      metadata: { name: 'crontab-viewer', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
      rules: [{ apiGroups: ['stable.example.com'], resources: ['crontabs'], verbs: ['get', 'list', 'watch'] }],
    });
    for (const role of ['view', 'edit', 'admin']) {
      await waitFor(`${role} to hold the crontabs rule`, () => c.kubectlJson(['get', 'clusterrole', role]),
        (r) => (r.rules ?? []).some((x: { resources?: string[] }) => x.resources?.includes('crontabs')));
    }
    await c.kubectlOk(['create', 'rolebinding', 'reader-views', '--clusterrole=view', '--serviceaccount=default:reader']);
    // kubectl auth can-i cannot name a group the server does not serve: ask with a review of our own.
    // (--validate=false: kubectl validates kinds without a PATCH endpoint against /openapi/v2.)
    const review = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: 'default', verb: 'list', group: 'stable.example.com', resource: 'crontabs' } } };
    const allowed = await c.kubectlOk(['--kubeconfig', readerConfig, 'create', '--validate=false', '-f', '-', '-o', 'jsonpath={.status.allowed}'], { input: JSON.stringify(review) });
    assert.equal(allowed, 'true');
    await c.kubectlOk(['delete', 'clusterrole', 'crontab-viewer']);
    await waitFor('view without the crontabs rule', () => c.kubectlJson(['get', 'clusterrole', 'view']),
      (r) => !(r.rules ?? []).some((x: { resources?: string[] }) => x.resources?.includes('crontabs')));
    await c.kubectlOk(['delete', 'rolebinding', 'reader-views']);
  });

  test('granting what one does not hold is refused, unless one may escalate or bind', async () => {
    await c.kubectlOk(['create', 'role', 'role-maker', '--verb=create,get,update', '--resource=roles,rolebindings']);
    await c.kubectlOk(['create', 'rolebinding', 'reader-makes-roles', '--role=role-maker', '--serviceaccount=default:reader']);
    const groups = '(groups=["system:serviceaccounts" "system:serviceaccounts:default" "system:authenticated"])';
    const role = await as(readerConfig, ['create', 'role', 'secret-reader', '--verb=get', '--resource=secrets']);
    assert.equal(role.code, 1);
    assert.equal(role.stderr.trim(), `Error from server (Forbidden): roles.rbac.authorization.k8s.io "secret-reader" is forbidden: user "${SA}" ${groups} is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}`);
    assert.equal((await as(readerConfig, ['create', 'role', 'pod-lister', '--verb=list', '--resource=pods'])).code, 0, 'what it holds it may grant');
    const binding = await as(readerConfig, ['create', 'rolebinding', 'steal', '--clusterrole=cluster-admin', '--serviceaccount=default:reader']);
    assert.equal(binding.stderr.trim(), `error: failed to create rolebinding: rolebindings.rbac.authorization.k8s.io "steal" is forbidden: user "${SA}" ${groups} is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}`);
    assert.equal((await c.kubectl(['get', 'rolebinding', 'steal'])).code, 1, 'nothing was stored');
    // The bind verb on a role lets one bind it without holding it.
    await c.kubectlOk(['create', 'role', 'binder', '--verb=bind', '--resource=clusterroles', '--resource-name=view']);
    await c.kubectlOk(['create', 'rolebinding', 'reader-binds', '--role=binder', '--serviceaccount=default:reader']);
    assert.equal((await as(readerConfig, ['create', 'rolebinding', 'others-view', '--clusterrole=view', '--user=bob'])).code, 0);
  });

  test('the default policy: upstream\'s roles and bindings, and knit\'s components\' own', async () => {
    const roles = await c.kubectlNames(['get', 'clusterroles']);
    for (const name of ['cluster-admin', 'admin', 'edit', 'view', 'system:basic-user', 'system:discovery', 'system:public-info-viewer', 'system:node', 'system:node-proxier',
      'system:kube-controller-manager', 'system:kube-scheduler', 'system:kube-dns', 'system:auth-delegator', 'system:controller:deployment-controller',
      'system:controller:node-controller', 'system:coredns', 'kube-network-policies']) {
      assert.ok(roles.includes(`clusterrole.rbac.authorization.k8s.io/${name}`), name);
    }
    const table = parseTable(await c.kubectlOk(['get', 'clusterrolebinding', 'cluster-admin', 'system:public-info-viewer', 'kubeadm:node-proxier', '-o', 'wide']));
    assert.deepEqual(table.header, ['NAME', 'ROLE', 'AGE', 'USERS', 'GROUPS', 'SERVICEACCOUNTS']);
    assert.deepEqual(table.rows.map((r) => [r.NAME, r.ROLE, r.USERS, r.GROUPS, r.SERVICEACCOUNTS]), [
      ['cluster-admin', 'ClusterRole/cluster-admin', '', 'system:masters', ''],
      ['system:public-info-viewer', 'ClusterRole/system:public-info-viewer', '', 'system:authenticated, system:unauthenticated', ''],
      ['kubeadm:node-proxier', 'ClusterRole/system:node-proxier', '', '', 'kube-system/kube-proxy'],
    ]);
    const annotation = await c.kubectlOk(['get', 'clusterrole', 'cluster-admin', '-o', 'jsonpath={.metadata.annotations.rbac\\.authorization\\.kubernetes\\.io/autoupdate}']);
    assert.equal(annotation, 'true');
    assert.deepEqual(parseTable(await c.kubectlOk(['get', 'roles', '-n', 'kube-system'])).header, ['NAME', 'CREATED AT']);
  });

  test('a token for another audience, or of a deleted or recreated pod, is refused with 401', async () => {
    const vault = await tokenKubeconfig('vault', (await c.kubectlOk(['create', 'token', 'reader', '--audience', 'vault'])).trim());
    const refused = await as(vault, ['get', 'pods']);
    assert.equal(refused.stderr.trim(), 'error: You must be logged in to the server (Unauthorized)');
    assert.ok(log().includes('"Unable to authenticate the request" err="[invalid bearer token, token audiences [\\"vault\\"] is invalid for the target audiences [\\"https://kubernetes.default.svc.cluster.local\\"]]"'));

    await apply(c, toolboxPod('holder', undefined, { serviceAccountName: 'reader', terminationGracePeriodSeconds: 0 }));
    await readyPod(c, 'holder');
    const bound = await tokenKubeconfig('bound', (await c.kubectlOk(['create', 'token', 'reader', '--bound-object-kind=Pod', '--bound-object-name=holder'])).trim());
    assert.equal((await as(bound, ['get', 'pods'])).code, 0);
    await c.kubectlOk(['delete', 'pod', 'holder', '--grace-period=0', '--force']);
    // kube-apiserver remembers a successful authentication for 10 s: the refusal follows within that.
    await waitFor('the bound token to be refused', () => as(bound, ['get', 'pods']), (r) => r.code === 1, { timeoutMs: 30_000, intervalMs: 1000 });
    assert.equal((await as(bound, ['get', 'pods'])).stderr.trim(), 'error: You must be logged in to the server (Unauthorized)');
    assert.ok(log().includes('"Unable to authenticate the request" err="[invalid bearer token, service account token has been invalidated]"'));
    // The same name again is another pod: the token still does not count.
    await apply(c, toolboxPod('holder', undefined, { serviceAccountName: 'reader', terminationGracePeriodSeconds: 0 }));
    await readyPod(c, 'holder');
    assert.equal((await as(bound, ['get', 'pods'])).code, 1);
    assert.match(log(), /"Unable to authenticate the request" err="\[invalid bearer token, pod UID \([0-9a-f-]+\) does not match service account pod ref claim \([0-9a-f-]+\)\]"/);
  });

  test('a pod\'s own token, written by the node agent, works from inside the pod as its service account', async () => {
    await readyPod(c, 'holder');
    const curl = (path: string, extra = '') => podExec(c, 'holder', ['sh', '-c',
      `curl -s -w ' %{http_code}' --cacert "$KNIT_SERVICE_ACCOUNT_DIR/ca.crt" -H "Authorization: Bearer $(cat "$KNIT_SERVICE_ACCOUNT_DIR/token")" ${extra} https://kubernetes.default.svc${path}`]);
    const pods = await curl('/api/v1/namespaces/default/pods');
    assert.match(pods.stdout, / 200$/, pods.stderr);
    assert.equal(JSON.parse(pods.stdout.replace(/ 200$/, '')).kind, 'PodList');
    const secrets = await curl('/api/v1/namespaces/default/secrets');
    assert.match(secrets.stdout, / 403$/);
    assert.equal(JSON.parse(secrets.stdout.replace(/ 403$/, '')).message, `secrets is forbidden: User "${SA}" cannot list resource "secrets" in API group "" in the namespace "default"`);
    const whoami = await curl('/apis/authentication.k8s.io/v1/selfsubjectreviews', `-X POST -H 'Content-Type: application/json' -d '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}'`);
    const info = JSON.parse(whoami.stdout.replace(/ 201$/, '')).status.userInfo;
    assert.deepEqual(info.extra['authentication.kubernetes.io/pod-name'], ['holder'], 'the token is bound to the pod');
  });

  test('the components hold only their roles, and the cluster works with them: Service, DNS, NetworkPolicy, Secret, rollout', async () => {
    const canI = async (user: string, ...args: string[]) => (await c.kubectl(['auth', 'can-i', ...args, `--as=${user}`])).stdout.trim();
    const proxy = 'system:serviceaccount:kube-system:kube-proxy';
    assert.deepEqual([await canI(proxy, 'list', 'endpointslices.discovery.k8s.io', '-A'), await canI(proxy, 'list', 'secrets', '-A'), await canI(proxy, 'get', 'configmaps/kube-proxy', '-n', 'kube-system')], ['yes', 'no', 'yes']);
    const dns = 'system:serviceaccount:kube-system:coredns';
    assert.deepEqual([await canI(dns, 'watch', 'services', '-A'), await canI(dns, 'create', 'services'), await canI(dns, 'get', 'configmaps/kube-proxy', '-n', 'kube-system')], ['yes', 'no', 'no']);
    const policies = 'system:serviceaccount:kube-system:kube-network-policies';
    assert.deepEqual([await canI(policies, 'watch', 'networkpolicies.networking.k8s.io', '-A'), await canI(policies, 'get', 'secrets', '-A')], ['yes', 'no']);
    const deployments = 'system:serviceaccount:kube-system:deployment-controller';
    assert.deepEqual([await canI(deployments, 'create', 'replicasets.apps'), await canI(deployments, 'create', 'pods')], ['yes', 'no']);

    // A Deployment rolls out and its Service answers (controllers, scheduler, kube-proxy, node agents).
    await c.kubectlOk(['apply', '-f', fixture('frontend-deployment.yaml')]);
    await c.kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    await waitFor('the NodePort Service to answer', () => fetch('http://127.0.0.1:30080/').then((r) => r.status), (s) => s === 200);
    // DNS answers, with its least privileges.
    await apply(c, toolboxPod('box'));
    await readyPod(c, 'box');
    const clusterIP = (await c.kubectlJson(['get', 'service', 'web'])).spec.clusterIP;
    assert.deepEqual(dataOf(await dig(c, 'box', ['web.default.svc.cluster.local', 'A']), 'A'), [clusterIP]);

    // A node agent reads the Secret its pod needs; another node may not.
    await c.kubectlOk(['create', 'secret', 'generic', 'app-secret', '--from-literal=password=s3cr3t']);
    await apply(c, toolboxPod('uses-secret', 'node-1', { containers: [{ name: 'box', image: 'busybox', command: ['sleep', '3600'], env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'app-secret', key: 'password' } } }] }] }));
    await readyPod(c, 'uses-secret');
    assert.equal((await podExec(c, 'uses-secret', ['sh', '-c', 'echo $PASSWORD'])).stdout, 's3cr3t\n');
    const other = await c.kubectl(['get', 'secret', 'app-secret', '--as=system:node:node-2', '--as-group=system:nodes']);
    assert.equal(other.stderr.trim(), 'Error from server (Forbidden): secrets "app-secret" is forbidden: User "system:node:node-2" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'node-2\' and this object');

    // The policy component enforces a NetworkPolicy.
    await c.createNamespace('guarded');
    await apply(c, { ...netexecPod('server'), metadata: { name: 'server', namespace: 'guarded', labels: { app: 'server' } } });
    const [server] = await readyPods(c, 'app=server', 1, 'guarded') as PodJson[];
    const get = () => podExec(c, 'box', ['curl', '-s', '-m', '2', `http://${server.status.podIP}:8080/hostname`]);
    assert.equal((await get()).stdout, 'server');
    await apply(c, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-all', namespace: 'guarded' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
    await waitFor('the policy to isolate the server', get, (r) => r.code !== 0);
  });

  test('each controller acts as its own service account: without its binding, the deployment controller is refused', async () => {
    const binding = await c.kubectlJson(['get', 'clusterrolebinding', 'system:controller:deployment-controller']);
    await c.kubectlOk(['delete', 'clusterrolebinding', 'system:controller:deployment-controller']);
    try {
      await c.kubectlOk(['create', 'deployment', 'gated', '--image=registry.k8s.io/pause:3.10']);
      const denied = 'replicasets.apps is forbidden: User "system:serviceaccount:kube-system:deployment-controller" cannot create resource "replicasets" in API group "apps" in the namespace "default"';
      await waitFor('the deployment controller to be refused', () => log(), (text) => text.includes(denied));
      assert.deepEqual(await c.kubectlNames(['get', 'replicasets', '-l', 'app=gated']), []);
    } finally {
      const { metadata, roleRef, subjects } = binding;
      await apply(c, { apiVersion: binding.apiVersion, kind: binding.kind, metadata: { name: metadata.name, labels: metadata.labels, annotations: metadata.annotations }, roleRef, subjects });
    }
    await waitFor('the gated deployment\'s pod', () => c.kubectlJson<{ items: PodJson[] }>(['get', 'pods', '-l', 'app=gated']), (l) => l.items.length === 1 && isReady(l.items[0]), { timeoutMs: 120_000 });
  });
});
