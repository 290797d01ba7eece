// In-process watch fan-out shared by the backends that own their writes (SQLite, memory).
//
// A watch first catches up from the backend's history (revisions fromRevision+1 .. the revision
// current when the watch started), page by page, while live writes wait in a buffer; then it
// turns live. Each watch keeps the highest revision it has queued, so every event reaches it once,
// in revision order, also when the watch starts while writes are happening. Delivery is always
// asynchronous: onEvent never runs inside a write or inside watch().
import { checkRevision, closedError } from './errors.js';
import type { WatchEvent, WatchOptions, Watcher } from './types.js';

/** The history a hub catches watches up from. */
export interface EventHistory {
  /** The revision of the latest write. */
  currentRevision(): number;
  /**
   * Events under prefix with after < revision <= upTo, oldest first, at most limit of them.
   * Throws StoreError Compacted when `after` is older than the compacted revision.
   */
  readEvents(prefix: string, after: number, upTo: number, limit: number): WatchEvent[];
}

const CATCH_UP_PAGE = 1000;

interface Watch {
  prefix: string;
  options: WatchOptions;
  /** Highest revision queued (or skipped as already seen). */
  last: number;
  /** While catching up: the revision catch-up ends at; 0 once live. */
  catchUpTo: number;
  /** Live events that arrived during catch-up. */
  held: WatchEvent[];
  queue: WatchEvent[];
  draining: boolean;
  /** No more events are accepted. */
  ended: boolean;
  /** stop() was called: nothing more is delivered. */
  stopped: boolean;
  /** Delivered to onError once the queue is drained. */
  error?: Error;
  timer?: NodeJS.Immediate;
}

export class WatchHub {
  private readonly watches = new Set<Watch>();
  private closed = false;

  constructor(private readonly history: EventHistory) {}

  get size(): number {
    return this.watches.size;
  }

  watch(prefix: string, options: WatchOptions): Watcher {
    if (options.fromRevision === undefined) throw new Error('watch: fromRevision is required');
    checkRevision('fromRevision', options.fromRevision);
    if (typeof options.onEvent !== 'function') throw new Error('watch: onEvent must be a function');
    const w: Watch = {
      prefix, options, last: options.fromRevision, catchUpTo: 0, held: [], queue: [],
      draining: false, ended: false, stopped: false,
    };
    const stop = (): void => {
      w.stopped = true;
      this.end(w);
    };
    if (this.closed) {
      this.fail(w, closedError());
      return { stop };
    }
    this.watches.add(w);
    const current = this.history.currentRevision();
    if (w.last < current) {
      w.catchUpTo = current;
      this.catchUp(w); // the first page now, so a compacted fromRevision fails at once
    }
    return { stop };
  }

  /** Hands a committed write to every watch under its key; call in revision order. */
  publish(event: WatchEvent): void {
    const revision = event.kv.modRevision;
    for (const w of this.watches) {
      if (!event.kv.key.startsWith(w.prefix)) continue;
      if (w.catchUpTo > 0) {
        w.held.push(event);
      } else if (revision > w.last) {
        w.last = revision;
        w.queue.push(event);
        this.schedule(w);
      }
    }
  }

  /** Ends every watch with StoreError Closed (after the events already queued). */
  close(): void {
    this.closed = true;
    for (const w of [...this.watches]) this.fail(w, closedError());
  }

  private catchUp(w: Watch): void {
    w.timer = undefined;
    if (w.ended) return;
    let page: WatchEvent[];
    try {
      page = this.history.readEvents(w.prefix, w.last, w.catchUpTo, CATCH_UP_PAGE);
    } catch (err) {
      this.fail(w, err as Error);
      return;
    }
    w.queue.push(...page);
    if (page.length === CATCH_UP_PAGE) {
      w.last = page[page.length - 1].kv.modRevision;
      w.timer = setImmediate(() => this.catchUp(w)); // yield between pages
    } else {
      w.last = w.catchUpTo;
      w.catchUpTo = 0;
      for (const event of w.held) {
        if (event.kv.modRevision > w.last) {
          w.last = event.kv.modRevision;
          w.queue.push(event);
        }
      }
      w.held = [];
    }
    this.schedule(w);
  }

  private end(w: Watch): void {
    w.ended = true;
    this.watches.delete(w);
    if (w.timer) clearImmediate(w.timer);
    w.timer = undefined;
    w.held = [];
  }

  private fail(w: Watch, err: Error): void {
    if (w.ended) return;
    this.end(w);
    w.error = err;
    this.schedule(w);
  }

  private schedule(w: Watch): void {
    if (w.draining) return;
    w.draining = true;
    queueMicrotask(() => this.drain(w));
  }

  private drain(w: Watch): void {
    while (w.queue.length > 0 && !w.stopped) {
      const batch = w.queue;
      w.queue = [];
      for (const event of batch) {
        if (w.stopped) break;
        try {
          w.options.onEvent(event);
        } catch (err) {
          // A consumer that throws loses its watch and hears why; the rest of its queue is dropped.
          this.end(w);
          w.error = err as Error;
          w.queue = [];
          break;
        }
      }
    }
    w.draining = false;
    const err = w.error;
    if (err && !w.stopped) {
      w.stopped = true;
      w.error = undefined;
      w.options.onError?.(err);
    }
  }
}
