import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, goSeconds } from './backoff.js';

/** Simulates a container that crashes `runMs` after each start; returns the waits the kubelet imposes. */
function crashLoop(b: Backoff, crashes: number, runMs = 1000): number[] {
  const waits: number[] = [];
  let now = 0;
  for (let i = 0; i < crashes; i++) {
    now += runMs;
    const finished = now;
    const wait = b.isInBackOffSince('c', finished, now) ? b.readyAt('c', finished) - now : 0;
    waits.push(wait);
    now += wait;
    b.next('c', finished, now);
  }
  return waits;
}

test('restart waits: immediate, then 10s doubling to a 5 minute cap', () => {
  assert.deepEqual(crashLoop(new Backoff(), 9).map((ms) => ms / 1000), [0, 10, 20, 40, 80, 160, 300, 300, 300]);
});

test('a container that ran for more than 10 minutes starts over at 10s', () => {
  const b = new Backoff();
  crashLoop(b, 5);
  const last = b.lastUpdate('c')!;
  const finished = last + 10 * 60_000 + 1;
  assert.equal(b.isInBackOffSince('c', finished, finished), false);
  b.next('c', finished, finished);
  assert.equal(b.get('c'), 10_000);
});

test('durations print as Go prints them', () => {
  assert.deepEqual([10_000, 20_000, 80_000, 160_000, 300_000].map(goSeconds), ['10s', '20s', '1m20s', '2m40s', '5m0s']);
});
