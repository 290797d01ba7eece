// Jobs and CronJobs on a real 3-node cluster, driven by the real kubectl (and helm, whose hooks
// are Jobs): completions and parallelism, the backoff limit, Indexed Jobs, activeDeadlineSeconds,
// suspend and resume, ttlSecondsAfterFinished, kubectl create job / cronjob / --from=cronjob,
// kubectl wait and kubectl logs job/NAME, and a CronJob that fires on its own schedule.
//
// The CronJob is created first, in before(): `* * * * *` fires at the next minute boundary (up to
// 60 s away, there is no faster schedule: cron has minutes), and the other tests run meanwhile,
// so the last test rarely waits. The schedule arithmetic itself is unit-tested with a fake clock
// (src/controllers/cronjob), as are Forbid, Replace and the history limits.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type Cluster } from './lib/cluster.js';
import { apply } from './lib/cluster-node.js';
import { run } from './lib/process.js';
import { parseTable } from './lib/table.js';
import { waitFor } from './lib/wait.js';

const PREFIX = 't32-';

interface JobJson {
  metadata: { name: string; uid: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string; controller?: boolean }[] };
  spec: { completions?: number; parallelism?: number; selector?: { matchLabels?: Record<string, string> } };
  status: {
    active?: number; succeeded?: number; failed?: number; ready?: number; terminating?: number; completedIndexes?: string; startTime?: string; completionTime?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

interface PodJson {
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string>; deletionTimestamp?: string; finalizers?: string[] };
  spec: { nodeName?: string; hostname?: string };
  status: { phase?: string };
}

let c: Cluster;
let helmHome = '';

before(async () => {
  c = await startCluster({ nodes: 3, prefix: PREFIX });
  helmHome = await mkdtemp(join(tmpdir(), `${PREFIX}helm-`));
  // Fires at the next minute boundary while the other tests run (see the file's comment).
  assert.equal(await c.kubectlOk(['create', 'cronjob', 'tick', '--image=busybox', '--schedule=* * * * *', '--', 'sh', '-c', 'echo tick']), 'cronjob.batch/tick created\n');
});
after(async () => {
  try {
    await c?.down();
  } finally {
    if (helmHome) await rm(helmHome, { recursive: true, force: true });
  }
});

const job = (name: string) => c.kubectlJson<JobJson>(['get', 'job', name]);
const podsOf = async (name: string) => (await c.kubectlJson<{ items: PodJson[] }>(['get', 'pods', '-l', `batch.kubernetes.io/job-name=${name}`])).items;
const conditionsOf = (j: JobJson) => (j.status.conditions ?? []).filter((x) => x.status === 'True').map((x) => `${x.type} ${x.reason ?? ''}`.trim());

/** `kubectl wait --for=condition=<c> job/<name>`: what kubectl prints when the condition holds. */
async function waitJob(name: string, condition: string, timeout = 120): Promise<void> {
  assert.equal(await c.kubectlOk(['wait', `--for=condition=${condition}`, `job/${name}`, `--timeout=${timeout}s`], { timeoutMs: (timeout + 20) * 1000 }), `job.batch/${name} condition met\n`);
}

function busyboxJob(name: string, script: string, spec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): object {
  return {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name },
    spec: { ...spec, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', script] }], ...podSpec } } },
  };
}

test('a Job of completions 3 and parallelism 2 runs to Complete', async () => {
  await apply(c, busyboxJob('pi', 'echo done; sleep 1', { completions: 3, parallelism: 2 }));
  // Never more than parallelism at once.
  const watch = c.kubectlStream(['get', 'job', 'pi', '--watch', '-o', 'jsonpath={.status.active}{"\\n"}']);
  try {
    await waitJob('pi', 'complete');
  } finally {
    await watch.stop();
  }
  const activeSeen = watch.stdout.split('\n').filter(Boolean).map(Number);
  assert.ok(Math.max(...activeSeen) <= 2, `active went to ${Math.max(...activeSeen)}`);
  const j = await job('pi');
  assert.equal(j.status.succeeded, 3);
  assert.deepEqual(conditionsOf(j), ['SuccessCriteriaMet CompletionsReached', 'Complete CompletionsReached']);
  assert.equal(j.status.active ?? 0, 0);
  assert.ok(j.status.completionTime && j.status.startTime);
  assert.deepEqual(j.spec.selector?.matchLabels, { 'batch.kubernetes.io/controller-uid': j.metadata.uid });
  const pods = await podsOf('pi');
  assert.equal(pods.length, 3);
  assert.ok(pods.every((p) => p.status.phase === 'Succeeded' && !(p.metadata.finalizers ?? []).includes('batch.kubernetes.io/job-tracking')), 'counted pods lose the tracking finalizer');
  const [row] = parseTable(await c.kubectlOk(['get', 'job', 'pi'])).rows;
  assert.equal(row.STATUS, 'Complete');
  assert.equal(row.COMPLETIONS, '3/3');
  assert.match(row.DURATION, /^\d+s$/);
  const wide = parseTable(await c.kubectlOk(['get', 'job', 'pi', '-o', 'wide'])).rows[0];
  assert.equal(wide.CONTAINERS, 'main');
  assert.equal(wide.IMAGES, 'busybox');
  assert.equal(wide.SELECTOR, `batch.kubernetes.io/controller-uid=${j.metadata.uid}`);
  const events = await c.kubectlOk(['get', 'events', '--field-selector', 'involvedObject.name=pi,involvedObject.kind=Job', '-o', 'jsonpath={range .items[*]}{.reason}{"\\n"}{end}']);
  assert.equal(events.split('\n').filter((r) => r === 'SuccessfulCreate').length, 3);
  assert.ok(events.split('\n').includes('Completed'));
  assert.deepEqual(await c.kubectlNames(['get', 'jobs', '--field-selector', 'status.successful=3']), ['job.batch/pi']);
});

test('kubectl create job, kubectl wait and kubectl logs job/NAME', async () => {
  assert.equal(await c.kubectlOk(['create', 'job', 'hello', '--image=busybox', '--', 'sh', '-c', 'echo hello from a job']), 'job.batch/hello created\n');
  await waitJob('hello', 'complete');
  assert.equal(await c.kubectlOk(['logs', 'job/hello']), 'hello from a job\n');
  const j = await job('hello');
  assert.equal(j.metadata.labels?.['batch.kubernetes.io/job-name'], 'hello');
});

test('a failing Job stops at its backoff limit', async () => {
  await apply(c, busyboxJob('fails', 'echo trying; exit 3', { backoffLimit: 1 }));
  await waitJob('fails', 'failed');
  const j = await job('fails');
  assert.equal(j.status.failed, 2, 'backoffLimit 1: the first failure is retried (after the 10 s back-off), the second is final');
  assert.deepEqual(conditionsOf(j), ['FailureTarget BackoffLimitExceeded', 'Failed BackoffLimitExceeded']);
  assert.equal(j.status.conditions?.find((x) => x.type === 'Failed')?.message, 'Job has reached the specified backoff limit');
  assert.equal(j.status.completionTime, undefined);
  assert.equal(parseTable(await c.kubectlOk(['get', 'job', 'fails'])).rows[0].STATUS, 'Failed');
  const pods = await podsOf('fails');
  assert.deepEqual(pods.map((p) => p.status.phase), ['Failed', 'Failed']);
  const warnings = await c.kubectlOk(['get', 'events', '--field-selector', 'involvedObject.name=fails,type=Warning', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']);
  assert.ok(warnings.includes('BackoffLimitExceeded: Job has reached the specified backoff limit'), warnings);
});

test('the pods of an Indexed Job see their index in JOB_COMPLETION_INDEX and their hostname', async () => {
  await apply(c, busyboxJob('idx', 'echo index=$JOB_COMPLETION_INDEX host=$(hostname)', { completionMode: 'Indexed', completions: 3, parallelism: 3 }));
  await waitJob('idx', 'complete');
  assert.equal((await job('idx')).status.completedIndexes, '0-2');
  const pods = await podsOf('idx');
  assert.equal(pods.length, 3);
  for (const p of pods) {
    const ix = p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'];
    assert.equal(p.metadata.labels?.['batch.kubernetes.io/job-completion-index'], ix);
    assert.equal(p.spec.hostname, `idx-${ix}`);
    assert.match(p.metadata.name, new RegExp(`^idx-${ix}-[a-z0-9]{5}$`));
    assert.equal(await c.kubectlOk(['logs', p.metadata.name]), `index=${ix} host=idx-${ix}\n`);
  }
});

test('a Job past activeDeadlineSeconds fails and its pods go', async () => {
  await apply(c, busyboxJob('deadline', 'sleep 300', { activeDeadlineSeconds: 3 }, { terminationGracePeriodSeconds: 2 }));
  await waitJob('deadline', 'failed');
  const j = await job('deadline');
  assert.deepEqual(conditionsOf(j), ['FailureTarget DeadlineExceeded', 'Failed DeadlineExceeded']);
  assert.equal(j.status.conditions?.find((x) => x.type === 'Failed')?.message, 'Job was active longer than specified deadline');
  assert.equal(j.status.active ?? 0, 0);
  await waitFor('the pod gone', () => podsOf('deadline'), (pods) => pods.length === 0, { timeoutMs: 60_000 });
});

test('a suspended Job runs nothing until resumed', async () => {
  await apply(c, busyboxJob('later', 'echo resumed', { suspend: true }));
  const suspended = await waitFor('the Suspended condition', () => job('later'), (j) => conditionsOf(j).includes('Suspended JobSuspended'));
  assert.equal(suspended.status.startTime, undefined, 'a Job created suspended has not started');
  assert.deepEqual(await podsOf('later'), []);
  assert.equal(parseTable(await c.kubectlOk(['get', 'job', 'later'])).rows[0].STATUS, 'Suspended');
  await c.kubectlOk(['patch', 'job', 'later', '--type=merge', '-p', '{"spec":{"suspend":false}}']);
  await waitJob('later', 'complete');
  const j = await job('later');
  assert.equal(j.status.conditions?.find((x) => x.type === 'Suspended')?.status, 'False');
  assert.equal(await c.kubectlOk(['logs', 'job/later']), 'resumed\n');
});

test('suspending a running Job deletes its pods without counting them as failed', async () => {
  await apply(c, busyboxJob('paused', 'sleep 300', { parallelism: 2, completions: 2 }, { terminationGracePeriodSeconds: 1 }));
  await waitFor('two running pods', () => podsOf('paused'), (pods) => pods.filter((p) => p.status.phase === 'Running').length === 2, { timeoutMs: 90_000 });
  await c.kubectlOk(['patch', 'job', 'paused', '--type=merge', '-p', '{"spec":{"suspend":true}}']);
  await waitFor('no pods', () => podsOf('paused'), (pods) => pods.length === 0, { timeoutMs: 60_000 });
  const j = await waitFor('the Job suspended', () => job('paused'), (x) => conditionsOf(x).includes('Suspended JobSuspended') && (x.status.active ?? 0) === 0);
  assert.equal(j.status.failed ?? 0, 0);
});

test('ttlSecondsAfterFinished deletes a finished Job and, in the background, its pods', async () => {
  await apply(c, busyboxJob('shortlived', 'echo bye', { ttlSecondsAfterFinished: 2 }));
  await waitFor('the Job deleted', () => c.kubectl(['get', 'job', 'shortlived']), (r) => r.code !== 0 && r.stderr.includes('NotFound'), { timeoutMs: 60_000 });
  await waitFor('its pods deleted', () => podsOf('shortlived'), (pods) => pods.length === 0, { timeoutMs: 60_000 });
});

test('invalid Jobs and CronJobs are refused with upstream\'s messages', async () => {
  const bad = await c.kubectl(['create', '-f', '-'], { input: JSON.stringify(busyboxJob('always', 'true', {}, { restartPolicy: 'Always' })) });
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'The Job "always" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"\n');
  const schedule = await c.kubectl(['create', 'cronjob', 'badcron', '--image=busybox', '--schedule=61 * * * *']);
  assert.equal(schedule.code, 1);
  assert.equal(schedule.stderr, 'error: failed to create cronjob: CronJob.batch "badcron" is invalid: spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61\n');
});

test('helm runs a hook Job to completion and deletes it', async () => {
  const chart = join(helmHome, 'hooked');
  await mkdir(join(chart, 'templates'), { recursive: true });
  await writeFile(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: hooked\nversion: 0.1.0\n');
  await writeFile(join(chart, 'templates', 'config.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hooked-config\ndata:\n  a: b\n');
  await writeFile(join(chart, 'templates', 'hook.yaml'), [
    'apiVersion: batch/v1', 'kind: Job', 'metadata:', '  name: hooked-migrate', '  annotations:',
    '    "helm.sh/hook": pre-install', '    "helm.sh/hook-delete-policy": hook-succeeded',
    'spec:', '  template:', '    spec:', '      restartPolicy: Never', '      containers:',
    '      - name: migrate', '        image: busybox', '        command: ["sh", "-c", "echo migrated"]', '',
  ].join('\n'));
  const env = c.env({ HELM_CACHE_HOME: join(helmHome, 'cache'), HELM_CONFIG_HOME: join(helmHome, 'config'), HELM_DATA_HOME: join(helmHome, 'data') });
  const r = await run('helm', ['install', 'hooked', chart, '--timeout', '120s'], { env, timeoutMs: 150_000 });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /STATUS: deployed/);
  assert.equal(await c.kubectlOk(['get', 'configmap', 'hooked-config', '-o', 'jsonpath={.data.a}']), 'b');
  await waitFor('the hook Job deleted', () => c.kubectl(['get', 'job', 'hooked-migrate']), (x) => x.code !== 0 && x.stderr.includes('NotFound'), { timeoutMs: 30_000 });
});

test('kubectl create job --from=cronjob runs the CronJob\'s template now', async () => {
  const [row] = parseTable(await c.kubectlOk(['get', 'cronjob', 'tick'])).rows;
  assert.deepEqual([row.NAME, row.SCHEDULE, row.TIMEZONE, row.SUSPEND], ['tick', '* * * * *', '<none>', 'False']);
  assert.equal(await c.kubectlOk(['create', 'job', 'tick-now', '--from=cronjob/tick']), 'job.batch/tick-now created\n');
  const j = await job('tick-now');
  assert.equal(j.metadata.annotations?.['cronjob.kubernetes.io/instantiate'], 'manual');
  assert.deepEqual(j.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller]), [['CronJob', 'tick', true]]);
  await waitJob('tick-now', 'complete');
  assert.equal(await c.kubectlOk(['logs', 'job/tick-now']), 'tick\n');
});

test('the CronJob fires on its schedule and records it', async () => {
  // Created in before(): its first minute boundary has passed or comes within 60 s.
  const scheduled = await waitFor('a scheduled Job', async () => (await c.kubectlNames(['get', 'jobs'])).filter((n) => /^job\.batch\/tick-\d+$/.test(n)),
    (names) => names.length > 0, { timeoutMs: 90_000 });
  // Suspended from here on, so that what follows is not raced by the next minute.
  await c.kubectlOk(['patch', 'cronjob', 'tick', '--type=merge', '-p', '{"spec":{"suspend":true}}']);
  const name = scheduled[0].slice('job.batch/'.length);
  await waitJob(name, 'complete');
  const j = await job(name);
  const minutes = Number(name.slice('tick-'.length));
  assert.equal(j.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], new Date(minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  assert.equal(await c.kubectlOk(['logs', `job/${name}`]), 'tick\n');
  const cj = await waitFor('the CronJob to see its Jobs finish', () => c.kubectlJson(['get', 'cronjob', 'tick']),
    (x: { status: { lastSuccessfulTime?: string; lastScheduleTime?: string; active?: unknown[] } }) => !!x.status.lastSuccessfulTime && !(x.status.active ?? []).length, { timeoutMs: 90_000 });
  // It may have fired again before it was suspended: the last schedule time is a whole minute, at or after this Job's.
  const last = Date.parse(cj.status.lastScheduleTime!);
  assert.ok(last % 60_000 === 0 && last >= minutes * 60_000, cj.status.lastScheduleTime);
  const [row] = parseTable(await c.kubectlOk(['get', 'cronjobs'])).rows;
  assert.deepEqual([row.NAME, row.SUSPEND, row.ACTIVE], ['tick', 'True', '0']);
  assert.match(row['LAST SCHEDULE'], /^\d+s$|^\dm(\d+s)?$/);
  const both = await c.kubectlOk(['get', 'jobs,cronjobs']);
  assert.match(both, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/m);
  assert.match(both, /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE$/m);
  assert.match(both, /^cronjob\.batch\/tick\s/m);
  const events = await c.kubectlOk(['get', 'events', '--field-selector', 'involvedObject.name=tick', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']);
  assert.ok(events.includes(`SuccessfulCreate: Created job ${name}`), events);
  assert.ok(events.includes(`SawCompletedJob: Saw completed job: ${name}, condition: Complete`), events);
});
