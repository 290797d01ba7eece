// Readiness, liveness and startup probes of each kind against real containers: httpGet and
// tcpSocket from the node's namespace to the pod IP, exec inside the container.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { TestNode, testPod, waitFor } from './testing.js';
import type { PodRuntime } from './runtime.js';

let node: TestNode;
let rt: PodRuntime;
const files = { healthy: `/tmp/krt-healthy-${process.pid}`, started: `/tmp/krt-started-${process.pid}` };

before(async () => {
  node = new TestNode(`pr${process.pid % 100000}`);
  rt = node.runtime();
  await rt.start();
});
after(async () => {
  await node.cleanup();
  for (const f of Object.values(files)) rmSync(f, { force: true });
});

const container = (uid: string, name: string) => rt.podStatus(uid)?.containerStatuses?.find((c) => c.name === name);

test('httpGet and tcpSocket readiness probes make containers ready', async () => {
  const pod = testPod('ready', {
    containers: [
      { name: 'netexec', image: 'registry.k8s.io/e2e-test-images/agnhost:2.40', args: ['netexec', '--http-port=8080', '--udp-port=8081'], readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 } },
      { name: 'echo', image: 'hashicorp/http-echo', ports: [{ name: 'http', containerPort: 5678 }], readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 1 } },
    ],
  });
  const uid = pod.metadata.uid!;
  rt.syncPod(pod, node.podNetwork());
  await waitFor('a running container that is not ready yet', () => container(uid, 'netexec')?.state?.running);
  await waitFor('both ready', () => container(uid, 'netexec')?.ready && container(uid, 'echo')?.ready);
  const ready = rt.podStatus(uid)!.conditions!.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'True');
  await rt.removePod(uid);
});

test('a failing readiness probe keeps the pod unready and reports Unhealthy', async () => {
  const pod = testPod('unready', { containers: [{ name: 'api', image: 'hashicorp/http-echo', args: ['-status-code=500'], readinessProbe: { httpGet: { path: '/', port: 5678 }, periodSeconds: 1, failureThreshold: 1 } }] });
  const uid = pod.metadata.uid!;
  rt.syncPod(pod, node.podNetwork());
  await waitFor('an Unhealthy event', () => node.eventsFor('api').includes('Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 500'));
  const status = rt.podStatus(uid)!;
  assert.equal(status.phase, 'Running');
  assert.equal(container(uid, 'api')?.ready, false);
  assert.equal(status.conditions!.find((c) => c.type === 'Ready')?.message, 'containers with unready status: [api]');
  assert.match(rt.metrics(), /^prober_probe_total\{container="api",namespace="default",pod="unready",pod_uid="[^"]+",probe_type="Readiness",result="failed"\} [1-9]\d*$/m);
  await rt.removePod(uid);
});

test('a failing exec liveness probe restarts the container', async () => {
  writeFileSync(files.healthy, '');
  const pod = testPod('liveness-exec', { containers: [{
    name: 'liveness',
    image: 'busybox',
    command: ['sleep', '600'],
    livenessProbe: { exec: { command: ['cat', files.healthy] }, periodSeconds: 1, failureThreshold: 2 },
  }] });
  const uid = pod.metadata.uid!;
  rt.syncPod(pod, node.podNetwork());
  await waitFor('running', () => container(uid, 'liveness')?.state?.running);
  rmSync(files.healthy);
  await waitFor('a restart', () => (container(uid, 'liveness')?.restartCount ?? 0) >= 1 && container(uid, 'liveness')?.state?.running);
  const events = node.eventsFor('liveness');
  assert.ok(events.includes(`Unhealthy: Liveness probe failed: cat: can't open '${files.healthy}': No such file or directory\n`), events.join('\n'));
  assert.ok(events.includes('Killing: Container liveness failed liveness probe, will be restarted'));
  // sleep ends on the SIGTERM: 128 + 15.
  assert.equal(container(uid, 'liveness')?.lastState?.terminated?.exitCode, 143);
  await rt.removePod(uid);
});

test('a startup probe holds back started, readiness and liveness until it succeeds', async () => {
  const pod = testPod('slow-start', { containers: [{
    name: 'slow',
    image: 'busybox',
    command: ['sleep', '600'],
    startupProbe: { exec: { command: ['test', '-f', files.started] }, periodSeconds: 1, failureThreshold: 60 },
    livenessProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 1 },
    readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1 },
  }] });
  const uid = pod.metadata.uid!;
  rt.syncPod(pod, node.podNetwork());
  await waitFor('a failed startup probe', () => node.eventsFor('slow').some((e) => e.startsWith('Unhealthy: Startup probe failed')));
  const before = container(uid, 'slow')!;
  assert.deepEqual([before.started, before.ready, before.restartCount], [false, false, 0]);
  assert.ok(!node.eventsFor('slow').some((e) => e.includes('Liveness')), 'liveness waits for startup');
  writeFileSync(files.started, '');
  // Once started, the always-failing liveness probe takes over and restarts the container.
  await waitFor('the liveness kill after startup', () => node.eventsFor('slow').includes('Killing: Container slow failed liveness probe, will be restarted'));
  await rt.removePod(uid);
});
