// The default Store: one kine-style SQLite table in WAL mode, where every write is a new row
// whose autoincrement id is the store-wide revision.
//
// A row says what happened to one key at one revision: created (the first put since the key last
// did not exist), deleted (a tombstone carrying the deleted value), or neither (an update). Each
// row also keeps the value it replaced (old_value) and the revision of the row before it
// (prev_revision), so a row alone is a complete watch event even after compaction has removed
// its predecessor. unique (name, prev_revision) makes two writers that read the same latest row
// collide instead of both succeeding.
//
// One process owns the file (SQLite's exclusive locking mode: a second opener gets an error):
// writes and watch fan-out happen in this process, synchronously inside each call, so revision
// order is commit order and the unique index is a safety net, never a code path. A write's
// promise resolves after its transaction has committed to the WAL, which a kill -9 of the process
// cannot undo; the next open recovers every committed transaction and none in part.
import Database from 'better-sqlite3';
import {
  checkKey, checkRevision, closedError, compactedError, conflictError, futureRevisionError, keyExistsError,
  notFoundError,
} from './errors.js';
import { prefixEnd } from './key-range.js';
import type { KeyValue, ListOptions, ListResult, Store, WatchEvent, WatchOptions, Watcher } from './types.js';
import { WatchHub } from './watch-hub.js';

export interface SqliteStoreOptions {
  /**
   * 'normal' (default): an acknowledged write survives any crash of the process, kill -9
   * included. 'full': it also survives an OS crash or power loss, at one fsync per write.
   */
  synchronous?: 'normal' | 'full';
}

export interface SqliteStoreStats {
  revision: number;
  compactedRevision: number;
  /** Rows in the table: live keys plus history not yet compacted. */
  rows: number;
  /** Size of the database file (without its WAL). */
  fileBytes: number;
  watchers: number;
}

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kine (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL, -- 0 on created rows: their own id is the create revision
  prev_revision INTEGER NOT NULL,   -- id of the key's previous row, 0 if none
  value TEXT NOT NULL,
  old_value TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS kine_name_prev_revision_uindex ON kine (name, prev_revision);
CREATE INDEX IF NOT EXISTS kine_name_id_deleted_index ON kine (name, id, deleted);
CREATE TABLE IF NOT EXISTS knit_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

const ROW = 'id, name, created, deleted, create_revision, prev_revision, value, old_value';

// Keys under a prefix are name >= @lo AND name < @hi. With no upper bound @hi is a BLOB, which
// SQLite orders after every TEXT value, so one statement serves both cases and keeps the index.
const NO_UPPER_BOUND = Buffer.from([0xff]);

// Keys under the prefix, after @after, as of revision @rev. Grouped by name, SQLite fills the bare
// columns from the row with MAX(id): the key's newest row then, dropped when it is a tombstone.
const RANGE = 'name >= @lo AND name < @hi AND name > @after AND id <= @rev';
const LIST = `SELECT MAX(id) AS id, name, created, deleted, create_revision, value FROM kine
  WHERE ${RANGE} GROUP BY name HAVING deleted = 0 ORDER BY name LIMIT @limit`;
// The same count from the (name, id, deleted) index alone, never touching values.
const COUNT = `SELECT COUNT(*) FROM (SELECT MAX(id), deleted FROM kine WHERE ${RANGE} GROUP BY name HAVING deleted = 0)`;

interface Row {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: string;
  old_value: string | null;
}

type ListRow = Pick<Row, 'id' | 'name' | 'created' | 'create_revision' | 'value'>;

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly stmt: ReturnType<typeof prepareStatements>;
  private readonly hub: WatchHub;
  private readonly insertTx: (nextRow: () => Omit<Row, 'id'>) => Row;
  private revision: number;
  private compacted: number;
  private closed = false;

  /** Opens (or creates) the store at path; an existing file continues from its latest revision. */
  constructor(readonly path: string, options: SqliteStoreOptions = {}) {
    // The owner holds the lock for its lifetime: waiting long for it only delays the error.
    this.db = new Database(path, { timeout: 1000 });
    try {
      this.db.pragma('locking_mode = EXCLUSIVE'); // before WAL: no shared-memory file either
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      const version = this.db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new Error(`${path}: schema version ${version} is newer than this knit understands (${SCHEMA_VERSION})`);
      }
      this.db.exec(SCHEMA);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
      this.stmt = prepareStatements(this.db);
      this.insertTx = this.db.transaction((nextRow: () => Omit<Row, 'id'>): Row => {
        const next = nextRow();
        return { ...next, id: this.stmt.insert.get(next) as number };
      });
      this.revision = (this.stmt.sequence.get() as number | undefined) ?? 0;
      this.compacted = (this.stmt.getMeta.get('compacted_revision') as number | undefined) ?? 0;
    } catch (err) {
      this.db.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY') {
        throw new Error(`${path}: the store is open in another process (${(err as Error).message})`);
      }
      throw err;
    }
    this.hub = new WatchHub({
      currentRevision: () => this.revision,
      readEvents: (prefix, after, upTo, limit) => this.readEvents(prefix, after, upTo, limit),
    });
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.checkOpen();
    const row = this.latest(key);
    return row && !row.deleted ? toKeyValue(row) : undefined;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.checkOpen();
    checkRevision('revision', options.revision);
    checkRevision('limit', options.limit);
    const revision = options.revision || this.revision;
    if (revision < this.compacted) throw compactedError();
    if (revision > this.revision) throw futureRevisionError();
    const range = { lo: prefix, hi: prefixEnd(prefix) ?? NO_UPPER_BOUND, after: options.startAfter ?? '', rev: revision };
    const rows = this.stmt.list.all({ ...range, limit: options.limit || -1 }) as ListRow[];
    const items = rows.map(toKeyValue);
    let remaining = 0;
    if (options.limit && items.length === options.limit) {
      remaining = this.stmt.count.get({ ...range, after: items[items.length - 1].key }) as number;
    }
    return { items, revision, remaining };
  }

  async create(key: string, value: string): Promise<KeyValue> {
    this.checkOpen();
    checkKey(key);
    return this.write(() => {
      const latest = this.latest(key);
      if (latest && !latest.deleted) throw keyExistsError(key, toKeyValue(latest));
      return { name: key, created: 1, deleted: 0, create_revision: 0, prev_revision: latest?.id ?? 0, value, old_value: null };
    });
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    this.checkOpen();
    checkKey(key);
    return this.write(() => {
      const prev = this.current(key, expectedRevision);
      return { ...successor(prev), deleted: 0, value };
    });
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    this.checkOpen();
    checkKey(key);
    return this.write(() => {
      const prev = this.current(key, expectedRevision);
      return { ...successor(prev), deleted: 1, value: prev.value };
    });
  }

  watch(prefix: string, options: WatchOptions): Watcher {
    return this.hub.watch(prefix, options);
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    checkRevision('revision', revision);
    if (revision <= this.compacted) throw compactedError();
    if (revision > this.revision) throw futureRevisionError();
    // Every superseded row is the prev_revision of a later row, and rows at or below the last
    // compaction are already minimal: only rows in (compacted, revision] need looking at.
    this.db.transaction(() => {
      const range = { from: this.compacted, to: revision };
      this.stmt.deleteSuperseded.run(range);
      this.stmt.deleteTombstones.run(range);
      this.stmt.setMeta.run('compacted_revision', revision);
    })();
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
    this.db.close();
  }

  stats(): SqliteStoreStats {
    this.checkOpen();
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    return {
      revision: this.revision,
      compactedRevision: this.compacted,
      rows: this.stmt.rowCount.get() as number,
      fileBytes: pages * pageSize,
      watchers: this.hub.size,
    };
  }

  private checkOpen(): void {
    if (this.closed) throw closedError();
  }

  private latest(key: string): Row | undefined {
    return this.stmt.latest.get(key) as Row | undefined;
  }

  /** The live row of key, checked against expectedRevision when one is given. */
  private current(key: string, expectedRevision?: number): Row {
    const row = this.latest(key);
    if (!row || row.deleted) throw notFoundError(key);
    if (expectedRevision !== undefined && row.id !== expectedRevision) {
      throw conflictError(key, expectedRevision, toKeyValue(row));
    }
    return row;
  }

  /** Runs check-then-insert as one transaction, then hands the event to the watches. */
  private write(nextRow: () => Omit<Row, 'id'>): KeyValue {
    const row = this.insertTx(nextRow);
    this.revision = row.id;
    const event = toEvent(row);
    this.hub.publish(event);
    return event.kv;
  }

  private readEvents(prefix: string, after: number, upTo: number, limit: number): WatchEvent[] {
    if (after < this.compacted) throw compactedError();
    const rows = this.stmt.events.all({ lo: prefix, hi: prefixEnd(prefix) ?? NO_UPPER_BOUND, after, upTo, limit }) as Row[];
    return rows.map(toEvent);
  }
}

function prepareStatements(db: Database.Database) {
  return {
    sequence: db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'kine'`).pluck(),
    getMeta: db.prepare('SELECT value FROM knit_meta WHERE key = ?').pluck(),
    setMeta: db.prepare('INSERT INTO knit_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    latest: db.prepare(`SELECT ${ROW} FROM kine WHERE name = ? ORDER BY id DESC LIMIT 1`),
    insert: db.prepare(`INSERT INTO kine (name, created, deleted, create_revision, prev_revision, value, old_value)
      VALUES (@name, @created, @deleted, @create_revision, @prev_revision, @value, @old_value) RETURNING id`).pluck(),
    list: db.prepare(LIST),
    count: db.prepare(COUNT).pluck(),
    events: db.prepare(`SELECT ${ROW} FROM kine WHERE id > @after AND id <= @upTo AND name >= @lo AND name < @hi ORDER BY id LIMIT @limit`),
    deleteSuperseded: db.prepare(`DELETE FROM kine WHERE id IN
      (SELECT prev_revision FROM kine WHERE id > @from AND id <= @to AND prev_revision != 0)`),
    deleteTombstones: db.prepare('DELETE FROM kine WHERE id > @from AND id <= @to AND deleted = 1'),
    rowCount: db.prepare('SELECT COUNT(*) FROM kine').pluck(),
  };
}

/** The fields of the row that follows prev for the same key. */
function successor(prev: Row): Pick<Row, 'name' | 'created' | 'create_revision' | 'prev_revision' | 'old_value'> {
  return {
    name: prev.name,
    created: 0,
    create_revision: prev.created ? prev.id : prev.create_revision,
    prev_revision: prev.id,
    old_value: prev.value,
  };
}

function toKeyValue(row: ListRow): KeyValue {
  return { key: row.name, value: row.value, createRevision: row.created ? row.id : row.create_revision, modRevision: row.id };
}

function toEvent(row: Row): WatchEvent {
  const kv = toKeyValue(row);
  if (row.created) return { type: 'put', created: true, kv };
  const prevKv: KeyValue = { key: row.name, value: row.old_value ?? '', createRevision: kv.createRevision, modRevision: row.prev_revision };
  return { type: row.deleted ? 'delete' : 'put', created: false, kv, prevKv };
}
