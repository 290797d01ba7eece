// helm 4 on a 2-node cluster, with the chart `helm create` makes: install --wait, test (the chart's
// test hook is a Pod), upgrade, history, rollback, uninstall, and nothing of the release left
// behind. The chart gets one more hook, a post-install and post-upgrade Job, as charts run their
// migrations: helm waits for it to complete.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, type Cluster } from './lib/cluster.js';
import { readyPods } from './lib/cluster-node.js';
import { run, type RunResult } from './lib/process.js';
import { parseTable } from './lib/table.js';
import { waitFor } from './lib/wait.js';

describe('helm 4 against knit', () => {
  let c: Cluster;
  let chart: string;
  before(async () => {
    c = await startCluster({ nodes: 2, prefix: 't34-' });
    chart = join(c.home, 'demo');
    const created = await helm(['create', chart]);
    assert.equal(created.code, 0, created.stderr);
    // knit's containers share the machine's files: the chart's test pod, `wget <service>`, would
    // save index.html into the machine's working directory. It prints the page instead.
    const testPod = join(chart, 'templates', 'tests', 'test-connection.yaml');
    const original = readFileSync(testPod, 'utf8');
    const edited = original.replace("args: ['{{", "args: ['-qO-', '{{");
    assert.notEqual(edited, original, 'the test pod\'s wget arguments were found');
    writeFileSync(testPod, edited);
    writeFileSync(join(chart, 'templates', 'migrate-job.yaml'), [
      'apiVersion: batch/v1', 'kind: Job',
      'metadata:', '  name: "{{ .Release.Name }}-migrate"', '  annotations:',
      '    "helm.sh/hook": post-install,post-upgrade', '    "helm.sh/hook-delete-policy": before-hook-creation',
      'spec:', '  backoffLimit: 0', '  template:', '    spec:', '      restartPolicy: Never', '      containers:',
      '      - name: migrate', '        image: busybox', '        command: ["sh", "-c", "echo migrated to revision {{ .Release.Revision }}"]', '',
    ].join('\n'));
  });
  after(async () => {
    await c?.down();
  });

  /** helm with its caches and settings in the cluster's temp dir. */
  function helm(args: string[], timeoutMs = 180_000): Promise<RunResult> {
    const env = c.env({ HELM_CACHE_HOME: join(c.home, 'helm', 'cache'), HELM_CONFIG_HOME: join(c.home, 'helm', 'config'), HELM_DATA_HOME: join(c.home, 'helm', 'data') });
    return run('helm', args, { env, timeoutMs });
  }
  async function helmOk(args: string[]): Promise<string> {
    const r = await helm(args);
    assert.equal(r.code, 0, `helm ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }
  const field = (out: string, name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(out)?.[1];
  const replicas = async () => (await c.kubectlJson<{ spec: { replicas: number } }>(['get', 'deployment', 'demo'])).spec.replicas;

  test('it is helm 4', async () => {
    assert.match(await helmOk(['version', '--short']), /^v4\./);
  });

  test('helm install --wait: the release\'s objects exist and its pod is ready when helm returns', async () => {
    const out = await helmOk(['install', 'demo', chart, '--wait', '--timeout', '150s']);
    assert.equal(field(out, 'STATUS'), 'deployed');
    assert.equal(field(out, 'REVISION'), '1');
    const pods = await c.kubectlJson<{ items: { status: { conditions?: { type: string; status: string }[] } }[] }>(['get', 'pods', '-l', 'app.kubernetes.io/instance=demo,pod-template-hash']);
    assert.equal(pods.items.length, 1);
    assert.ok(pods.items[0].status.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'), '--wait returns once the pod is ready');
    assert.deepEqual(await c.kubectlNames(['get', 'deployment,service,serviceaccount', '-l', 'app.kubernetes.io/instance=demo']),
      ['deployment.apps/demo', 'service/demo', 'serviceaccount/demo']);
    // The Secrets storage driver: one Secret per revision.
    const secrets = await c.kubectlJson<{ items: { metadata: { name: string; labels: Record<string, string> }; type: string }[] }>(['get', 'secrets', '-l', 'owner=helm']);
    assert.deepEqual(secrets.items.map((s) => [s.metadata.name, s.type, s.metadata.labels.status]), [['sh.helm.release.v1.demo.v1', 'helm.sh/release.v1', 'deployed']]);
    const list = parseTable(await helmOk(['list']));
    assert.deepEqual(list.rows.map((r) => [r.NAME, r.REVISION, r.STATUS]), [['demo', '1', 'deployed']]);
    // The post-install hook ran as a Job, and helm waited for it to complete.
    const job = await c.kubectlJson<{ status: { conditions?: { type: string; status: string }[] } }>(['get', 'job', 'demo-migrate']);
    assert.ok(job.status.conditions?.some((x) => x.type === 'Complete' && x.status === 'True'), 'the hook Job is Complete');
    assert.equal(await c.kubectlOk(['logs', 'job/demo-migrate']), 'migrated to revision 1\n');
  });

  test('helm test runs the chart\'s test hook pod, which reaches the release\'s Service', async () => {
    const out = await helmOk(['test', 'demo', '--logs']);
    assert.match(out, /^TEST SUITE:\s+demo-test-connection$/m);
    assert.match(out, /^Phase:\s+Succeeded$/m);
    // The pod's log: the page the release's nginx served through its Service.
    assert.match(out, /POD LOGS: demo-test-connection\n[^]*<title>Welcome to nginx!<\/title>/);
    const pod = await c.kubectlJson<{ status: { phase: string } }>(['get', 'pod', 'demo-test-connection']);
    assert.equal(pod.status.phase, 'Succeeded');
  });

  test('helm upgrade --wait, helm history', async () => {
    const out = await helmOk(['upgrade', 'demo', chart, '--set', 'replicaCount=2', '--wait', '--timeout', '150s']);
    assert.match(out, /^Release "demo" has been upgraded\. Happy Helming!$/m);
    assert.equal(field(out, 'REVISION'), '2');
    assert.equal(await replicas(), 2);
    await readyPods(c, 'app.kubernetes.io/instance=demo,pod-template-hash', 2);
    // The hook Job again, made anew (before-hook-creation) for the new revision.
    assert.equal(await c.kubectlOk(['logs', 'job/demo-migrate']), 'migrated to revision 2\n');
    const history = parseTable(await helmOk(['history', 'demo']));
    assert.deepEqual(history.rows.map((r) => [r.REVISION, r.STATUS, r.DESCRIPTION]), [['1', 'superseded', 'Install complete'], ['2', 'deployed', 'Upgrade complete']]);
  });

  test('helm rollback to revision 1', async () => {
    assert.match(await helmOk(['rollback', 'demo', '1', '--wait', '--timeout', '150s']), /^Rollback was a success! Happy Helming!$/m);
    assert.equal(await replicas(), 1);
    await readyPods(c, 'app.kubernetes.io/instance=demo,pod-template-hash', 1);
    const history = parseTable(await helmOk(['history', 'demo']));
    assert.deepEqual(history.rows.map((r) => [r.REVISION, r.STATUS, r.DESCRIPTION]),
      [['1', 'superseded', 'Install complete'], ['2', 'superseded', 'Upgrade complete'], ['3', 'deployed', 'Rollback to 1']]);
    assert.deepEqual((await c.kubectlNames(['get', 'secrets', '-l', 'owner=helm'])).sort(),
      ['secret/sh.helm.release.v1.demo.v1', 'secret/sh.helm.release.v1.demo.v2', 'secret/sh.helm.release.v1.demo.v3']);
  });

  test('helm uninstall (DeleteOptions in protobuf) leaves nothing of the release behind', async () => {
    assert.equal(await helmOk(['uninstall', 'demo']), 'release "demo" uninstalled\n');
    assert.deepEqual(await c.kubectlNames(['get', 'secrets', '-l', 'owner=helm']), []);
    assert.deepEqual(await c.kubectlNames(['get', 'deployment,replicaset,service,serviceaccount', '-l', 'app.kubernetes.io/instance=demo']), []);
    // The Deployment's pods go with it (garbage collection). helm leaves the test hook pod it ran,
    // as it does on any cluster (hooks are not part of the release's manifest).
    const left = await waitFor('the release\'s pods to go', () => c.kubectlNames(['get', 'pods', '-l', 'app.kubernetes.io/instance=demo']),
      (names) => names.length === 1, { timeoutMs: 90_000 });
    assert.deepEqual(left, ['pod/demo-test-connection']);
    assert.equal(await helmOk(['list', '--all-namespaces', '--short']), '');
  });
});
