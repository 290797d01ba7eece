// An in-memory Store for tests: the same semantics as the SQLite store, nothing on disk.
import {
  checkKey, checkRevision, closedError, compactedError, conflictError, futureRevisionError, keyExistsError,
  notFoundError,
} from './errors.js';
import { compareKeys } from './key-range.js';
import type { KeyValue, ListOptions, ListResult, Store, WatchEvent, WatchOptions, Watcher } from './types.js';
import { WatchHub } from './watch-hub.js';

/** One write to one key; a deletion is kept as a tombstone carrying the deleted value. */
interface Version {
  kv: KeyValue;
  deleted: boolean;
}

export interface MemoryStoreStats {
  revision: number;
  compactedRevision: number;
  keys: number;
  watchers: number;
}

export class MemoryStore implements Store {
  private revision = 0;
  private compacted = 0;
  private closed = false;
  /** Every key's versions, oldest first; compaction keeps the newest at or below its revision. */
  private readonly versions = new Map<string, Version[]>();
  /** Every event above the compacted revision, in revision order. */
  private events: WatchEvent[] = [];
  private readonly hub = new WatchHub({
    currentRevision: () => this.revision,
    readEvents: (prefix, after, upTo, limit) => this.readEvents(prefix, after, upTo, limit),
  });

  async get(key: string): Promise<KeyValue | undefined> {
    this.checkOpen();
    return live(this.latest(key));
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.checkOpen();
    checkRevision('revision', options.revision);
    checkRevision('limit', options.limit);
    const revision = options.revision || this.revision;
    if (revision < this.compacted) throw compactedError();
    if (revision > this.revision) throw futureRevisionError();
    const after = options.startAfter;
    const keys = [...this.versions.keys()]
      .filter((k) => k.startsWith(prefix) && (after === undefined || compareKeys(k, after) > 0))
      .sort(compareKeys);
    const all: KeyValue[] = [];
    for (const key of keys) {
      const kv = live(versionAt(this.versions.get(key) as Version[], revision));
      if (kv) all.push(kv);
    }
    const items = options.limit ? all.slice(0, options.limit) : all;
    return { items, revision, remaining: all.length - items.length };
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.checkOpen();
    checkKey(key);
    const current = live(this.latest(key));
    if (current) throw keyExistsError(key, current);
    const revision = this.revision + 1;
    return this.commit({ type: 'put', created: true, kv: { key, value, createRevision: revision, modRevision: revision } });
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    this.checkOpen();
    checkKey(key);
    const prevKv = this.current(key, expectedRevision);
    const kv = { key, value, createRevision: prevKv.createRevision, modRevision: this.revision + 1 };
    return this.commit({ type: 'put', created: false, kv, prevKv });
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    this.checkOpen();
    checkKey(key);
    const prevKv = this.current(key, expectedRevision);
    const kv = { ...prevKv, modRevision: this.revision + 1 };
    return this.commit({ type: 'delete', created: false, kv, prevKv });
  }

  watch(prefix: string, options: WatchOptions): Watcher {
    return this.hub.watch(prefix, options);
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    checkRevision('revision', revision);
    if (revision <= this.compacted) throw compactedError();
    if (revision > this.revision) throw futureRevisionError();
    for (const [key, versions] of this.versions) {
      const kept = compactVersions(versions, revision);
      if (kept.length === 0) this.versions.delete(key);
      else this.versions.set(key, kept);
    }
    this.events = this.events.filter((e) => e.kv.modRevision > revision);
    this.compacted = revision;
  }

  async currentRevision(): Promise<number> {
    this.checkOpen();
    return this.revision;
  }

  async compactedRevision(): Promise<number> {
    this.checkOpen();
    return this.compacted;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.close();
  }

  stats(): MemoryStoreStats {
    return { revision: this.revision, compactedRevision: this.compacted, keys: this.versions.size, watchers: this.hub.size };
  }

  private checkOpen(): void {
    if (this.closed) throw closedError();
  }

  private latest(key: string): Version | undefined {
    const versions = this.versions.get(key);
    return versions?.[versions.length - 1];
  }

  /** The live value of key, checked against expectedRevision when one is given. */
  private current(key: string, expectedRevision?: number): KeyValue {
    const current = live(this.latest(key));
    if (!current) throw notFoundError(key);
    if (expectedRevision !== undefined && current.modRevision !== expectedRevision) {
      throw conflictError(key, expectedRevision, current);
    }
    return current;
  }

  private commit(event: WatchEvent): KeyValue {
    // Frozen: callers and watchers share these objects with the history.
    Object.freeze(event.kv);
    Object.freeze(event);
    this.revision = event.kv.modRevision;
    const versions = this.versions.get(event.kv.key) ?? [];
    versions.push({ kv: event.kv, deleted: event.type === 'delete' });
    this.versions.set(event.kv.key, versions);
    this.events.push(event);
    this.hub.publish(event);
    return event.kv;
  }

  private readEvents(prefix: string, after: number, upTo: number, limit: number): WatchEvent[] {
    if (after < this.compacted) throw compactedError();
    const out: WatchEvent[] = [];
    for (let i = firstAfter(this.events, after); i < this.events.length && out.length < limit; i++) {
      const event = this.events[i];
      if (event.kv.modRevision > upTo) break;
      if (event.kv.key.startsWith(prefix)) out.push(event);
    }
    return out;
  }
}

function live(version: Version | undefined): KeyValue | undefined {
  return version && !version.deleted ? version.kv : undefined;
}

function versionAt(versions: Version[], revision: number): Version | undefined {
  for (let i = versions.length - 1; i >= 0; i--) {
    if (versions[i].kv.modRevision <= revision) return versions[i];
  }
  return undefined;
}

/** Drops what no read at or after revision can see: versions superseded by then, and tombstones. */
function compactVersions(versions: Version[], revision: number): Version[] {
  let newestKept = -1;
  for (let i = 0; i < versions.length && versions[i].kv.modRevision <= revision; i++) newestKept = i;
  if (newestKept < 0) return versions;
  const from = versions[newestKept].deleted ? newestKept + 1 : newestKept;
  return versions.slice(from);
}

/** Index of the first event with a revision above `after` (binary search). */
function firstAfter(events: WatchEvent[], after: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid].kv.modRevision <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
