// The revisioned key-value store contract every backend implements (SQLite, memory, etcd).
//
// Every successful write gets a new, strictly increasing, store-wide revision; that revision is
// the resourceVersion clients see. Keys are strings such as "/registry/services/default/web",
// values are opaque strings (the API server stores JSON).

export interface KeyValue {
  key: string;
  value: string;
  /** Revision of the write that created this key (since its last deletion). */
  createRevision: number;
  /** Revision of the last write to this key. */
  modRevision: number;
}

export type WatchEventType = 'put' | 'delete';

export interface WatchEvent {
  type: WatchEventType;
  /** For a put, the new value; for a delete, the deleted value with modRevision = the delete's revision. */
  kv: KeyValue;
  /** The value before this event, when there was one. */
  prevKv?: KeyValue;
  /** true when this put created the key. */
  created: boolean;
}

export interface ListOptions {
  /** Read as of this revision (0 or undefined: latest). Older than the compacted revision: StoreError Compacted. */
  revision?: number;
  /** At most this many items (0 or undefined: all). */
  limit?: number;
  /** Only keys strictly greater than this one (for continue tokens). */
  startAfter?: string;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list reflects. */
  revision: number;
  /** How many keys under the prefix follow the last returned one. */
  remaining: number;
}

export interface Watcher {
  /** Stops delivery; idempotent. */
  stop(): void;
}

export interface WatchOptions {
  /** Deliver every event with revision > fromRevision. Older than the compacted revision: StoreError Compacted. */
  fromRevision: number;
  onEvent(event: WatchEvent): void;
  /** Called once if the watch ends for a reason other than stop() (backend closed or failed). */
  onError?(err: Error): void;
}

export type StoreErrorCode = 'KeyExists' | 'NotFound' | 'Conflict' | 'Compacted' | 'FutureRevision' | 'Closed';

export class StoreError extends Error {
  constructor(readonly code: StoreErrorCode, message: string, readonly current?: KeyValue) {
    super(message);
    this.name = 'StoreError';
  }
}

export function isStoreError(err: unknown, code?: StoreErrorCode): err is StoreError {
  return err instanceof StoreError && (code === undefined || err.code === code);
}

export interface Store {
  /** The latest value of key, or undefined. */
  get(key: string): Promise<KeyValue | undefined>;
  /** Keys that start with prefix, in key order. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** Creates key; StoreError KeyExists when it is present. Returns the new KeyValue. */
  create(key: string, value: string): Promise<KeyValue>;
  /** Replaces key's value if its modRevision is expectedRevision; else StoreError Conflict (carrying the current value) or NotFound. */
  update(key: string, value: string, expectedRevision: number): Promise<KeyValue>;
  /** Deletes key, if expectedRevision is given only at that revision. Returns the deleted value with the delete's revision as modRevision. */
  delete(key: string, expectedRevision?: number): Promise<KeyValue>;
  /** Streams changes under prefix. Events arrive in revision order, each exactly once. */
  watch(prefix: string, options: WatchOptions): Watcher;
  /** Forgets history up to and including revision (the latest value of every live key is kept). */
  compact(revision: number): Promise<void>;
  /** The revision of the latest write. */
  currentRevision(): Promise<number>;
  /** The oldest revision still readable (0 when nothing was compacted). */
  compactedRevision(): Promise<number>;
  /** Releases the backend. Watches end. */
  close(): Promise<void>;
}
