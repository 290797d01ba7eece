// The StoreErrors every backend raises, worded as etcd words them where etcd has the case.
import { StoreError, type KeyValue } from './types.js';

export const compactedError = (): StoreError =>
  new StoreError('Compacted', 'mvcc: required revision has been compacted');

export const futureRevisionError = (): StoreError =>
  new StoreError('FutureRevision', 'mvcc: required revision is a future revision');

export const closedError = (): StoreError => new StoreError('Closed', 'store is closed');

export const keyExistsError = (key: string, current?: KeyValue): StoreError =>
  new StoreError('KeyExists', `key "${key}" already exists`, current);

export const notFoundError = (key: string): StoreError => new StoreError('NotFound', `key "${key}" not found`);

export const conflictError = (key: string, expectedRevision: number, current: KeyValue): StoreError =>
  new StoreError(
    'Conflict',
    `key "${key}" was modified: its revision is ${current.modRevision}, not the expected ${expectedRevision}`,
    current,
  );

/** Rejects keys no backend can store: etcd refuses an empty key with this message. */
export function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new Error('etcdserver: key is not provided');
}

/** Rejects revisions that are not whole numbers >= 0. */
export function checkRevision(name: string, revision: number | undefined): void {
  if (revision !== undefined && !(Number.isSafeInteger(revision) && revision >= 0)) {
    throw new Error(`${name} must be a whole number >= 0, got ${String(revision)}`);
  }
}
