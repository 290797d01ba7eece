// A bounded-frequency runner (upstream's async.BoundedFrequencyRunner): runs `fn` when asked,
// but never more often than a token bucket allows (burst runs, then one per minInterval), and
// at least once per maxInterval. Runs never overlap; a request during a run causes one more run.

export interface RunnerOptions {
  /** Shortest time between runs once the burst is used up; 0 = no limit. */
  minIntervalMs: number;
  /** Longest time between runs (the periodic run). */
  maxIntervalMs: number;
  /** Runs allowed back to back before minInterval applies (upstream uses 2). */
  burst?: number;
  /** Called with anything `fn` throws (the runner itself never stops for it). */
  onError?: (err: unknown) => void;
}

export class BoundedFrequencyRunner {
  private readonly burst: number;
  private tokens: number;
  private lastRefill = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private running: Promise<void> | null = null;
  private again = false;
  private waitingToRunNow = 0;
  private stopped = true;

  constructor(private readonly fn: () => Promise<void>, private readonly opts: RunnerOptions) {
    this.burst = opts.burst ?? 2;
    this.tokens = this.burst;
  }

  /** Starts the periodic runs. */
  start(): void {
    this.stopped = false;
    this.schedule(Date.now() + this.opts.maxIntervalMs);
  }

  /** Asks for a run as soon as the rate limit allows. */
  run(): void {
    this.schedule(Date.now());
  }

  /** Asks for a run no later than `ms` from now (after a failure). */
  retryAfter(ms: number): void {
    this.schedule(Date.now() + ms);
  }

  /**
   * Runs now, whatever the rate limit, after any run in progress; resolves when it is done.
   * This run answers every request made before it: they cause no further run.
   */
  async runNow(): Promise<void> {
    this.waitingToRunNow++;
    try {
      while (this.running) await this.running;
    } finally {
      this.waitingToRunNow--;
    }
    this.again = false;
    if (this.timer && this.timerAt <= Date.now()) {
      clearTimeout(this.timer);
      this.timer = null;
      this.timerAt = Infinity;
    }
    await this.execute();
  }

  /** Stops all runs; resolves when a run in progress has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
    while (this.running) await this.running;
  }

  private schedule(at: number): void {
    if (this.stopped || at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.tryRun();
    }, Math.max(0, at - Date.now()));
  }

  private tryRun(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.opts.minIntervalMs > 0) {
      const now = Date.now();
      this.tokens = Math.min(this.burst, this.tokens + (now - this.lastRefill) / this.opts.minIntervalMs);
      this.lastRefill = now;
      if (this.tokens < 1) {
        this.schedule(now + (1 - this.tokens) * this.opts.minIntervalMs);
        return;
      }
      this.tokens -= 1;
    }
    void this.execute();
  }

  private execute(): Promise<void> {
    const run = (async () => {
      try {
        await this.fn();
      } catch (err) {
        this.opts.onError?.(err);
      }
    })();
    this.running = run.finally(() => {
      this.running = null;
      if (this.again && this.waitingToRunNow === 0) {
        this.again = false;
        this.tryRun();
      }
      this.schedule(Date.now() + this.opts.maxIntervalMs);
    });
    return this.running;
  }
}
