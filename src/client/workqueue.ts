// A work queue as client-go has it: a key is queued at most once, is processed by one worker at a
// time (added again while processing, it runs again afterwards), and failures retry with a
// per-key exponential back-off.

export type Reconcile = (key: string) => Promise<void>;

export interface WorkQueueOptions {
  /** First retry delay; doubles per failure of the same key up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  log?: (line: string) => void;
  name?: string;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; at: number }>();
  private idleWorkers: (() => void)[] = [];
  private stopped = false;
  private workers: Promise<void>[] = [];

  constructor(private readonly o: WorkQueueOptions = {}) {}

  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.idleWorkers.shift()?.();
  }

  /**
   * Adds key after delayMs. A key already waiting keeps the earlier of the two times, as
   * client-go's delaying queue: a later, longer addAfter does not postpone a retry.
   */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) return this.add(key);
    const at = Date.now() + delayMs;
    const existing = this.timers.get(key);
    if (existing) {
      if (existing.at <= at) return;
      clearTimeout(existing.timer);
    }
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    this.timers.set(key, { timer, at });
  }

  private retry(key: string): void {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const delay = Math.min((this.o.baseDelayMs ?? 5) * 2 ** (n - 1), this.o.maxDelayMs ?? 30_000);
    this.addAfter(key, delay);
  }

  get length(): number {
    return this.queue.length;
  }

  /** Starts n workers calling reconcile for each key. */
  run(workers: number, reconcile: Reconcile): void {
    for (let i = 0; i < workers; i++) this.workers.push(this.worker(reconcile));
  }

  private next(): Promise<string | undefined> {
    if (this.stopped) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) return Promise.resolve(key);
    return new Promise((resolve) => this.idleWorkers.push(() => resolve(this.stopped ? undefined : this.queue.shift())));
  }

  private async worker(reconcile: Reconcile): Promise<void> {
    while (!this.stopped) {
      const key = await this.next();
      if (key === undefined) continue;
      this.queued.delete(key);
      this.processing.add(key);
      try {
        await reconcile(key);
        this.failures.delete(key);
      } catch (err) {
        this.o.log?.(`${this.o.name ?? 'queue'}: ${key}: ${(err as Error)?.message ?? err}`);
        if (!this.stopped) this.retry(key);
      } finally {
        this.processing.delete(key);
        if (this.dirty.delete(key)) this.add(key);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    for (const w of this.idleWorkers.splice(0)) w();
    await Promise.all(this.workers);
  }
}
