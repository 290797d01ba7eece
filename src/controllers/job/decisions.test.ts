// The Job controller's pure decisions, with upstream's cases where it has them (backoff_utils_test,
// indexed_job_utils_test, pod_failure_policy_test, success_policy_test, job_controller_test).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Job, Pod } from '../../kube/types.js';
import { nextBackoffRecord, remainingBackoffMs } from './backoff.js';
import { duplicatedIndexPods, firstPendingIndexes, formatIntervals, parseIntervals, withIndexes } from './indexes.js';
import { generateNameWithIndex, isPodFailed, isTerminating, podForJob } from './pods.js';
import { matchPodFailurePolicy, matchSuccessPolicy } from './policies.js';
import { ensureCondition, isComplete, pastBackoffLimitOnFailure, wantActive } from './status.js';

const T0 = Date.parse('2024-05-19T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function job(spec: Partial<Job['spec']> = {}): Job {
  return {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', namespace: 'default', uid: 'job-uid' },
    spec: { template: { metadata: { labels: { 'job-name': 'pi' } }, spec: { containers: [{ name: 'pi', image: 'perl' }], restartPolicy: 'Never' } }, backoffLimit: 6, parallelism: 1, completions: 1, ...spec },
  };
}

function pod(name: string, phase: string, o: { finishedAt?: number; index?: number; exitCode?: number; restarts?: number; deleting?: boolean; nodeName?: string; created?: number } = {}): Pod {
  return {
    metadata: {
      name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: iso(o.created ?? T0),
      ...(o.index !== undefined ? { annotations: { 'batch.kubernetes.io/job-completion-index': String(o.index) } } : {}),
      ...(o.deleting ? { deletionTimestamp: iso(T0) } : {}),
    },
    spec: { containers: [{ name: 'pi' }], ...(o.nodeName ? { nodeName: o.nodeName } : {}) },
    status: {
      phase: phase as NonNullable<Pod['status']>['phase'],
      containerStatuses: [{
        name: 'pi', ready: false, restartCount: o.restarts ?? 0, image: 'perl', imageID: '',
        state: o.finishedAt !== undefined ? { terminated: { exitCode: o.exitCode ?? (phase === 'Succeeded' ? 0 : 1), finishedAt: iso(o.finishedAt) } } : { running: {} },
      }],
    },
  };
}

describe('pod failure back-off', () => {
  it('counts failures since the last success, as upstream TestNewBackoffRecord', () => {
    const r1 = nextBackoffRecord(undefined, [], [pod('a', 'Failed', { finishedAt: T0 + 1000 }), pod('b', 'Failed', { finishedAt: T0 + 3000 })]);
    assert.deepEqual(r1, { failuresAfterLastSuccess: 2, lastFailureTime: T0 + 3000 });
    const r2 = nextBackoffRecord(r1, [pod('c', 'Succeeded', { finishedAt: T0 + 5000 })], [pod('d', 'Failed', { finishedAt: T0 + 4000 }), pod('e', 'Failed', { finishedAt: T0 + 6000 })]);
    assert.deepEqual(r2, { failuresAfterLastSuccess: 1, lastFailureTime: T0 + 6000 }, 'only the failure after the success counts');
    assert.deepEqual(nextBackoffRecord(r1, [pod('f', 'Succeeded', { finishedAt: T0 + 7000 })], []), { failuresAfterLastSuccess: 0, lastFailureTime: undefined });
    assert.deepEqual(nextBackoffRecord(r1, [], []), r1);
  });

  it('waits 10s, 20s, 40s ... up to 10 minutes after the last failure', () => {
    const at = (failures: number, sinceMs: number) => remainingBackoffMs({ failuresAfterLastSuccess: failures, lastFailureTime: T0 }, T0 + sinceMs);
    assert.equal(at(0, 0), 0);
    assert.equal(at(1, 0), 10_000);
    assert.equal(at(1, 4000), 6000);
    assert.equal(at(2, 0), 20_000);
    assert.equal(at(3, 0), 40_000);
    assert.equal(at(7, 0), 600_000, '10s * 2^6 = 640s, capped');
    assert.equal(at(1, 11_000), 0);
  });
});

describe('completion indexes', () => {
  it('reads and writes interval lists as upstream TestParseIndexesFromString', () => {
    assert.deepEqual(parseIntervals('0,2-4,6', 7), [{ first: 0, last: 0 }, { first: 2, last: 4 }, { first: 6, last: 6 }]);
    assert.deepEqual(parseIntervals('0-2,3-5', 10), [{ first: 0, last: 5 }], 'adjacent intervals merge');
    assert.deepEqual(parseIntervals('1-5,9', 4), [{ first: 1, last: 3 }], 'cut at completions');
    assert.deepEqual(parseIntervals('0,x,2', 5), [{ first: 0, last: 0 }, { first: 2, last: 2 }], 'a corrupt piece is skipped');
    assert.equal(formatIntervals(withIndexes(parseIntervals('1,3-4', 10), [0, 2, 7])), '0-4,7');
  });

  it('gives pods to the lowest indexes that neither succeeded nor run', () => {
    const active = [pod('a', 'Running', { index: 1 }), pod('b', 'Running', { index: 4 })];
    assert.deepEqual(firstPendingIndexes(parseIntervals('0,2', 6), active, 2, 6), [3, 5]);
    assert.deepEqual(firstPendingIndexes([], [], 3, 2), [0, 1]);
    assert.deepEqual(firstPendingIndexes([], [], 0, 5), []);
  });

  it('removes pods with a repeated, missing or too large index, keeping the one that ran longest', () => {
    const keep = pod('keep', 'Running', { index: 0, nodeName: 'n1', created: T0 });
    const extra = pod('extra', 'Pending', { index: 0, created: T0 + 1000 });
    const none = { ...pod('none', 'Running'), metadata: { ...pod('none', 'Running').metadata, annotations: { 'batch.kubernetes.io/job-completion-index': 'x' } } };
    const big = pod('big', 'Running', { index: 9 });
    const { remove, left } = duplicatedIndexPods([keep, extra, none, big, pod('one', 'Running', { index: 1 })], 3);
    assert.deepEqual(remove.map((p) => p.metadata.name).sort(), ['big', 'extra', 'none']);
    assert.deepEqual(left.map((p) => p.metadata.name), ['keep', 'one']);
  });
});

describe('pods of a Job', () => {
  it('counts a deleted pod as failed unless only failed pods are replaced', () => {
    const deleted = pod('a', 'Running', { deleting: true, nodeName: 'n1' });
    assert.equal(isPodFailed(deleted, job()), true);
    assert.equal(isPodFailed(deleted, job({ podReplacementPolicy: 'Failed' })), false);
    assert.equal(isTerminating(deleted), true);
    assert.equal(isTerminating(pod('b', 'Pending', { deleting: true })), false, 'no node will ever run it down');
  });

  it('builds indexed pods as upstream: annotation, label, env, hostname, generateName', () => {
    const p = podForJob(job({ completionMode: 'Indexed', completions: 3 }), 2);
    assert.equal(p.metadata.generateName, 'pi-2-');
    assert.equal(p.metadata.annotations!['batch.kubernetes.io/job-completion-index'], '2');
    assert.equal(p.metadata.labels!['batch.kubernetes.io/job-completion-index'], '2');
    assert.deepEqual(p.metadata.finalizers, ['batch.kubernetes.io/job-tracking']);
    assert.equal(p.spec.hostname, 'pi-2');
    assert.deepEqual(p.spec.containers[0].env, [{ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }]);
    assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'job-uid', controller: true, blockOwnerDeletion: true }]);
    assert.equal(podForJob(job()).metadata.generateName, 'pi-');
    assert.equal(generateNameWithIndex('a'.repeat(60), 12), `${'a'.repeat(54)}-12-`);
  });
});

describe('job decisions', () => {
  it('wants completions left, at most parallelism (TestControllerSyncJob)', () => {
    assert.equal(wantActive(job({ completions: 5, parallelism: 2 }), 0, 0), 2);
    assert.equal(wantActive(job({ completions: 5, parallelism: 2 }), 2, 4), 1);
    assert.equal(wantActive(job({ completions: 5, parallelism: 2 }), 0, 6), 0);
    assert.equal(wantActive(job({ completions: undefined, parallelism: 3 }), 0, 0), 3, 'a work queue runs parallelism pods');
    assert.equal(wantActive(job({ completions: undefined, parallelism: 3 }), 2, 1), 2, 'after a success it lets the rest finish');
    assert.equal(isComplete(job({ completions: undefined }), 1, 0), true);
    assert.equal(isComplete(job({ completions: undefined }), 1, 1), false);
    assert.equal(isComplete(job({ completions: 3 }), 3, 0), true);
  });

  it('counts container restarts against backoffLimit with restartPolicy OnFailure', () => {
    const onFailure = (limit: number) => job({ backoffLimit: limit, template: { spec: { containers: [{ name: 'pi' }], restartPolicy: 'OnFailure' } } });
    assert.equal(pastBackoffLimitOnFailure(onFailure(2), [pod('a', 'Running', { restarts: 1 })]), false);
    assert.equal(pastBackoffLimitOnFailure(onFailure(2), [pod('a', 'Running', { restarts: 1 }), pod('b', 'Pending', { restarts: 1 })]), true);
    assert.equal(pastBackoffLimitOnFailure(onFailure(0), [pod('a', 'Running', { restarts: 1 })]), true);
    assert.equal(pastBackoffLimitOnFailure(onFailure(1), [pod('a', 'Failed', { restarts: 5 })]), false, 'finished pods count as failures instead');
    assert.equal(pastBackoffLimitOnFailure(job({ backoffLimit: 1 }), [pod('a', 'Running', { restarts: 5 })]), false, 'Never: failures count, not restarts');
  });

  it('adds a condition only when True, and marks changes', () => {
    const none = ensureCondition([], 'Suspended', 'False', 'JobResumed', 'Job resumed', T0);
    assert.deepEqual(none, { list: [], changed: false });
    const set = ensureCondition([], 'Suspended', 'True', 'JobSuspended', 'Job suspended', T0);
    assert.deepEqual(set.list, [{ type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended', lastProbeTime: '2024-05-19T10:00:00Z', lastTransitionTime: '2024-05-19T10:00:00Z' }]);
    assert.equal(ensureCondition(set.list, 'Suspended', 'True', 'JobSuspended', 'Job suspended', T0 + 5000).changed, false);
    assert.equal(ensureCondition(set.list, 'Suspended', 'False', 'JobResumed', 'Job resumed', T0 + 5000).list[0].lastTransitionTime, '2024-05-19T10:00:05Z');
  });
});

describe('pod failure and success policies', () => {
  const withPolicy = job({
    podFailurePolicy: {
      rules: [
        { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        { action: 'FailJob', onExitCodes: { containerName: 'pi', operator: 'In', values: [42] } },
        { action: 'Count', onExitCodes: { operator: 'NotIn', values: [42] } },
      ],
    },
  });

  it('matches rules in order, as upstream TestMatchPodFailurePolicy', () => {
    assert.deepEqual(matchPodFailurePolicy(withPolicy, pod('a', 'Failed', { finishedAt: T0, exitCode: 42 })),
      { countFailed: true, action: 'FailJob', failJobMessage: 'Container pi for pod default/a failed with exit code 42 matching FailJob rule at index 1' });
    assert.deepEqual(matchPodFailurePolicy(withPolicy, pod('b', 'Failed', { finishedAt: T0, exitCode: 3 })), { countFailed: true, action: 'Count' });
    const disrupted = pod('c', 'Failed', { finishedAt: T0, exitCode: 42 });
    disrupted.status!.conditions = [{ type: 'DisruptionTarget', status: 'True' }];
    assert.deepEqual(matchPodFailurePolicy(withPolicy, disrupted), { countFailed: false, action: 'Ignore' });
    assert.deepEqual(matchPodFailurePolicy(job(), pod('d', 'Failed', { finishedAt: T0 })), { countFailed: true });
  });

  it('meets success rules by indexes or by count, as upstream TestMatchSuccessPolicy', () => {
    const indexed = (rules: Array<{ succeededIndexes?: string; succeededCount?: number }>) => job({ completionMode: 'Indexed', completions: 10, successPolicy: { rules } });
    assert.equal(matchSuccessPolicy(indexed([{ succeededIndexes: '0-2' }]), parseIntervals('0-1', 10)), undefined);
    assert.equal(matchSuccessPolicy(indexed([{ succeededIndexes: '0-2' }]), parseIntervals('0-3', 10)), 'Matched rules at index 0');
    assert.equal(matchSuccessPolicy(indexed([{ succeededIndexes: '0-5', succeededCount: 2 }]), parseIntervals('1,4,9', 10)), 'Matched rules at index 0');
    assert.equal(matchSuccessPolicy(indexed([{ succeededIndexes: '7' }, { succeededCount: 3 }]), parseIntervals('1,4,9', 10)), 'Matched rules at index 1');
    assert.equal(matchSuccessPolicy(indexed([{ succeededCount: 3 }]), []), undefined);
  });
});
