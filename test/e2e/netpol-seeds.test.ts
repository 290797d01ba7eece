// The seeds' NetworkPolicies (Network Policies in 003 and 001) verbatim with the outcomes the
// seeds print, probed as upstream probes (`kubectl exec ... /agnhost connect`), and what knit adds:
// the log of denied connections naming the isolating policies, audit mode, pods isolated before
// they start, enforcement kept across a restart of the policy component, and nothing left behind.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, startCluster, type Cluster } from './lib/cluster.js';
import { apply, getPod, nodeExecOk, readyPods, type PodJson } from './lib/cluster-node.js';
import { AGNHOST, applyAll } from './lib/netpol.js';
import { waitFor } from './lib/wait.js';

/** A pod serving the seeds' ports with agnhost porter, Ready once it listens. */
function server(ns: string, name: string, app: string, ports: number[]): object {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels: { app } },
    spec: {
      terminationGracePeriodSeconds: 0,
      // A lookup that gets no answer gives up after a second, not the resolver's default 10 s.
      dnsConfig: { options: [{ name: 'timeout', value: '1' }, { name: 'attempts', value: '1' }] },
      containers: [{
        name: 'agnhost', image: AGNHOST, command: ['/agnhost', 'porter'],
        env: ports.map((p) => ({ name: `SERVE_PORT_${p}`, value: `${name}:${p}` })),
        ports: ports.map((p) => ({ containerPort: p })),
        readinessProbe: { tcpSocket: { port: ports[0] }, periodSeconds: 1 },
        livenessProbe: { httpGet: { path: '/', port: ports[0] }, periodSeconds: 1, failureThreshold: 2 },
      }],
    },
  };
}

const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

describe('the seeds\' NetworkPolicies, and what knit tells about them', () => {
  let c: Cluster;
  const ips = new Map<string, string>();
  const ip = (key: string) => ips.get(key)!;

  /** `/agnhost connect` from a pod: 'ok', or agnhost's first word for the failure (TIMEOUT, DNS, ...). */
  async function connect(from: string, target: string, protocol = 'tcp'): Promise<string> {
    const [ns, pod] = from.split('/');
    const r = await c.kubectl(['exec', '-n', ns, pod, '--', '/agnhost', 'connect', target, '--timeout=1s', `--protocol=${protocol}`]);
    return r.code === 0 ? 'ok' : r.stderr.split('\n')[0].split(':')[0].trim();
  }

  async function servers(ns: string, list: [string, string, number[]][]): Promise<void> {
    await applyAll(c, [namespace(ns), ...list.map(([name, app, ports]) => server(ns, name, app, ports))]);
    for (const p of await readyPods(c, 'app', list.length, ns)) ips.set(`${ns}/${p.metadata.name}`, p.status.podIP!);
  }

  before(async () => {
    c = await startCluster({ nodes: 3, prefix: 't21-' });
    await servers('production', [['frontend', 'frontend', [80]], ['backend', 'backend', [8080, 5432]], ['database', 'database', [5432]]]);
  });
  after(async () => {
    await c?.down();
  });

  it('deny-all: pod A to pod B is denied; kubectl get and describe show the policy; probes keep the pods Ready', async () => {
    assert.equal(await connect('production/frontend', `${ip('production/backend')}:8080`), 'ok');
    assert.equal(await c.kubectlOk(['apply', '-f', fixture('netpol-deny-all.yaml')]), 'networkpolicy.networking.k8s.io/deny-all created\n');
    await waitFor('deny-all to deny', () => connect('production/frontend', `${ip('production/backend')}:8080`), (r) => r === 'TIMEOUT');
    assert.equal(await connect('production/database', `${ip('production/frontend')}:80`), 'TIMEOUT');

    assert.match(await c.kubectlOk(['get', 'networkpolicies', '-n', 'production']), /^NAME\s+POD-SELECTOR\s+AGE\ndeny-all\s+<none>\s+\d+s\n$/);
    const described = await c.kubectlOk(['describe', 'networkpolicy', 'deny-all', '-n', 'production']);
    assert.match(described, /PodSelector:\s+<none> \(Allowing the specific traffic to all pods in this namespace\)/);
    assert.match(described, /Allowing ingress traffic:\n\s+<none> \(Selected pods are isolated for ingress connectivity\)/);
    assert.match(described, /Policy Types: Ingress/);

    // The node agent's probes come from the node, which a policy never isolates a pod from.
    await new Promise((r) => setTimeout(r, 3000));
    for (const p of (await c.kubectlJson<{ items: PodJson[] }>(['get', 'pods', '-n', 'production'])).items) {
      assert.ok(p.status.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'), `${p.metadata.name} is Ready`);
      assert.equal(p.status.containerStatuses?.[0].restartCount, 0, `${p.metadata.name} was not restarted by its liveness probe`);
    }
  });

  it('allow-frontend-to-backend: frontend to backend:8080 allowed, database to backend:8080 denied, frontend to backend:5432 denied', async () => {
    await c.kubectlOk(['apply', '-f', fixture('netpol-allow-frontend-to-backend.yaml')]);
    await waitFor('frontend to reach the backend', () => connect('production/frontend', `${ip('production/backend')}:8080`), (r) => r === 'ok');
    assert.equal(await connect('production/database', `${ip('production/backend')}:8080`), 'TIMEOUT');
    assert.equal(await connect('production/frontend', `${ip('production/backend')}:5432`), 'TIMEOUT');
  });

  it('names the policies that isolated the pod, in the policy pods\' logs and in knit denied', async () => {
    const line = new RegExp(`^\\S+Z DENIED tcp production/database \\(${ip('production/database').replace(/\./g, '\\.')}:\\d+\\) -> production/backend \\(${ip('production/backend').replace(/\./g, '\\.')}:8080\\) ingress; isolated by production/allow-frontend-to-backend, production/deny-all$`, 'm');
    const logs = await waitFor('the denied connection in the policy pods\' logs',
      () => c.kubectlOk(['logs', '-n', 'kube-system', '-l', 'app=kube-network-policies', '--tail=-1']), (l) => line.test(l));
    // One line per connection, not per retransmitted SYN.
    assert.equal(logs.split('\n').filter((l) => line.test(l)).length, 1);
    const knit = await c.knit(['denied', '--name', c.name]);
    assert.equal(knit.code, 0, knit.stderr);
    assert.match(knit.stdout, line);
    assert.ok(knit.stdout.split('\n').filter(Boolean).every((l) => / (DENIED|AUDIT would deny) /.test(l)), knit.stdout);
  });

  it('backend-policy: ingress from the frontend on 8000, egress to the database on 5432 only', async () => {
    await servers('shop', [['frontend', 'frontend', [80]], ['backend', 'backend', [8000]], ['database', 'database', [5432]]]);
    await c.kubectlOk(['apply', '-n', 'shop', '-f', fixture('netpol-backend-policy.yaml')]);
    await waitFor('the backend to stop reaching the frontend', () => connect('shop/backend', `${ip('shop/frontend')}:80`), (r) => r === 'TIMEOUT');
    assert.equal(await connect('shop/frontend', `${ip('shop/backend')}:8000`), 'ok');
    assert.equal(await connect('shop/database', `${ip('shop/backend')}:8000`), 'TIMEOUT');
    assert.equal(await connect('shop/backend', `${ip('shop/database')}:5432`), 'ok');
  });

  it('egress deny-all with DNS allowed: names resolve but connections do not; without DNS, lookups fail', async () => {
    await servers('locked', [['client', 'client', [80]]]);
    await apply(c, 'apiVersion: v1\nkind: Service\nmetadata: {name: backend, namespace: production}\nspec: {selector: {app: backend}, ports: [{port: 8080}]}\n');
    const dns = { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] };
    await applyAll(c, [{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'egress-dns-only', namespace: 'locked' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [dns] } }]);
    await waitFor('egress to be denied', () => connect('locked/client', `${ip('production/frontend')}:80`), (r) => r === 'TIMEOUT');
    assert.equal(await connect('locked/client', 'backend.production:8080'), 'TIMEOUT');
    await applyAll(c, [{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'egress-dns-only', namespace: 'locked' }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [] } }]);
    await waitFor('DNS to be denied too', () => connect('locked/client', 'backend.production:8080'), (r) => r === 'DNS');
  });

  it('a pod created into an isolated namespace is isolated before its containers start', async () => {
    const early = (ns: string) => ({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'early', namespace: ns },
      spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: AGNHOST, command: ['/agnhost', 'connect', `${ip('shop/frontend')}:80`, '--timeout=2s'] }] },
    });
    await applyAll(c, [namespace('open'), early('open'), early('locked')]);
    const done = (ns: string) => waitFor(`early in ${ns} to finish`, () => getPod(c, 'early', ns), (p) => p.status.phase === 'Succeeded' || p.status.phase === 'Failed');
    assert.equal((await done('open')).status.phase, 'Succeeded');
    assert.equal((await done('locked')).status.phase, 'Failed');
    assert.match(await c.kubectlOk(['logs', '-n', 'locked', 'early']), /^TIMEOUT/);
    const events = await c.kubectlOk(['get', 'events', '-n', 'locked', '--field-selector', 'involvedObject.name=early']);
    assert.doesNotMatch(events, /NetworkPolicyNotConfirmed/);
  });

  it('audit mode blocks nothing and logs what the policy would deny', async () => {
    await servers('trial', [['web', 'web', [80]], ['other', 'other', [80]]]);
    await applyAll(c, [{
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy',
      metadata: { name: 'try-deny-all', namespace: 'trial', annotations: { 'policy.knit.dev/mode': 'audit' } },
      spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] },
    }]);
    const line = new RegExp(`AUDIT would deny tcp trial/other \\(${ip('trial/other').replace(/\./g, '\\.')}:\\d+\\) -> trial/web \\(${ip('trial/web').replace(/\./g, '\\.')}:80\\) ingress; audited by trial/try-deny-all$`, 'm');
    await waitFor('the audit line', async () => {
      assert.equal(await connect('trial/other', `${ip('trial/web')}:80`), 'ok');
      return (await c.knit(['denied', '--name', c.name])).stdout;
    }, (out) => line.test(out));
    const bad = await c.kubectl(['annotate', 'networkpolicy', 'try-deny-all', '-n', 'trial', 'policy.knit.dev/mode=dry-run', '--overwrite']);
    assert.match(bad.stderr, /Warning: metadata\.annotations\[policy\.knit\.dev\/mode\]: unknown mode "dry-run": the policy is enforced/);
  });

  it('keeps enforcing while its policy component restarts, and re-applies the whole state', async () => {
    const backend = await getPod(c, 'backend', 'production');
    const [policyPod] = (await c.kubectlJson<{ items: PodJson[] }>(['get', 'pods', '-n', 'kube-system', '-l', 'app=kube-network-policies', '--field-selector', `spec.nodeName=${backend.spec.nodeName}`])).items;
    await c.kubectlOk(['delete', 'pod', '-n', 'kube-system', policyPod.metadata.name, '--wait=false']);
    const results: string[] = [];
    const until = Date.now() + 6000;
    while (Date.now() < until) results.push(await connect('production/database', `${ip('production/backend')}:8080`));
    assert.deepEqual([...new Set(results)], ['TIMEOUT']);
    const [fresh] = await readyPods(c, 'app=kube-network-policies', 3, 'kube-system').then((pods) => pods.filter((p) => p.spec.nodeName === backend.spec.nodeName));
    assert.notEqual(fresh.metadata.name, policyPod.metadata.name);
    assert.match(await c.kubectlOk(['logs', '-n', 'kube-system', fresh.metadata.name]), /"Network policy rules synced" fullSync=true isolatedIngress=[1-9]/);
    assert.equal(await connect('production/frontend', `${ip('production/backend')}:8080`), 'ok');
  });

  it('bad input gets upstream\'s message and stores nothing', async () => {
    const bad = await c.kubectl(['apply', '-f', '-'], { input: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad, namespace: production}\nspec:\n  podSelector: {}\n  ingress: [{ports: [{port: 0}], from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}}]}]\n' });
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'The NetworkPolicy "bad" is invalid: \n* spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive\n* spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`\n');
    assert.equal((await c.kubectl(['get', 'networkpolicy', 'bad', '-n', 'production'])).code, 1);
  });

  it('leaves no rule behind once its policies and namespaces are deleted', async () => {
    await c.kubectlOk(['delete', 'namespace', 'production', 'shop', 'locked', 'trial', 'open']);
    for (const node of ['node-1', 'node-2', 'node-3']) {
      await waitFor(`${node}'s policy table to hold no policy`, () => nodeExecOk(c, node, ['nft', 'list', 'table', 'inet', 'knit-netpol']),
        (t) => !/chain (ingress|egress)-[0-9a-f]{12}/.test(t) && !/elements/.test(t));
    }
  });
});
