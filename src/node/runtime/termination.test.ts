// Grace periods and the order in which a pod's containers are stopped, against a stand-in shim.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from '../../kube/types.js';
import type { ShimClient } from './shim/client.js';
import type { ShimRequest } from './shim/protocol.js';
import { ContainerStopper, gracePeriodMs } from './termination.js';
import type { ContainerRun } from './types.js';

test('the grace period: the override, else the deletion\'s, else the pod\'s, else 30s', () => {
  const pod = (deletion?: number, spec?: number): Pod => ({ metadata: { name: 'p', deletionGracePeriodSeconds: deletion }, spec: { containers: [], terminationGracePeriodSeconds: spec } });
  assert.equal(gracePeriodMs(pod(5, 10), 1), 1000);
  assert.equal(gracePeriodMs(pod(5, 10)), 5000);
  assert.equal(gracePeriodMs(pod(undefined, 10)), 10_000);
  assert.equal(gracePeriodMs(pod()), 30_000);
  assert.equal(gracePeriodMs(pod(0, 10)), 0);
});

test('a pod\'s running containers are stopped last first, and termination waits for their exits', async () => {
  const events: string[] = [];
  const requests: ShimRequest[] = [];
  const shim = { call: async (req: ShimRequest) => { requests.push(req); return { ok: true } as const; } } as unknown as ShimClient;
  const stopper = new ContainerStopper((c, message) => events.push(`${c.name}: ${message}`));
  const containers: Container[] = ['init', 'a', 'b', 'c'].map((name) => ({ name }));
  const runs: Record<string, ContainerRun | undefined> = {
    init: { id: 'i', attempt: 0, state: 'exited', startedAt: '', exitCode: 0 },
    a: { id: 'ra', attempt: 0, state: 'running', startedAt: '' },
    b: undefined,
    c: { id: 'rc', attempt: 2, state: 'running', startedAt: '' },
  };
  let done = false;
  const terminated = stopper.stopAll(shim, containers, (c) => runs[c.name], 60_000).then(() => { done = true; });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(events, ['c: Stopping container c', 'a: Stopping container a']);
  assert.deepEqual(requests, [{ op: 'stop', id: 'rc', graceMs: 60_000 }, { op: 'stop', id: 'ra', graceMs: 60_000 }]);
  stopper.exited('rc');
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false, 'a is still running');
  stopper.exited('ra');
  await terminated;
});

test('without a reported exit, termination gives up after the grace period and 10 s more', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const shim = { call: async () => ({ ok: true }) } as unknown as ShimClient;
  const stopper = new ContainerStopper(() => undefined);
  let done = false;
  const terminated = stopper.stopAll(shim, [{ name: 'a' }], () => ({ id: 'ra', attempt: 0, state: 'running', startedAt: '' }), 2000).then(() => { done = true; });
  await new Promise((r) => setImmediate(r));
  t.mock.timers.tick(11_999);
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false);
  t.mock.timers.tick(1);
  await terminated;
});
