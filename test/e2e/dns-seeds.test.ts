// The seeds' DNS lines, typed as the seeds show them: nslookup of an ExternalName and of a
// headless Service, wget and curl by short name, the pod's resolv.conf, `kubectl exec deploy/web
// -- curl -s http://api` and `kubectl run -it --rm ... -- nslookup backend`. Names outside the
// cluster go to a resolver this test runs in a pod (the coredns ConfigMap forwards there).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { fixture, type Cluster } from './lib/cluster.js';
import { apply, corefileForwardingTo, dig, podExec, readyPod, readyPods, setCorefile, startDnsCluster, toolboxPod, upstreamPod } from './lib/dns.js';
import { waitFor } from './lib/wait.js';

const EXTERNAL_DB_IP = '192.0.2.10'; // what the test's upstream answers for db.example.com

const objects = [
  // 000: "ExternalName: DNS alias"
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'database' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } },
  // 001: "Headless Service"
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'postgres' }, spec: { clusterIP: 'None', selector: { app: 'postgres' }, ports: [{ port: 5432 }] } },
  {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'postgres' },
    spec: {
      replicas: 3, selector: { matchLabels: { app: 'postgres' } },
      template: { metadata: { labels: { app: 'postgres' } }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'db', image: 'busybox', command: ['sleep', '3600'] }] } },
    },
  },
  // 003: "DNS testing: nslookup backend; wget -O- http://backend:80"
  {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'backend' },
    spec: {
      replicas: 2, selector: { matchLabels: { app: 'backend' } },
      template: { metadata: { labels: { app: 'backend' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] } },
    },
  },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'backend' }, spec: { selector: { app: 'backend' }, ports: [{ port: 80, targetPort: 80 }] } },
];

/** busybox nslookup's answer lines for a name: "Name: x / Address: y" pairs and CNAME lines. */
function nslookupAnswers(stdout: string): { addresses: Record<string, string[]>; cnames: string[] } {
  const addresses: Record<string, string[]> = {};
  const cnames: string[] = [];
  let name = '';
  for (const line of stdout.split('\n')) {
    const n = /^Name:\s+(\S+)$/.exec(line);
    if (n) name = n[1];
    const a = /^Address:\s+(\S+)$/.exec(line);
    if (a && name) (addresses[name] ??= []).push(a[1]);
    const c = /^(\S+)\s+canonical name = (\S+)$/.exec(line);
    if (c) cnames.push(`${c[1]} -> ${c[2]}`);
  }
  for (const k of Object.keys(addresses)) addresses[k] = [...new Set(addresses[k])].sort();
  return { addresses, cnames: [...new Set(cnames)] };
}

describe('the seeds\' DNS lines', () => {
  let c: Cluster;
  let backendIP: string;

  before(async () => {
    c = await startDnsCluster();
    // Names outside the cluster go to the test's own resolver, never to the host's.
    await apply(c, upstreamPod('upstream', { 'db.example.com': EXTERNAL_DB_IP }) + '\n---\n' + toolboxPod('toolbox'));
    const upstream = await readyPod(c, 'upstream');
    await setCorefile(c, corefileForwardingTo(upstream.status!.podIP!));
    await readyPod(c, 'toolbox');
    await waitFor('the coredns pods to forward to the test\'s upstream', () => dig(c, 'toolbox', ['db.example.com']),
      (d) => d.answer.some((r) => r.data === EXTERNAL_DB_IP));

    await apply(c, readFileSync(fixture('backend-deployment.yaml'), 'utf8') + '\n---\n' + readFileSync(fixture('frontend-deployment.yaml'), 'utf8'));
    await apply(c, objects.map((o) => YAML.stringify(o)).join('---\n'));
    await Promise.all([readyPods(c, 'app=api', 2), readyPods(c, 'app=web', 2), readyPods(c, 'app=postgres', 3), readyPods(c, 'app=backend', 2)]);
    backendIP = (await c.kubectlOk(['get', 'svc', 'backend', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  });
  after(async () => {
    await c?.down();
  });

  test('kubectl exec deploy/web -- curl -s http://api prints "Hello from the API"', async () => {
    assert.equal(await c.kubectlOk(['exec', 'deploy/web', '--', 'curl', '-s', 'http://api']), 'Hello from the API\n');
  });

  test('wget -O- http://backend:80 and curl http://api resolve through the search path', async () => {
    const wget = await podExec(c, 'toolbox', ['wget', '-O-', 'http://backend:80']);
    assert.equal(wget.code, 0, wget.stderr);
    assert.match(wget.stdout, /<title>Welcome to nginx!<\/title>/);
    assert.match(wget.stderr, /Connecting to backend:80 \(/);
    const curl = await podExec(c, 'toolbox', ['curl', '-s', 'http://api']);
    assert.equal(curl.stdout, 'Hello from the API\n');
  });

  test('cat /etc/resolv.conf in a pod shows nameserver 10.96.0.10, the namespace\'s search path and ndots:5', async () => {
    const r = await podExec(c, 'toolbox', ['cat', '/etc/resolv.conf']);
    // kubelet appends the node's own search entries (the host's, here) after the cluster's
    const hostSearch = /^search\s+(.*)$/m.exec(readFileSync('/etc/resolv.conf', 'utf8'))?.[1].split(/\s+/).filter((s) => s && s !== '.') ?? [];
    const search = [...new Set(['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local', ...hostSearch])];
    assert.deepEqual(r.stdout.split('\n').filter(Boolean).sort(), ['nameserver 10.96.0.10', `search ${search.join(' ')}`, 'options ndots:5'].sort());
  });

  test('nslookup database.default.svc.cluster.local gives the CNAME db.example.com (ExternalName)', async () => {
    const r = await podExec(c, 'toolbox', ['nslookup', 'database.default.svc.cluster.local']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const answers = nslookupAnswers(r.stdout);
    assert.deepEqual(answers.cnames, ['database.default.svc.cluster.local -> db.example.com']);
    assert.deepEqual(answers.addresses['db.example.com'], [EXTERNAL_DB_IP]);
  });

  test('nslookup postgres.default.svc.cluster.local returns every ready pod IP of the headless Service', async () => {
    const pods = await readyPods(c, 'app=postgres', 3);
    const r = await podExec(c, 'toolbox', ['nslookup', 'postgres.default.svc.cluster.local']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(nslookupAnswers(r.stdout).addresses, { 'postgres.default.svc.cluster.local': pods.map((p) => p.status!.podIP!).sort() });
  });

  test('the seeds\' name forms reach the Service: backend, backend.default, backend.default.svc and the FQDN', async () => {
    // wget resolves with the C library (search path, ndots:5); busybox's nslookup applies the
    // search path to dotless names only, so the partial forms are shown with wget
    for (const name of ['backend', 'backend.default', 'backend.default.svc', 'backend.default.svc.cluster.local']) {
      const r = await podExec(c, 'toolbox', ['wget', '-O-', `http://${name}:80`]);
      assert.match(r.stdout, /<title>Welcome to nginx!<\/title>/, `wget http://${name}:80\n${r.stderr}`);
    }
    const r = await podExec(c, 'toolbox', ['nslookup', 'backend']);
    assert.deepEqual(nslookupAnswers(r.stdout).addresses, { 'backend.default.svc.cluster.local': [backendIP] }, r.stdout);
  });

  test('kubectl run -it --rm debug --image=busybox --restart=Never -- nslookup backend', async () => {
    const r = await c.kubectl(['run', '-it', '--rm', 'debug', '--image=busybox', '--restart=Never', '--', 'nslookup', 'backend'], { timeoutMs: 120_000 });
    // the container has a terminal (-t): its lines end in \r\n
    r.stdout = r.stdout.replaceAll('\r\n', '\n');
    assert.match(r.stdout, new RegExp(`^Name:\\s+backend\\.default\\.svc\\.cluster\\.local\\nAddress: ${backendIP.replaceAll('.', '\\.')}$`, 'm'), r.stdout + r.stderr);
    assert.match(r.stdout, /^pod "debug" deleted$/m);
    await waitFor('the debug pod to be gone', () => c.kubectl(['get', 'pod', 'debug']), (g) => /NotFound/.test(g.stderr));
  });

  test('kubectl run -it --rm prints the command\'s output once', async () => {
    const r = await c.kubectl(['run', '-it', '--rm', 'debug2', '--image=busybox', '--restart=Never', '--', 'nslookup', 'backend'], { timeoutMs: 120_000 });
    assert.equal(r.stdout.match(/^Name:\s+backend\.default\.svc\.cluster\.local\r?$/gm)?.length, 1, r.stdout + r.stderr);
  });

  // The seed's line leaves restartPolicy at Always: the container runs again as soon as wget
  // exits, and kubectl attaches to whichever run is there. Two races follow, upstream's too:
  // an attach that lands after wget has printed its answer but before the run has ended (wget's
  // exit and the terminal's teardown take some 15 to 50 ms) carries no output, and kubectl, whose
  // attach succeeded, reads no logs; an attach that finds the run ended makes kubectl read the
  // logs once, and a read that lands after the restart but before the new run's answer finds an
  // empty log. (containerd replays nothing to a late attach either.) So the line is tried up to
  // three times; each miss is written to the test's output with what kubectl printed.
  test('kubectl run test --image=busybox --rm -it -- wget -qO- http://api:80', async (t) => {
    const attempts = 3;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const r = await c.kubectl(['run', 'test', '--image=busybox', '--rm', '-it', '--', 'wget', '-qO-', 'http://api:80'], { timeoutMs: 120_000 });
      if (/^Hello from the API\r?$/m.test(r.stdout)) return;
      const why = /falling back to streaming logs/.test(r.stderr)
        ? 'the attach was refused (the run had ended) and the logs kubectl fell back to had no answer yet'
        : 'the attach succeeded but carried no output (it landed after wget printed, before the run ended)';
      t.diagnostic(`attempt ${attempt} of ${attempts} printed no answer: ${why}; kubectl printed ${JSON.stringify(r.stdout + r.stderr)}`);
      await waitFor('the test pod to be gone', () => c.kubectl(['get', 'pod', 'test']), (g) => /NotFound/.test(g.stderr));
    }
    assert.fail(`${attempts} runs printed no answer (see the diagnostics above)`);
  });

  test('the seeds\' DNS testing steps in a shell (kubectl run -i --rm ... -- sh): nslookup backend, then wget -O- http://backend:80', async () => {
    const r = await c.kubectl(['run', '-i', '--rm', 'shell', '--image=busybox', '--restart=Never', '--', 'sh'],
      { input: 'nslookup backend\nwget -O- http://backend:80\nexit\n', timeoutMs: 120_000 });
    assert.match(r.stdout, new RegExp(`^Address: ${backendIP.replaceAll('.', '\\.')}$`, 'm'), r.stdout + r.stderr);
    assert.match(r.stdout, /<title>Welcome to nginx!<\/title>/);
  });
});
