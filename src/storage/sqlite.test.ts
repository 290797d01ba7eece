import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SqliteStore } from './sqlite.js';
import { runStoreSuite } from './store.case.js';
import type { WatchEvent } from './types.js';

let dir: string;
let files = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'knit-sqlite-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});
const nextFile = () => join(dir, `store-${++files}.db`);

runStoreSuite('SqliteStore', async () => new SqliteStore(nextFile()));
runStoreSuite('SqliteStore (synchronous full)', async () => new SqliteStore(nextFile(), { synchronous: 'full' }));

describe('SqliteStore on disk', () => {
  it('reopening continues from the latest revision, with values, history and the compacted revision intact', async () => {
    const file = nextFile();
    const first = new SqliteStore(file);
    const a = await first.create('/r/a', '{"n":1}');
    const a2 = await first.update('/r/a', '{"n":2}', a.modRevision);
    const b = await first.create('/r/b', '{"n":1}');
    const gone = await first.delete('/r/b');
    await first.compact(a2.modRevision);
    await first.close();

    const second = new SqliteStore(file);
    try {
      assert.equal(await second.currentRevision(), gone.modRevision);
      assert.equal(await second.compactedRevision(), a2.modRevision);
      assert.deepEqual(await second.get('/r/a'), a2);
      assert.deepEqual((await second.list('/r/', { revision: b.modRevision })).items, [a2, b]);
      const c = await second.create('/r/c', '{}');
      assert.ok(c.modRevision > gone.modRevision, 'revisions continue, never reused');

      // A watch from before the reopen replays what the first process wrote.
      const events: WatchEvent[] = [];
      await new Promise<void>((resolve, reject) => {
        const w = second.watch('/r/', {
          fromRevision: a2.modRevision,
          onEvent: (e) => {
            events.push(e);
            if (events.length === 3) {
              w.stop();
              resolve();
            }
          },
          onError: reject,
        });
      });
      assert.deepEqual(events.map((e) => [e.type, e.kv.key, e.kv.modRevision]), [
        ['put', '/r/b', b.modRevision],
        ['delete', '/r/b', gone.modRevision],
        ['put', '/r/c', c.modRevision],
      ]);
      assert.deepEqual(events[1].prevKv, b, 'the tombstone row carries the deleted value');
    } finally {
      await second.close();
    }
  });

  it('compaction shrinks the table to the live keys', async () => {
    const store = new SqliteStore(nextFile());
    try {
      let kv = await store.create('/c/a', '0');
      for (let i = 1; i < 50; i++) kv = await store.update('/c/a', String(i), kv.modRevision);
      await store.create('/c/b', 'x');
      await store.delete('/c/b');
      assert.equal(store.stats().rows, 52);
      await store.compact(await store.currentRevision());
      assert.equal(store.stats().rows, 1);
      assert.deepEqual(await store.get('/c/a'), kv);
    } finally {
      await store.close();
    }
  });

  it('a second opener of the same file is refused while the first has it open', async () => {
    const file = nextFile();
    const owner = new SqliteStore(file);
    try {
      assert.throws(() => new SqliteStore(file), /open in another process/);
    } finally {
      await owner.close();
    }
    const later = new SqliteStore(file); // free again once closed
    await later.close();
  });
});
