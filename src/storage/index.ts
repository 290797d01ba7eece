// The storage component: the Store contract and its backends.
export * from './types.js';
export { MemoryStore, type MemoryStoreStats } from './memory.js';
export { SqliteStore, type SqliteStoreOptions, type SqliteStoreStats } from './sqlite.js';
export { compactOnce, startCompactor, type Compactor, type CompactorOptions } from './compactor.js';
