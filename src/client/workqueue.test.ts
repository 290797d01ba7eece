// The work queue as controllers rely on it: a key runs once however often it was queued, never
// twice at the same time, failures come back after growing delays, and stop() leaves nothing
// running (no worker, no timer), so a process that stops its queues can exit.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { sleep, until } from './testing.js';
import { WorkQueue, type WorkQueueOptions } from './workqueue.js';

/** A promise with its resolve, for a reconcile the test holds until it lets it go. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** A queue the test stops when it ends, passed or failed. */
function queueFor(t: TestContext, o?: WorkQueueOptions): WorkQueue {
  const q = new WorkQueue(o);
  t.after(() => q.stop());
  return q;
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

test('a key added again while it waits in the queue is processed once', async (t) => {
  const q = queueFor(t);
  const seen: string[] = [];
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.length, 2);
  q.run(1, async (key) => { seen.push(key); });
  await until('both keys', () => seen.length === 2);
  await sleep(20);
  await q.stop();
  assert.deepEqual(seen, ['a', 'b']);
});

test('a key added while a worker processes it runs again afterwards, never at the same time', async (t) => {
  const q = queueFor(t);
  const first = gate();
  let calls = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  // Two workers: the idle one must not take the key the busy one holds.
  q.run(2, async () => {
    calls++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    if (calls === 1) await first.promise;
    inFlight--;
  });
  q.add('a');
  await until('the first run', () => calls === 1);
  q.add('a');
  q.add('a');
  await sleep(20);
  assert.equal(calls, 1, 'the re-added key waits for the running one');
  first.open();
  await until('the second run', () => calls === 2);
  await sleep(20);
  await q.stop();
  assert.equal(calls, 2, 'added twice while running: one more run, not two');
  assert.equal(maxInFlight, 1);
});

test('a failing key is retried after growing delays; a success resets its back-off', async (t) => {
  const q = queueFor(t, { baseDelayMs: 20, maxDelayMs: 10_000 });
  const attempts: number[] = [];
  let failUntil = 5;
  q.run(1, async () => {
    attempts.push(performance.now());
    if (attempts.length < failUntil) throw new Error('not yet');
  });
  q.add('a');
  await until('five attempts', () => attempts.length === 5);
  const gaps = attempts.slice(1).map((t, i) => t - attempts[i]);
  // 20, 40, 80, 160 ms; a timer never fires early (1 ms for the clock's rounding).
  [20, 40, 80, 160].forEach((delay, i) => assert.ok(gaps[i] >= delay - 1, `retry ${i + 1} after ${gaps[i]} ms, expected at least ${delay}`));

  // The fifth attempt succeeded: the next failure starts again at 20 ms, not at 320.
  failUntil = 7;
  q.add('a');
  await until('two more attempts', () => attempts.length === 7);
  const reset = attempts[6] - attempts[5];
  assert.ok(reset >= 19 && reset < 320, `first retry after a success came after ${reset} ms`);
  await q.stop();
});

test('retry delays stop growing at maxDelayMs', async (t) => {
  const q = queueFor(t, { baseDelayMs: 20, maxDelayMs: 40 });
  const attempts: number[] = [];
  q.run(1, async () => {
    attempts.push(performance.now());
    if (attempts.length < 5) throw new Error('not yet');
  });
  q.add('a');
  await until('five attempts', () => attempts.length === 5);
  await q.stop();
  const last = attempts[4] - attempts[3];
  // Uncapped, the fourth retry would wait 160 ms.
  assert.ok(last >= 39 && last < 160, `fourth retry after ${last} ms`);
});

test('addAfter adds the key once its delay is over; a later, longer addAfter does not postpone it', async (t) => {
  const q = queueFor(t);
  const seen: number[] = [];
  const start = performance.now();
  q.run(1, async () => { seen.push(performance.now() - start); });
  q.addAfter('a', 50);
  q.addAfter('a', 60_000);
  await until('the delayed key', () => seen.length === 1);
  assert.ok(seen[0] >= 49, `added after ${seen[0]} ms`);
  await q.stop();

  // A later, earlier addAfter wins.
  const q2 = queueFor(t);
  const seen2: number[] = [];
  const start2 = performance.now();
  q2.run(1, async () => { seen2.push(performance.now() - start2); });
  q2.addAfter('a', 60_000);
  q2.addAfter('a', 30);
  await until('the delayed key', () => seen2.length === 1);
  await q2.stop();
});

test('stop() waits for the running reconcile, ends every worker and leaves no timer behind', async (t) => {
  const before = timers();
  const q = queueFor(t, { baseDelayMs: 60_000 });
  const running = gate();
  const seen: string[] = [];
  q.run(3, async (key) => {
    seen.push(key);
    if (key === 'slow') await running.promise;
    if (key === 'fails') throw new Error('failed');
  });
  q.addAfter('later', 60_000);
  q.add('fails'); // its retry waits 60 s on a timer
  q.add('slow');
  await until('both keys running', () => seen.includes('fails') && seen.includes('slow'));
  assert.ok(timers() > before, 'the delayed add and the retry hold timers');

  let stopped = false;
  const stopping = q.stop().then(() => (stopped = true));
  await sleep(20);
  assert.equal(stopped, false, 'stop() waits for the reconcile in progress');
  q.add('after-stop');
  q.addAfter('after-stop-delayed', 10);
  running.open();
  await stopping;
  assert.equal(timers(), before, 'no timer left');
  await sleep(30);
  assert.deepEqual(seen.sort(), ['fails', 'slow']);
});

test('a key that fails while the queue stops is not retried', async (t) => {
  const before = timers();
  const q = queueFor(t, { baseDelayMs: 60_000 });
  const running = gate();
  let calls = 0;
  q.run(1, async () => {
    calls++;
    await running.promise;
    throw new Error('failed');
  });
  q.add('a');
  await until('the run', () => calls === 1);
  const stopping = q.stop();
  running.open();
  await stopping;
  assert.equal(timers(), before, 'no retry timer');
  assert.equal(calls, 1);
});
