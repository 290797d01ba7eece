import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedFrequencyRunner } from './runner.js';

// Virtual time: the runner's timers and clock are mocked, so these tests assert when runs happen
// without depending on the machine's speed.
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function advance(ms: number): Promise<void> {
  mock.timers.tick(ms);
  await settle();
}

describe('BoundedFrequencyRunner', () => {
  let runs: number[];
  let runner: BoundedFrequencyRunner;

  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
    runs = [];
    runner = new BoundedFrequencyRunner(async () => void runs.push(Date.now()), { minIntervalMs: 1000, maxIntervalMs: 30_000 });
    runner.start();
  });

  afterEach(async () => {
    await runner.stop();
    mock.timers.reset();
  });

  it('runs a burst of two at once, then at most once per minInterval', async () => {
    runner.run();
    await advance(0);
    runner.run();
    await advance(0);
    runner.run();
    await advance(0);
    assert.deepEqual(runs, [0, 0]);
    await advance(999);
    assert.deepEqual(runs, [0, 0]);
    await advance(1);
    assert.deepEqual(runs, [0, 0, 1000]);
  });

  it('runs periodically every maxInterval without requests', async () => {
    await advance(30_000);
    await advance(30_000);
    assert.deepEqual(runs, [30_000, 60_000]);
  });

  it('never overlaps runs, and runs once more for requests made during a run', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let active = 0;
    let maxActive = 0;
    const slow = new BoundedFrequencyRunner(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs.push(Date.now());
      if (runs.length === 1) await gate;
      active--;
    }, { minIntervalMs: 0, maxIntervalMs: 30_000 });
    slow.start();
    slow.run();
    await advance(0);
    slow.run();
    slow.run();
    await advance(0);
    assert.equal(runs.length, 1);
    release();
    await advance(0);
    await advance(0);
    assert.equal(runs.length, 2);
    assert.equal(maxActive, 1);
    await slow.stop();
  });

  it('retries after the given delay, and stops for good', async () => {
    runner.retryAfter(5000);
    await advance(4999);
    assert.deepEqual(runs, []);
    await advance(1);
    assert.deepEqual(runs, [5000]);
    await runner.stop();
    runner.run();
    await advance(60_000);
    assert.deepEqual(runs, [5000]);
  });

  it('runNow runs at once whatever the rate limit and resolves when done', async () => {
    await runner.runNow();
    await runner.runNow();
    await runner.runNow();
    assert.deepEqual(runs, [0, 0, 0]);
  });
});
