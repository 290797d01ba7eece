// Restart policy and crash-loop back-off, init containers, and graceful termination, with real
// processes in namespaces of the test's own.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TestNode, testPod, waitFor, text } from './testing.js';
import type { PodRuntime } from './runtime.js';

let node: TestNode;
let rt: PodRuntime;

before(async () => {
  node = new TestNode(`lc${process.pid % 100000}`);
  rt = node.runtime();
  await rt.start();
});
after(() => node.cleanup());

const statusOf = (uid: string, name: string) => [...(rt.podStatus(uid)?.containerStatuses ?? []), ...(rt.podStatus(uid)?.initContainerStatuses ?? [])].find((c) => c.name === name);

test('a crashing container restarts at once, then waits in CrashLoopBackOff: 10s, then 20s', async () => {
  const pod = testPod('crasher', { containers: [{ name: 'crash', image: 'busybox', command: ['sh', '-c', 'echo crashing; exit 2'] }] });
  const uid = pod.metadata.uid!;
  rt.syncPod(pod, node.podNetwork());
  const first = await waitFor('the first back-off', () => {
    const s = statusOf(uid, 'crash');
    return s?.state?.waiting?.reason === 'CrashLoopBackOff' ? s : undefined;
  });
  assert.equal(first.restartCount, 1);
  assert.equal(first.state?.waiting?.message, `back-off 10s restarting failed container=crash pod=crasher_default(${uid})`);
  assert.equal(first.lastState?.terminated?.exitCode, 2);
  assert.equal(first.lastState?.terminated?.reason, 'Error');
  assert.equal(first.ready, false);
  assert.equal(rt.podStatus(uid)?.phase, 'Running');
  assert.ok(node.eventsFor('crash').includes(`BackOff: Back-off restarting failed container crash in pod crasher_default(${uid})`));

  const second = await waitFor('the restart after 10s and the next back-off', () => {
    const s = statusOf(uid, 'crash');
    return s?.restartCount === 2 && s.state?.waiting?.reason === 'CrashLoopBackOff' ? s : undefined;
  }, 40_000);
  assert.equal(second.state?.waiting?.message, `back-off 20s restarting failed container=crash pod=crasher_default(${uid})`);
  const started = node.eventsFor('crash').filter((e) => e === 'Started: Started container crash').length;
  assert.equal(started, 3);
  await rt.removePod(uid);
});

test('restartPolicy Never and OnFailure end the pod Failed or Succeeded', async () => {
  const never = testPod('once', { restartPolicy: 'Never', containers: [{ name: 'job', image: 'busybox', command: ['sh', '-c', 'exit 3'] }] });
  const onFailure = testPod('retry', { restartPolicy: 'OnFailure', containers: [{ name: 'job', image: 'busybox', command: ['sh', '-c', 'echo done'] }] });
  rt.syncPod(never, node.podNetwork());
  rt.syncPod(onFailure, node.podNetwork());
  await waitFor('Never to fail', () => rt.podStatus(never.metadata.uid!)?.phase === 'Failed');
  await waitFor('OnFailure to succeed', () => rt.podStatus(onFailure.metadata.uid!)?.phase === 'Succeeded');
  const failed = rt.podStatus(never.metadata.uid!)!;
  assert.equal(failed.containerStatuses?.[0].state?.terminated?.exitCode, 3);
  assert.equal(failed.containerStatuses?.[0].restartCount, 0);
  const ok = rt.podStatus(onFailure.metadata.uid!)!;
  assert.equal(ok.containerStatuses?.[0].state?.terminated?.reason, 'Completed');
  assert.deepEqual(ok.conditions?.find((c) => c.type === 'Ready'), { type: 'Ready', status: 'False', reason: 'PodCompleted', lastProbeTime: null, lastTransitionTime: ok.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime });
  assert.equal(await text(rt.logs(onFailure.metadata.uid!, 'job')), 'done\n');
});

test('init containers run one after the other before the app containers', async () => {
  const pod = testPod('with-init', {
    initContainers: [
      { name: 'first', image: 'busybox', command: ['sh', '-c', 'sleep 0.5; echo first > /tmp/krt-init-order-$(hostname)'] },
      { name: 'second', image: 'busybox', command: ['sh', '-c', 'echo second >> /tmp/krt-init-order-$(hostname)'] },
    ],
    containers: [{ name: 'app', image: 'busybox', command: ['sh', '-c', 'cat /tmp/krt-init-order-$(hostname); rm /tmp/krt-init-order-$(hostname); sleep 3600'] }],
  });
  const uid = pod.metadata.uid!;
  const seen = new Set<string>();
  const listener = (u: string) => { if (u === uid) seen.add(`${rt.podStatus(uid)?.phase}/${statusOf(uid, 'app')?.state?.waiting?.reason ?? 'started'}`); };
  rt.on('status', listener);
  rt.syncPod(pod, node.podNetwork());
  await waitFor('the app container', () => statusOf(uid, 'app')?.state?.running);
  rt.off('status', listener);
  assert.ok(seen.has('Pending/PodInitializing'));
  assert.equal(await waitFor('app output', async () => (await text(rt.logs(uid, 'app'))) || undefined), 'first\nsecond\n');
  assert.deepEqual(rt.podStatus(uid)?.initContainerStatuses?.map((s) => [s.name, s.state?.terminated?.reason, s.ready]), [['first', 'Completed', true], ['second', 'Completed', true]]);
  await rt.removePod(uid);
});

test('termination: SIGTERM to the container, SIGKILL once the grace period is over', async () => {
  const graceful = testPod('graceful', { terminationGracePeriodSeconds: 30, containers: [{ name: 'app', image: 'busybox', command: ['sh', '-c', "trap 'echo got TERM; exit 0' TERM; echo ready; while true; do sleep 0.1; done"] }] });
  const stubborn = testPod('stubborn', { terminationGracePeriodSeconds: 2, containers: [{ name: 'app', image: 'busybox', command: ['sh', '-c', "trap '' TERM; echo ready; while true; do sleep 0.1; done"] }] });
  for (const p of [graceful, stubborn]) rt.syncPod(p, node.podNetwork());
  for (const p of [graceful, stubborn]) await waitFor('ready', async () => (await text(rt.logs(p.metadata.uid!, 'app'))).includes('ready'));

  let t = Date.now();
  await rt.killPod(graceful.metadata.uid!);
  const gracefulMs = Date.now() - t;
  const g = rt.podStatus(graceful.metadata.uid!)!;
  assert.equal(g.containerStatuses?.[0].state?.terminated?.exitCode, 0);
  assert.match(await text(rt.logs(graceful.metadata.uid!, 'app')), /got TERM/);
  assert.ok(gracefulMs < 20_000, `a container that handles SIGTERM stops well within its 30s grace period (took ${gracefulMs}ms)`);
  assert.equal(g.phase, 'Succeeded');

  t = Date.now();
  await rt.killPod(stubborn.metadata.uid!);
  const stubbornMs = Date.now() - t;
  const s = rt.podStatus(stubborn.metadata.uid!)!;
  assert.equal(s.containerStatuses?.[0].state?.terminated?.exitCode, 137);
  assert.ok(stubbornMs >= 1_500, `SIGKILL waits for the 2s grace period (took ${stubbornMs}ms)`);
  assert.equal(s.phase, 'Failed');
  assert.ok(node.eventsFor('app').includes('Killing: Stopping container app'));
});
