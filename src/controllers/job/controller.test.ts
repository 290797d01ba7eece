// The Job and TTL-after-finished controllers against knit's real API server (so every status write
// passes upstream's jobs/status rules), with a clock the test moves; the test plays the node
// agent by writing pod status. Each step is one reconcile, then the caches catch up.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Job, Pod } from '../../kube/types.js';
import { keyOf, type Informer } from '../../client/informer.js';
import { R } from '../../client/resources.js';
import { startControllerTest, type ControllerTest } from '../testing.js';
import { JobController } from './controller.js';
import { TTLAfterFinishedController } from './ttl.js';

let t: ControllerTest;
let ctrl: JobController;
let ttl: TTLAfterFinishedController;
let jobs: Informer<Job>;
let pods: Informer<Pod>;
let namespaces = 0;

before(async () => {
  t = await startControllerTest();
  ctrl = new JobController(t.ctx, { now: () => t.clock.now });
  ttl = new TTLAfterFinishedController(t.ctx, { now: () => t.clock.now });
  jobs = t.informers.get<Job>(R.jobs);
  pods = t.informers.get<Pod>(R.pods);
  t.informers.start();
  await t.informers.waitForSync();
});
after(async () => {
  // Their queues hold the requeue timers of the reconciles the tests ran.
  await ctrl?.stop();
  await ttl?.stop();
  await t?.close();
});

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

async function newJob(spec: Record<string, unknown>, template: Record<string, unknown> = {}, labels?: Record<string, string>): Promise<Job> {
  const ns = `jobs-${++namespaces}`;
  await t.client.create(R.namespaces, undefined, { metadata: { name: ns } });
  return t.client.create<Job>(R.jobs, ns, {
    metadata: { name: 'pi' },
    spec: { template: { ...(labels ? { metadata: { labels } } : {}), spec: { containers: [{ name: 'pi', image: 'perl' }], restartPolicy: 'Never', ...template } }, ...spec },
  });
}

const finalizersOf = async (p: Pod) => (await t.client.get<Pod>(R.pods, p.metadata.namespace, p.metadata.name!)).metadata.finalizers ?? [];

/** One reconcile of the Job, then the caches hold what the API holds. */
async function step(job: Job): Promise<Job | undefined> {
  await ctrl.reconcile(keyOf(job));
  return settled(job);
}

async function settled(job: Job): Promise<Job | undefined> {
  const ns = job.metadata.namespace!;
  const live = await t.client.get<Job>(R.jobs, ns, job.metadata.name!).catch(() => undefined);
  const livePods = (await t.client.list<Pod>(R.pods, ns)).items;
  await t.until(jobs, 'the job', () => jobs.get(ns, job.metadata.name!)?.metadata.resourceVersion === live?.metadata.resourceVersion);
  await t.until(pods, 'the pods', (all) => {
    const cached = all.filter((p) => p.metadata.namespace === ns);
    return cached.length === livePods.length && livePods.every((p) => cached.some((c) => c.metadata.uid === p.metadata.uid && c.metadata.resourceVersion === p.metadata.resourceVersion));
  });
  return live;
}

const podsOf = (job: Job) => pods.list().filter((p) => p.metadata.namespace === job.metadata.namespace);
const running = (job: Job) => podsOf(job).filter((p) => !p.status?.phase || p.status.phase === 'Pending' || p.status.phase === 'Running').filter((p) => !p.metadata.deletionTimestamp);

/** The node agent's part: the pod ran and exited. */
async function finish(p: Pod, phase: 'Succeeded' | 'Failed', at: number, exitCode = phase === 'Succeeded' ? 0 : 1): Promise<void> {
  await t.client.patch(R.pods, p.metadata.namespace, p.metadata.name!, {
    status: { phase, containerStatuses: [{ name: 'pi', ready: false, restartCount: 0, image: 'perl', imageID: '', state: { terminated: { exitCode, reason: exitCode ? 'Error' : 'Completed', startedAt: iso(at - 1000), finishedAt: iso(at) } } }] },
  }, 'merge', 'status');
}

const conditions = (job: Job | undefined) => (job?.status?.conditions ?? []).map((c) => `${c.type}=${c.status} ${c.reason ?? ''}`.trim());

describe('Job controller', () => {
  it('runs completions 3 with parallelism 2 to Complete', async () => {
    let job = await newJob({ completions: 3, parallelism: 2 });
    await settled(job);
    job = (await step(job))!;
    assert.equal(podsOf(job).length, 2);
    const [a, b] = podsOf(job);
    assert.equal(a.metadata.generateName, 'pi-');
    assert.deepEqual(a.metadata.finalizers, ['batch.kubernetes.io/job-tracking']);
    assert.equal(a.metadata.ownerReferences?.[0].uid, job.metadata.uid);
    assert.equal(a.metadata.labels?.['batch.kubernetes.io/job-name'], 'pi');
    assert.deepEqual({ active: job.status?.active, ready: job.status?.ready, terminating: job.status?.terminating }, { active: 2, ready: 0, terminating: 0 });
    assert.equal(job.status?.startTime, iso(t.clock.now));

    await finish(a, 'Succeeded', t.clock.now);
    await settled(job);
    job = (await step(job))!;
    assert.equal(job.status?.succeeded, 1);
    assert.deepEqual(job.status?.uncountedTerminatedPods, {});
    assert.deepEqual(await finalizersOf(a), [], 'a counted pod loses its finalizer');
    assert.equal(running(job).length, 2, 'a third pod replaces the finished one');

    for (const p of running(job)) await finish(p, 'Succeeded', t.clock.now);
    await settled(job);
    job = (await step(job))!;
    assert.equal(job.status?.succeeded, 3);
    assert.deepEqual(conditions(job), ['SuccessCriteriaMet=True CompletionsReached', 'Complete=True CompletionsReached']);
    assert.equal(job.status?.completionTime, iso(t.clock.now));
    assert.equal(job.status?.active, 0);
    assert.ok(b);
    const events = await t.events(job.metadata.namespace!, 'pi');
    assert.equal(events.filter((e) => e.startsWith('SuccessfulCreate: Created pod: pi-')).length, 3);
    assert.equal(events.at(-1), 'Completed: Job completed');
  });

  it('fails a Job at its backoff limit, waiting 10 s before replacing a failed pod', async () => {
    let job = await newJob({ backoffLimit: 1 });
    await settled(job);
    job = (await step(job))!;
    const [first] = podsOf(job);
    await finish(first, 'Failed', t.clock.now);
    await settled(job);
    t.clock.now += 4000;
    job = (await step(job))!;
    assert.equal(job.status?.failed, 1);
    assert.equal(running(job).length, 0, 'still in back-off (10 s after the failure)');
    t.clock.now += 6000;
    job = (await step(job))!;
    const [second] = running(job);
    assert.ok(second, 'replaced once the back-off passed');
    await finish(second, 'Failed', t.clock.now);
    await settled(job);
    job = (await step(job))!;
    job = (await step(job))!;
    assert.equal(job.status?.failed, 2);
    assert.deepEqual(conditions(job), ['FailureTarget=True BackoffLimitExceeded', 'Failed=True BackoffLimitExceeded']);
    assert.equal(job.status?.conditions?.[1].message, 'Job has reached the specified backoff limit');
    assert.equal(job.status?.completionTime, undefined);
    assert.ok((await t.events(job.metadata.namespace!, 'pi')).includes('BackoffLimitExceeded: Job has reached the specified backoff limit'));
  });

  it('counts restarts in place against the limit with restartPolicy OnFailure', async () => {
    let job = await newJob({ backoffLimit: 2 }, { restartPolicy: 'OnFailure' });
    await settled(job);
    job = (await step(job))!;
    const [p] = podsOf(job);
    await t.client.patch(R.pods, p.metadata.namespace, p.metadata.name!, { status: { phase: 'Running', containerStatuses: [{ name: 'pi', ready: false, restartCount: 2, image: 'perl', imageID: '', state: { waiting: { reason: 'CrashLoopBackOff' } } }] } }, 'merge', 'status');
    await settled(job);
    job = (await step(job))!;
    assert.deepEqual(conditions(job), ['FailureTarget=True BackoffLimitExceeded']);
    assert.ok((await t.client.get<Pod>(R.pods, p.metadata.namespace, p.metadata.name!).catch(() => undefined))?.metadata.deletionTimestamp ?? true, 'the pod is being deleted');
    job = (await step(job))!;
    assert.deepEqual(conditions(job), ['FailureTarget=True BackoffLimitExceeded', 'Failed=True BackoffLimitExceeded']);
    assert.equal(job.status?.failed, 1, 'the running pod counts as failed');
  });

  it('gives an Indexed Job\'s pods their index and records completed indexes', async () => {
    let job = await newJob({ completionMode: 'Indexed', completions: 3, parallelism: 3 });
    await settled(job);
    job = (await step(job))!;
    const byIndex = new Map(podsOf(job).map((p) => [p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'], p]));
    assert.deepEqual([...byIndex.keys()].sort(), ['0', '1', '2']);
    const p2 = byIndex.get('2')!;
    assert.equal(p2.spec.hostname, 'pi-2');
    assert.equal(p2.metadata.labels?.['batch.kubernetes.io/job-completion-index'], '2');
    assert.match(p2.metadata.name!, /^pi-2-[a-z0-9]{5}$/);
    await finish(byIndex.get('0')!, 'Succeeded', t.clock.now);
    await finish(p2, 'Succeeded', t.clock.now);
    await settled(job);
    job = (await step(job))!;
    assert.equal(job.status?.completedIndexes, '0,2');
    assert.equal(job.status?.succeeded, 2);
    await finish(byIndex.get('1')!, 'Failed', t.clock.now);
    await settled(job);
    job = (await step(job))!;
    t.clock.now += 10_000;
    job = (await step(job))!;
    const [retry] = running(job);
    assert.equal(retry.metadata.annotations?.['batch.kubernetes.io/job-completion-index'], '1', 'the failed index runs again');
    await finish(retry, 'Succeeded', t.clock.now);
    await settled(job);
    job = (await step(job))!;
    assert.equal(job.status?.completedIndexes, '0-2');
    assert.deepEqual(conditions(job), ['SuccessCriteriaMet=True CompletionsReached', 'Complete=True CompletionsReached']);
  });

  it('stops a Job past activeDeadlineSeconds', async () => {
    let job = await newJob({ activeDeadlineSeconds: 5, parallelism: 2, completions: 2 });
    await settled(job);
    job = (await step(job))!;
    assert.equal(running(job).length, 2);
    t.clock.now += 5000;
    job = (await step(job))!;
    assert.deepEqual(conditions(job), ['FailureTarget=True DeadlineExceeded']);
    assert.equal(running(job).length, 0, 'its pods are deleted');
    job = (await step(job))!;
    assert.deepEqual(conditions(job), ['FailureTarget=True DeadlineExceeded', 'Failed=True DeadlineExceeded']);
    assert.equal(job.status?.conditions?.[1].message, 'Job was active longer than specified deadline');
    assert.equal(job.status?.failed, 2);
    assert.equal(job.status?.active, 0);
  });

  it('deletes the pods of a suspended Job and starts again on resume', async () => {
    let job = await newJob({ parallelism: 2, completions: 4 });
    await settled(job);
    job = (await step(job))!;
    const startedAt = job.status?.startTime;
    job = await t.client.patch<Job>(R.jobs, job.metadata.namespace, 'pi', { spec: { suspend: true } });
    await settled(job);
    job = (await step(job))!;
    assert.equal(podsOf(job).length, 0, 'deleted without their finalizer: not counted as failed');
    assert.deepEqual(conditions(job), ['Suspended=True JobSuspended']);
    assert.equal(job.status?.failed ?? 0, 0);
    assert.equal(job.status?.active, 0);
    t.clock.now += 60_000;
    job = await t.client.patch<Job>(R.jobs, job.metadata.namespace, 'pi', { spec: { suspend: false } });
    await settled(job);
    job = (await step(job))!;
    assert.deepEqual(conditions(job), ['Suspended=False JobResumed']);
    assert.equal(running(job).length, 2);
    assert.notEqual(job.status?.startTime, startedAt, 'the deadline counts from the resume');
    const events = await t.events(job.metadata.namespace!, 'pi');
    assert.ok(events.includes('Suspended: Job suspended') && events.includes('Resumed: Job resumed'));
  });

  it('adopts a matching orphan and frees pods of a deleted Job', async () => {
    let job = await newJob({ manualSelector: true, selector: { matchLabels: { app: 'batch' } } }, {}, { app: 'batch' });
    const orphan = await t.client.create<Pod>(R.pods, job.metadata.namespace, { metadata: { name: 'orphan', labels: { app: 'batch' } }, spec: { containers: [{ name: 'pi', image: 'perl' }], restartPolicy: 'Never' } });
    await settled(job);
    job = (await step(job))!;
    const adopted = await t.client.get<Pod>(R.pods, job.metadata.namespace, 'orphan');
    assert.equal(adopted.metadata.ownerReferences?.[0].uid, job.metadata.uid);
    assert.deepEqual(adopted.metadata.finalizers, ['batch.kubernetes.io/job-tracking']);
    assert.equal(podsOf(job).length, 1, 'the adopted pod counts: none created');
    // The Job goes; its pod keeps the finalizer until the orphan queue takes it off.
    await t.client.delete(R.jobs, job.metadata.namespace, 'pi', { propagationPolicy: 'Background' });
    await settled(job);
    await ctrl.syncOrphanPod(`${job.metadata.namespace}/orphan`);
    assert.deepEqual(await finalizersOf(orphan), []);
  });
});

describe('TTL after finished', () => {
  it('deletes a finished Job ttlSecondsAfterFinished after it finished', async () => {
    let job = await newJob({ ttlSecondsAfterFinished: 30 });
    await settled(job);
    job = (await step(job))!;
    await finish(podsOf(job)[0], 'Succeeded', t.clock.now);
    await settled(job);
    job = (await step(job))!;
    assert.deepEqual(conditions(job), ['SuccessCriteriaMet=True CompletionsReached', 'Complete=True CompletionsReached']);
    t.clock.now += 29_000;
    await ttl.reconcile(keyOf(job));
    assert.ok(await t.client.get(R.jobs, job.metadata.namespace, 'pi'), 'not yet');
    t.clock.now += 1000;
    await ttl.reconcile(keyOf(job));
    await assert.rejects(t.client.get(R.jobs, job.metadata.namespace, 'pi'), /not found/);
  });
});
