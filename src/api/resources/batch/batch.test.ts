// Jobs and CronJobs as the API server keeps them: upstream's defaults, the generated selector,
// validation with upstream's messages (pkg/apis/batch/validation's test cases), what updates and
// status writes may change.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../kube/types.js';
import { createError, createObject, updateError, updateObject } from '../testing.js';
import { cronJobResource } from './cronjob.js';
import { jobResource } from './job.js';

const podTemplate = (spec: Record<string, unknown> = {}, labels?: Record<string, string>) => ({
  ...(labels ? { metadata: { labels } } : {}),
  spec: { containers: [{ name: 'pi', image: 'perl:5.34.0', command: ['perl', '-e', 'print 1'] }], restartPolicy: 'Never', ...spec },
});
const job = (spec: Record<string, unknown> = {}, name = 'pi'): KubeObject =>
  ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'default', uid: 'uid-1' }, spec: { template: podTemplate(), ...spec } });
const cronJob = (spec: Record<string, unknown> = {}, name = 'hello'): KubeObject =>
  ({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name, namespace: 'default' }, spec: { schedule: '*/1 * * * *', jobTemplate: { spec: { template: podTemplate({ restartPolicy: 'OnFailure' }) } }, ...spec } });

describe('Job', () => {
  const def = jobResource();
  const invalid = (want: string, name = 'pi') => `Job.batch "${name}" is invalid: ${want}`;

  it('gets upstream defaults, a generated selector and the labels it selects', async () => {
    const j = await createObject(def, job());
    assert.equal(j.spec.completions, 1);
    assert.equal(j.spec.parallelism, 1);
    assert.equal(j.spec.backoffLimit, 6);
    assert.equal(j.spec.completionMode, 'NonIndexed');
    assert.equal(j.spec.suspend, false);
    assert.equal(j.spec.manualSelector, false);
    assert.equal(j.spec.podReplacementPolicy, 'TerminatingOrFailed');
    assert.deepEqual(j.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'uid-1' } });
    const labels = { 'batch.kubernetes.io/controller-uid': 'uid-1', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'uid-1', 'job-name': 'pi' };
    assert.deepEqual(j.spec.template.metadata.labels, labels);
    assert.deepEqual(j.metadata.labels, labels, 'a Job without labels shows its template\'s');
    assert.equal(j.spec.template.spec.dnsPolicy, 'ClusterFirst');
    assert.deepEqual(j.status, {});
  });

  it('keeps parallelism apart from completions and its own labels', async () => {
    const j = await createObject(def, { ...job({ completions: 3, template: podTemplate({}, { app: 'pi' }) }), metadata: { name: 'pi', namespace: 'default', uid: 'uid-1', labels: { team: 'a' } } });
    assert.equal(j.spec.parallelism, 1);
    assert.equal(j.spec.completions, 3);
    assert.deepEqual(j.metadata.labels, { team: 'a' });
    assert.equal(j.spec.template.metadata.labels.app, 'pi');
    const p = await createObject(def, job({ parallelism: 4 }));
    assert.equal(p.spec.completions, undefined, 'a work queue Job has no completions');
    assert.equal((await createObject(def, job({ podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] } }))).spec.podReplacementPolicy, 'Failed');
  });

  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['restartPolicy must be set', { template: podTemplate({ restartPolicy: undefined }) }, 'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
    ['restartPolicy Always is refused', { template: podTemplate({ restartPolicy: 'Always' }) }, 'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
    ['an unknown restartPolicy', { template: podTemplate({ restartPolicy: 'Sometimes' }) },
      '[spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never", spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "OnFailure", "Never"]'],
    ['counts are not negative', { parallelism: -1, backoffLimit: -2 },
      '[spec.parallelism: Invalid value: -1: must be greater than or equal to 0, spec.backoffLimit: Invalid value: -2: must be greater than or equal to 0]'],
    ['an unknown completion mode', { completionMode: 'Sometimes' }, 'spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"'],
    ['Indexed needs completions', { completionMode: 'Indexed', completions: undefined, parallelism: 2 }, 'spec.completions: Required value: when completion mode is Indexed'],
    ['backoffLimitPerIndex needs Indexed', { backoffLimitPerIndex: 1 }, 'spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode'],
    ['an unknown pod replacement policy', { podReplacementPolicy: 'Never' }, 'spec.podReplacementPolicy: Unsupported value: "Never": supported values: "Failed", "TerminatingOrFailed"'],
    ['labels that conflict with the generated selector', { template: podTemplate({}, { 'controller-uid': 'other' }) },
      'spec.template.metadata.labels[controller-uid]: Invalid value: {"controller-uid":"other","job-name":"pi","batch.kubernetes.io/job-name":"pi","batch.kubernetes.io/controller-uid":"uid-1"}: must be \'uid-1\''],
    ['a manual selector is required', { manualSelector: true },
      '[spec.selector: Required value, spec.template.metadata.labels: Invalid value: null: `selector` does not match template `labels`]'],
    ['a manual selector must select the template', { manualSelector: true, selector: { matchLabels: { app: 'x' } }, template: podTemplate({}, { app: 'y' }) },
      'spec.template.metadata.labels: Invalid value: {"app":"y"}: `selector` does not match template `labels`'],
    ['a pod failure policy needs restartPolicy Never', { template: podTemplate({ restartPolicy: 'OnFailure' }), podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [0, 1] } }] } },
      '[spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator, spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified]'],
    ['a success policy needs Indexed', { successPolicy: { rules: [{ succeededCount: 1 }] } }, 'spec.successPolicy: Invalid value: {"rules":[{"succeededCount":1}]}: requires indexed completion mode'],
    ['succeeded indexes within completions', { completionMode: 'Indexed', completions: 3, successPolicy: { rules: [{ succeededIndexes: '1-3' }] } },
      'spec.successPolicy.rules[0].succeededIndexes: Invalid value: "1-3": error parsing succeededIndexes: too large index: "3"'],
  ];
  for (const [name, spec, want] of cases) {
    it(name, async () => assert.equal(await createError(def, job(spec)), invalid(want)));
  }

  it('refuses an Indexed Job whose last pod hostname is no DNS label', async () => {
    const name = 'a'.repeat(61);
    assert.equal(await createError(def, job({ completionMode: 'Indexed', completions: 100 }, name)),
      invalid(`metadata.name: Invalid value: "${name}": will not able to create pod with invalid DNS label: ${name}-99`, name));
  });

  it('keeps the template, selector and completions as they were', async () => {
    const j = await createObject(def, job({ completions: 2 }));
    assert.equal(await updateError(def, j, { ...j, spec: { ...j.spec, completions: 3 } }), invalid('spec.completions: Invalid value: 3: field is immutable'));
    const changed = structuredClone(j);
    changed.spec.template.spec.containers[0].image = 'perl:5.36';
    assert.match(await updateError(def, j, changed) ?? '', /^Job\.batch "pi" is invalid: spec\.template: Invalid value: .*: field is immutable$/);
    // What may change: parallelism, suspend, activeDeadlineSeconds, backoffLimit, ttlSecondsAfterFinished.
    const scaled = await updateObject(def, j, { ...j, spec: { ...j.spec, parallelism: 2, suspend: true, activeDeadlineSeconds: 30, ttlSecondsAfterFinished: 5 } });
    assert.equal(scaled.spec.parallelism, 2);
    assert.equal(scaled.spec.suspend, true);
  });

  it('scales an Indexed Job with completions and parallelism together', async () => {
    const j = await createObject(def, job({ completionMode: 'Indexed', completions: 3, parallelism: 3 }));
    assert.equal((await updateObject(def, j, { ...j, spec: { ...j.spec, completions: 5, parallelism: 5 } })).spec.completions, 5);
    assert.equal(await updateError(def, j, { ...j, spec: { ...j.spec, completions: 5 } }), invalid('spec.completions: Invalid value: 5: can only be modified in tandem with spec.parallelism'));
  });

  it('lets a suspended Job that never started change where it schedules', async () => {
    const j = await createObject(def, job({ suspend: true }));
    const moved = structuredClone(j);
    moved.spec.template.spec.nodeSelector = { zone: 'a' };
    assert.deepEqual((await updateObject(def, j, moved)).spec.template.spec.nodeSelector, { zone: 'a' });
    const started = await updateObject(def, j, { ...j, status: { startTime: '2024-01-01T00:00:00Z' } }, { subresource: 'status' });
    const movedLater = structuredClone(started);
    movedLater.spec.template.spec.nodeSelector = { zone: 'b' };
    assert.match(await updateError(def, started, movedLater) ?? '', /spec\.template: Invalid value: .*: field is immutable/);
  });

  it('writes status through the status subresource only, within upstream rules', async () => {
    const j = await createObject(def, job());
    const ignored = await updateObject(def, j, { ...j, status: { active: 1 } });
    assert.deepEqual(ignored.status, {});
    const running = await updateObject(def, j, { ...j, status: { startTime: '2024-01-01T00:00:00Z', active: 1, ready: 0, failed: 1, uncountedTerminatedPods: {} } }, { subresource: 'status' });
    assert.equal(running.status!.active, 1);
    assert.equal(await updateError(def, running, { ...running, status: { ...running.status, failed: 0 } }, 'status'),
      invalid('status.failed: Invalid value: 0: cannot decrease the failed counter'));
    const both = { ...running.status, active: 0, completionTime: '2024-01-01T00:01:00Z', conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }, { type: 'FailureTarget', status: 'True' }, { type: 'Failed', status: 'True' }] };
    assert.equal(await updateError(def, running, { ...running, status: both }, 'status'), invalid([
      'status.conditions: Invalid value: cannot set Complete=True and Failed=true conditions',
      'status.conditions: Invalid value: cannot set Complete=True and FailureTarget=true conditions',
      'status.conditions: Invalid value: cannot set SuccessCriteriaMet=True and Failed=true conditions',
      'status.conditions: Invalid value: cannot set SuccessCriteriaMet=True and FailureTarget=true conditions',
    ].join(', ').replace(/^/, '[') + ']'));
    assert.equal(await updateError(def, running, { ...running, status: { ...running.status, conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }] } }, 'status'),
      invalid('[status.completionTime: Required value: completionTime is required for Complete jobs, status.active: Invalid value: 1: active>0 is invalid for finished job]'));
    const done = await updateObject(def, running, { ...running, status: { ...running.status, active: 0, completionTime: '2024-01-01T00:01:00Z', conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }] } }, { subresource: 'status' });
    assert.equal(await updateError(def, done, { ...done, status: { ...done.status, conditions: [] } }, 'status'),
      invalid('[status.completionTime: Invalid value: "2024-01-01T00:01:00Z": cannot set completionTime when there is no Complete=True condition, status.conditions: Invalid value: cannot disable the terminal Complete=True condition, status.conditions: Invalid value: cannot disable the SuccessCriteriaMet=True condition]'));
    assert.equal(await updateError(def, running, { ...running, status: { ...running.status, completedIndexes: '0' } }, 'status'),
      invalid('status.completedIndexes: Invalid value: "0": cannot set non-empty completedIndexes when non-indexed completion mode'));
  });

  it('selects by status.successful and orphans its pods by default, as batch/v1 does', async () => {
    const j = await createObject(def, job());
    assert.equal(def.fieldSelectors!['status.successful'](j), '0');
    assert.equal(def.fieldSelectors!['status.successful']({ ...j, status: { succeeded: 2 } }), '2');
    assert.equal(def.defaultPropagationPolicy, 'Orphan');
    assert.deepEqual(def.shortNames, undefined);
    assert.deepEqual(def.categories, ['all']);
  });

  it('warns about names that are no DNS label', () => {
    assert.deepEqual(def.warnings!(job({}, 'my.job')), ['metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [must not contain dots]']);
    assert.deepEqual(def.warnings!(job({})), []);
  });
});

describe('CronJob', () => {
  const def = cronJobResource();
  const invalid = (want: string, name = 'hello') => `CronJob.batch "${name}" is invalid: ${want}`;

  it('gets upstream defaults; the job template gets pod defaults only', async () => {
    const cj = await createObject(def, cronJob());
    assert.equal(cj.spec.concurrencyPolicy, 'Allow');
    assert.equal(cj.spec.suspend, false);
    assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
    assert.equal(cj.spec.failedJobsHistoryLimit, 1);
    assert.equal(cj.spec.jobTemplate.spec.completions, undefined);
    assert.equal(cj.spec.jobTemplate.spec.backoffLimit, undefined);
    assert.equal(cj.spec.jobTemplate.spec.template.spec.terminationGracePeriodSeconds, 30);
    assert.deepEqual(cj.status, {});
    assert.deepEqual(def.shortNames, ['cj']);
  });

  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['a schedule is required', { schedule: '' }, 'spec.schedule: Required value'],
    ['five fields', { schedule: '* * *' }, 'spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]'],
    ['fields in range', { schedule: '61 * * * *' }, 'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61'],
    ['no TZ in the schedule', { schedule: 'TZ=UTC 0 * * * *' }, 'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead'],
    ['an unknown zone', { timeZone: 'Mars/Olympus' }, 'spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus'],
    ['no Local zone', { timeZone: 'Local' }, 'spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'],
    ['a zone of zone-name characters', { timeZone: 'Europe/../Paris' }, 'spec.timeZone: Invalid value: "Europe/../Paris": unknown time zone Europe/../Paris'],
    ['an empty zone', { timeZone: '' }, 'spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string'],
    ['a known concurrency policy', { concurrencyPolicy: 'Sometimes' }, 'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"'],
    ['history limits not negative', { successfulJobsHistoryLimit: -1 }, 'spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0'],
    ['no selector in the job template', { jobTemplate: { spec: { selector: { matchLabels: { a: 'b' } }, template: podTemplate() } } },
      'spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated'],
    ['the template restarts OnFailure or Never', { jobTemplate: { spec: { template: podTemplate({ restartPolicy: 'Always' }) } } },
      'spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
  ];
  for (const [name, spec, want] of cases) {
    it(name, async () => assert.equal(await createError(def, cronJob(spec)), invalid(want)));
  }

  it('accepts IANA zones, descriptors and @every', async () => {
    assert.equal((await createObject(def, cronJob({ timeZone: 'Europe/Berlin', schedule: '@hourly' }))).spec.timeZone, 'Europe/Berlin');
    assert.equal((await createObject(def, cronJob({ schedule: '@every 1h30m' }))).spec.schedule, '@every 1h30m');
    assert.equal((await createObject(def, cronJob({ schedule: '0 9 * jan-mar mon-fri' }))).spec.schedule, '0 9 * jan-mar mon-fri');
  });

  it('limits names to 52 characters on create only', async () => {
    const long = 'c'.repeat(53);
    assert.equal(await createError(def, cronJob({}, long)), invalid(`metadata.name: Invalid value: "${long}": must be no more than 52 characters`, long));
  });

  it('keeps a TZ= schedule it already had, but not with timeZone', async () => {
    const legacy = await createObject(def, cronJob());
    const old = { ...legacy, spec: { ...legacy.spec, schedule: 'TZ=UTC 0 * * * *' } };
    assert.equal((await updateObject(def, old, { ...old, spec: { ...old.spec, suspend: true } })).spec.suspend, true);
    assert.equal(await updateError(def, old, { ...old, spec: { ...old.spec, timeZone: 'UTC' } }),
      invalid('spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use both timeZone field and TZ or CRON_TZ in schedule'));
    assert.deepEqual(def.warnings!(old), ['cannot use TZ or CRON_TZ in spec.spec.schedule, use timeZone instead, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details']);
  });

  it('writes status only through the status subresource', async () => {
    const cj = await createObject(def, cronJob());
    const st = await updateObject(def, cj, { ...cj, status: { lastScheduleTime: '2024-01-01T00:00:00Z' } }, { subresource: 'status' });
    assert.equal(st.status!.lastScheduleTime, '2024-01-01T00:00:00Z');
    assert.deepEqual((await updateObject(def, st, { ...st, status: {} })).status, st.status);
  });
});
