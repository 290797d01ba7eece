// The cost of authorization on a request: a knit control plane (`knit up --nodes 0`, its own
// process) answering GET of one ConfigMap, one request at a time, for
//   - the admin (client certificate, system:masters: allowed before RBAC is consulted), the
//     reference measured in the same run;
//   - a service account whose Role allows it (bearer token; authentication, then the default
//     policy's bindings and the namespace's are searched);
//   - the same service account after 500 more RoleBindings in its namespace and 500 more
//     ClusterRoleBindings, none of them its own (the search is linear in the bindings).
// The three are measured in alternating rounds so that drift of the machine hits them alike.
// Then the authorization decision alone, in this process, over the same policies.
//
//   node --import tsx bench/rbac.bench.ts [--requests 4000] [--rounds 8]
//
// Goal: the service account's median within 1.1x the admin's.

import YAML from 'yaml';
import { startCluster } from '../test/e2e/lib/cluster.js';
import { ApiServerClient, type Credentials } from './lib/apiserver.js';
import { numberArg, percentiles, type Percentiles } from './lib/kvbench.js';
import { PrivilegedGroupsAuthorizer, UnionAuthorizer } from '../src/api/auth/authorizer.js';
import { RbacAuthorizer } from '../src/api/auth/rbac/authorizer.js';
import { RbacPolicy, RuleResolver } from '../src/api/auth/rbac/policy.js';
import { bootstrapPolicy } from '../src/api/auth/bootstrap/policy.js';
import { bindingObject, roleObject } from '../src/api/auth/bootstrap/reconcile.js';
import { attrs, serviceAccount, user } from '../src/api/auth/testing.js';

const requests = numberArg('requests', 4000);
const rounds = numberArg('rounds', 8);
const NAMESPACE = 'bench';
const CROWD = 500;
const progress = (line: string) => process.stderr.write(`${line}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'configmap-reader', namespace: NAMESPACE }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }] };
const binding = (name: string, subject: Record<string, string>, roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmap-reader' }) =>
  ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace: NAMESPACE }, roleRef, subjects: [subject] });
const clusterBinding = (name: string, subject: Record<string, string>) =>
  ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [subject] });
const someone = (i: number) => ({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: `user-${i}` });

/** Objects as one YAML stream, for kubectl apply -f -. */
const stream = (objects: object[]): string => objects.map((o) => YAML.stringify(o)).join('---\n');

/** Latencies (ms) of `count` GETs, one at a time. */
async function timed(api: ApiServerClient, count: number): Promise<number[]> {
  const path = `/api/v1/namespaces/${NAMESPACE}/configmaps/cm-0`;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await api.call('GET', path);
    out.push(performance.now() - t);
  }
  return out;
}

/** Alternating rounds of each client; every sample of each. */
async function interleaved(clients: ApiServerClient[], perClient: number): Promise<number[][]> {
  const samples = clients.map(() => [] as number[]);
  for (const c of clients) await timed(c, 200); // warm connections and caches
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < clients.length; i++) samples[i].push(...(await timed(clients[i], Math.ceil(perClient / rounds))));
  }
  return samples;
}

/** Microseconds per decision, in process, for `who` over a policy. */
function decisionMicros(policy: RbacPolicy, who: Parameters<typeof attrs>[0], times = 200_000): number {
  const chain = new UnionAuthorizer([new PrivilegedGroupsAuthorizer(), new RbacAuthorizer(new RuleResolver(policy, 'lister'))]);
  const a = attrs(who, 'GET', `/api/v1/namespaces/${NAMESPACE}/configmaps/cm-0`);
  if (chain.authorize(a).decision !== 'allow') throw new Error(`${who.name} is not allowed: the benchmark's policy is wrong`);
  const t = performance.now();
  for (let i = 0; i < times; i++) chain.authorize(a);
  return ((performance.now() - t) * 1000) / times;
}

function policyOf(crowded: boolean): RbacPolicy {
  const p = new RbacPolicy();
  const boot = bootstrapPolicy();
  for (const r of boot.clusterRoles) p.setClusterRole(roleObject(r));
  for (const b of boot.clusterRoleBindings) p.setClusterRoleBinding(bindingObject(b));
  p.setRole(role);
  p.setRoleBinding(binding('bench-reads', { kind: 'ServiceAccount', name: 'bench', namespace: NAMESPACE }));
  if (crowded) {
    for (let i = 0; i < CROWD; i++) {
      p.setRoleBinding(binding(`other-${i}`, someone(i)));
      p.setClusterRoleBinding(clusterBinding(`other-${i}`, someone(i)));
    }
  }
  return p;
}

async function main(): Promise<void> {
  console.log(`RBAC benchmark: GET of one ConfigMap, one at a time, ${requests} per client in ${rounds} alternating rounds`);
  const cluster = await startCluster({ prefix: 't31-bench-' });
  let results: { label: string; p: Percentiles }[] = [];
  try {
    await cluster.createNamespace(NAMESPACE);
    await cluster.kubectlOk(['create', 'configmap', 'cm-0', '-n', NAMESPACE, '--from-literal=key=value']);
    await cluster.kubectlOk(['create', 'serviceaccount', 'bench', '-n', NAMESPACE]);
    await cluster.kubectlOk(['apply', '-f', '-'], { input: stream([role, binding('bench-reads', { kind: 'ServiceAccount', name: 'bench', namespace: NAMESPACE })]) });
    const token = (await cluster.kubectlOk(['create', 'token', 'bench', '-n', NAMESPACE, '--duration=2h'])).trim();
    const adminCreds = cluster.credentials();
    const saCreds: Credentials = { ca: adminCreds.ca, token };
    const admin = new ApiServerClient(cluster.port, adminCreds, 1);
    const sa = new ApiServerClient(cluster.port, saCreds, 1);
    try {
      progress('measuring admin and service account ...');
      const [a, s] = await interleaved([admin, sa], requests);
      progress(`adding ${CROWD} RoleBindings and ${CROWD} ClusterRoleBindings of others ...`);
      const crowd = Array.from({ length: CROWD }, (_, i) => [binding(`other-${i}`, someone(i)), clusterBinding(`other-${i}`, someone(i))]).flat();
      await cluster.kubectlOk(['apply', '-f', '-'], { input: stream(crowd), timeoutMs: 300_000 });
      progress('measuring again ...');
      const [a2, crowded] = await interleaved([admin, sa], requests);
      results = [
        { label: 'admin (system:masters)', p: percentiles([...a, ...a2]) },
        { label: 'service account with a Role', p: percentiles(s) },
        { label: `same, ${CROWD}+${CROWD} other bindings`, p: percentiles(crowded) },
      ];
    } finally {
      admin.close();
      sa.close();
    }
  } finally {
    await cluster.down();
  }
  const reference = results[0].p;
  const ms = (x: number) => `${x.toFixed(3)} ms`;
  const rows = results.map((r) => [r.label, ms(r.p.p50), ms(r.p.p99), `${(r.p.p50 / reference.p50).toFixed(2)}x`]);
  const header = ['GET one ConfigMap', 'p50', 'p99', 'p50 vs admin'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('   ');
  console.log(`\n${line(header)}\n${rows.map(line).join('\n')}`);

  const plain = policyOf(false);
  const crowdedPolicy = policyOf(true);
  const sa = serviceAccount(NAMESPACE, 'bench');
  console.log('\nThe decision alone, in process (µs per request):');
  console.log(`  admin ${decisionMicros(plain, user('kubernetes-admin', 'system:masters')).toFixed(2)}, service account ${decisionMicros(plain, sa).toFixed(2)}, `
    + `with ${CROWD}+${CROWD} other bindings ${decisionMicros(crowdedPolicy, sa).toFixed(2)}`);
  console.log('\nGoal: the service account\'s p50 within 1.1x the admin\'s. Its token is verified once per 10 s (kube-apiserver\'s token cache); each request searches the bindings.');
}

await main();
