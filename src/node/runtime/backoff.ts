// The kubelet's crash-loop back-off (client-go flowcontrol.Backoff with 10s initial, 5m maximum):
// the first restart is immediate, then 10s, 20s, 40s ... 5m; a container that ran for more than
// twice the maximum (10 minutes) since the last restart starts over at 10s.

export const INITIAL_BACKOFF_MS = 10_000;
export const MAX_BACKOFF_MS = 300_000;

export interface BackoffEntry {
  /** The current back-off window. */
  delayMs: number;
  /** When the entry last moved (the last restart). */
  lastUpdate: number;
}

export class Backoff {
  private readonly entries = new Map<string, BackoffEntry>();

  constructor(private readonly initialMs = INITIAL_BACKOFF_MS, private readonly maxMs = MAX_BACKOFF_MS) {}

  private expired(eventTime: number, entry: BackoffEntry): boolean {
    return eventTime - entry.lastUpdate > this.maxMs * 2;
  }

  /** The window to report ("back-off 20s ..."), 0 when none. */
  get(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** Whether a container that finished at `finishedAt` must still wait at `now`. */
  isInBackOffSince(key: string, finishedAt: number, now: number): boolean {
    const entry = this.entries.get(key);
    if (!entry || this.expired(finishedAt, entry)) return false;
    return now - finishedAt < entry.delayMs;
  }

  /** When the wait for a container that finished at `finishedAt` ends. */
  readyAt(key: string, finishedAt: number): number {
    return finishedAt + this.get(key);
  }

  /** Moves to the next window as a restart happens at `now` for a container that finished at `finishedAt`. */
  next(key: string, finishedAt: number, now: number): void {
    const entry = this.entries.get(key);
    if (!entry || this.expired(finishedAt, entry)) this.entries.set(key, { delayMs: this.initialMs, lastUpdate: now });
    else this.entries.set(key, { delayMs: Math.min(entry.delayMs * 2, this.maxMs), lastUpdate: now });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** When the container's back-off was last extended (ms since epoch), if it has one. */
  lastUpdate(key: string): number | undefined {
    return this.entries.get(key)?.lastUpdate;
  }
}

/** A whole-second duration as Go prints it: "10s", "1m20s", "5m0s". */
export function goSeconds(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
