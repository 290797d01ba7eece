// The contract suite every Store backend runs (memory.test.ts, sqlite.test.ts, and an etcd
// backend later). It assumes only what types.ts promises: revisions grow strictly but not
// necessarily by one, the store may hold other keys (each test writes under its own random
// prefix), and watch events arrive asynchronously.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import fc from 'fast-check';
import { isStoreError, type KeyValue, type Store, type StoreErrorCode, type WatchEvent } from './types.js';

/** Upper bound on waiting for a watch, so a broken backend fails the test instead of hanging it. */
const WATCH_GIVE_UP_MS = 15_000;

export function runStoreSuite(name: string, open: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let p: string; // this test's key prefix

    beforeEach(async () => {
      store = await open();
      p = `/knit-suite/${randomUUID()}/`;
    });
    afterEach(async () => {
      await store.close();
    });

    it('create returns the new key at a new revision, and get reads it back', async () => {
      const before = await store.currentRevision();
      const kv = await store.create(`${p}a`, '{"v":1}');
      assert.equal(kv.key, `${p}a`);
      assert.equal(kv.value, '{"v":1}');
      assert.ok(kv.modRevision > before);
      assert.equal(kv.createRevision, kv.modRevision);
      assert.deepEqual(await store.get(`${p}a`), kv);
      assert.equal(await store.currentRevision(), kv.modRevision);
      assert.equal(await store.get(`${p}missing`), undefined);
    });

    it('create of an existing key fails with KeyExists and changes nothing', async () => {
      const kv = await store.create(`${p}a`, '1');
      await rejectsWith(store.create(`${p}a`, '2'), 'KeyExists');
      assert.deepEqual(await store.get(`${p}a`), kv);
      assert.equal(await store.currentRevision(), kv.modRevision);
    });

    it('update replaces the value only at the expected revision', async () => {
      const v1 = await store.create(`${p}a`, '1');
      const v2 = await store.update(`${p}a`, '2', v1.modRevision);
      assert.equal(v2.value, '2');
      assert.equal(v2.createRevision, v1.createRevision);
      assert.ok(v2.modRevision > v1.modRevision);

      const err = await rejectsWith(store.update(`${p}a`, '3', v1.modRevision), 'Conflict');
      assert.deepEqual(err.current, v2, 'a Conflict carries the current value');
      assert.deepEqual(await store.get(`${p}a`), v2);
    });

    it('update and delete of a missing or deleted key fail with NotFound', async () => {
      await rejectsWith(store.update(`${p}none`, 'x', 1), 'NotFound');
      await rejectsWith(store.delete(`${p}none`), 'NotFound');
      const kv = await store.create(`${p}a`, '1');
      await store.delete(`${p}a`);
      await rejectsWith(store.update(`${p}a`, '2', kv.modRevision), 'NotFound');
      await rejectsWith(store.delete(`${p}a`), 'NotFound');
    });

    it('delete returns the deleted value at the delete revision, checking expectedRevision when given', async () => {
      const v1 = await store.create(`${p}a`, '1');
      const v2 = await store.update(`${p}a`, '2', v1.modRevision);
      const err = await rejectsWith(store.delete(`${p}a`, v1.modRevision), 'Conflict');
      assert.deepEqual(err.current, v2);
      const deleted = await store.delete(`${p}a`, v2.modRevision);
      assert.equal(deleted.value, '2');
      assert.equal(deleted.createRevision, v1.createRevision);
      assert.ok(deleted.modRevision > v2.modRevision);
      assert.equal(await store.currentRevision(), deleted.modRevision);
      assert.equal(await store.get(`${p}a`), undefined);

      const again = await store.create(`${p}a`, '3');
      assert.equal(again.createRevision, again.modRevision, 'a key created again starts a new life');
      assert.ok(again.modRevision > deleted.modRevision);
      await store.delete(`${p}a`); // without expectedRevision: unconditional
      assert.equal(await store.get(`${p}a`), undefined);
    });

    it('every write gets a new, strictly increasing revision', async () => {
      const revisions: number[] = [];
      const a = await store.create(`${p}a`, '1');
      revisions.push(a.modRevision);
      revisions.push((await store.create(`${p}b`, '1')).modRevision);
      revisions.push((await store.update(`${p}a`, '2', a.modRevision)).modRevision);
      revisions.push((await store.delete(`${p}b`)).modRevision);
      for (let i = 1; i < revisions.length; i++) assert.ok(revisions[i] > revisions[i - 1], `${revisions}`);
      assert.equal(await store.currentRevision(), revisions[revisions.length - 1]);
    });

    it('bad input is refused with an error, not stored', async () => {
      await assert.rejects(store.create('', 'x'));
      await assert.rejects(store.list(p, { limit: -1 }));
      await assert.rejects(store.list(p, { revision: 1.5 }));
      assert.ok(await watchError(store, p, -1), 'a watch from a negative revision is refused, at once or through onError');
    });

    it('list returns the keys under a prefix, in key order, and respects prefix boundaries', async () => {
      for (const k of ['a/bc', 'a/b/y', 'a/b', 'b', 'a/b/x', 'a/a']) await store.create(`${p}${k}`, k);
      const last = await store.currentRevision();
      const under = await store.list(`${p}a/b/`);
      assert.deepEqual(keys(under.items, p), ['a/b/x', 'a/b/y']);
      assert.equal(under.remaining, 0);
      assert.ok(under.revision >= last);
      assert.deepEqual(keys((await store.list(`${p}a/b`)).items, p), ['a/b', 'a/b/x', 'a/b/y', 'a/bc']);
      assert.deepEqual(keys((await store.list(p)).items, p), ['a/a', 'a/b', 'a/b/x', 'a/b/y', 'a/bc', 'b']);
      assert.deepEqual((await store.list(`${p}zzz/`)).items, []);
      const item = (await store.list(`${p}b`)).items[0];
      assert.deepEqual(item, await store.get(`${p}b`), 'list items carry the same fields as get');
    });

    it('orders keys by their UTF-8 bytes and bounds prefixes by code point', async () => {
      for (const k of ['\u{1F600}', 'z', '\uFFFF', '\uFFFF/x', 'é']) await store.create(`${p}${k}`, k);
      assert.deepEqual(keys((await store.list(p)).items, p), ['z', 'é', '\uFFFF', '\uFFFF/x', '\u{1F600}']);
      assert.deepEqual(keys((await store.list(`${p}\uFFFF`)).items, p), ['\uFFFF', '\uFFFF/x']);
      assert.deepEqual(keys((await store.list(p, { startAfter: `${p}\uFFFF/x` })).items, p), ['\u{1F600}']);
    });

    it('list at an older revision shows the keys as they were then', async () => {
      const a1 = await store.create(`${p}a`, 'a1');
      const b1 = await store.create(`${p}b`, 'b1');
      const then = b1.modRevision;
      const a2 = await store.update(`${p}a`, 'a2', a1.modRevision);
      await store.delete(`${p}b`);
      const c1 = await store.create(`${p}c`, 'c1');

      const old = await store.list(p, { revision: then });
      assert.equal(old.revision, then);
      assert.deepEqual(old.items, [a1, b1]);
      assert.deepEqual((await store.list(p)).items, [a2, c1]);
      assert.deepEqual((await store.list(p, { revision: a1.modRevision })).items, [a1]);
      await rejectsWith(store.list(p, { revision: (await store.currentRevision()) + 1000 }), 'FutureRevision');
    });

    it('limit and startAfter page through a prefix with the count remaining, at one revision', async () => {
      const names = Array.from({ length: 10 }, (_, i) => `k${String(i).padStart(2, '0')}`);
      for (const n of names) await store.create(`${p}${n}`, n);
      const page1 = await store.list(p, { limit: 4 });
      assert.deepEqual(keys(page1.items, p), names.slice(0, 4));
      assert.equal(page1.remaining, 6);

      // Writes between pages do not show in pages read at the first page's revision.
      await store.delete(`${p}k05`);
      await store.create(`${p}k045`, 'new');
      const startAfter = page1.items[3].key;
      const page2 = await store.list(p, { limit: 4, startAfter, revision: page1.revision });
      assert.deepEqual(keys(page2.items, p), names.slice(4, 8));
      assert.equal(page2.remaining, 2);
      const page3 = await store.list(p, { limit: 4, startAfter: page2.items[3].key, revision: page1.revision });
      assert.deepEqual(keys(page3.items, p), names.slice(8));
      assert.equal(page3.remaining, 0);

      const latest = await store.list(p, { limit: 3, startAfter });
      assert.deepEqual(keys(latest.items, p), ['k04', 'k045', 'k06']);
      assert.equal(latest.remaining, 3);
      assert.equal((await store.list(p, { limit: 100 })).remaining, 0);
    });

    it('watch from the present delivers puts and deletes with their previous values, only under its prefix', async () => {
      const w = watchEvents(store, `${p}w/`, await store.currentRevision());
      try {
        const c = await store.create(`${p}w/a`, '1');
        await store.create(`${p}other`, 'x');
        const u = await store.update(`${p}w/a`, '2', c.modRevision);
        const d = await store.delete(`${p}w/a`);
        const again = await store.create(`${p}w/a`, '3');
        const events = await w.next(4);
        const expected: WatchEvent[] = [
          { type: 'put', created: true, kv: c },
          { type: 'put', created: false, kv: u, prevKv: c },
          { type: 'delete', created: false, kv: d, prevKv: u },
          { type: 'put', created: true, kv: again },
        ];
        assert.deepEqual(events, expected);
        await w.expectNothingBefore(`${p}w/zz-sentinel`);
      } finally {
        w.stop();
      }
    });

    it('watch from a past revision replays history, then continues live, each event once', async () => {
      const a = await store.create(`${p}a`, '1');
      const b = await store.create(`${p}b`, '1');
      const a2 = await store.update(`${p}a`, '2', a.modRevision);
      const w = watchEvents(store, p, a.modRevision);
      try {
        const c = await store.create(`${p}c`, '1');
        const events = await w.next(3);
        assert.deepEqual(events.map((e) => e.kv), [b, a2, c]);
        await w.expectNothingBefore(`${p}zz-sentinel`);
      } finally {
        w.stop();
      }
    });

    it('watches started while writes are in flight see every later event exactly once, in order', async () => {
      const start = await store.currentRevision();
      const written: number[] = [];
      const watches: { from: number; w: ReturnType<typeof watchEvents> }[] = [];
      const writer = (async () => {
        for (let i = 0; i < 150; i++) {
          const key = `${p}k${i % 7}`;
          const current = await store.get(key);
          const kv = current ? await store.update(key, String(i), current.modRevision) : await store.create(key, String(i));
          written.push(kv.modRevision);
          if (i % 30 === 10) {
            // From the start, from just now, and from a moment ago.
            for (const from of [start, kv.modRevision, written[Math.floor(written.length / 2)]]) {
              watches.push({ from, w: watchEvents(store, p, from) });
            }
          }
        }
      })();
      try {
        await writer;
        // One sentinel after all writes: it must come right after each watch's expected events.
        const sentinel = await store.create(`${p}zz-sentinel`, 's');
        for (const { from, w } of watches) {
          const expected = [...written.filter((r) => r > from), sentinel.modRevision];
          const events = await w.next(expected.length);
          assert.deepEqual(events.map((e) => e.kv.modRevision), expected, `watch from ${from}`);
        }
      } finally {
        for (const { w } of watches) w.stop();
      }
    });

    it('a watch replaying a long history while writes continue delivers both in order', async () => {
      const start = await store.currentRevision();
      const written: number[] = [];
      const write = async (i: number) => written.push((await store.create(`${p}k${i}`, String(i))).modRevision);
      for (let i = 0; i < 2500; i++) await write(i);
      const w = watchEvents(store, p, start);
      try {
        for (let i = 2500; i < 2550; i++) await write(i);
        assert.deepEqual((await w.next(written.length)).map((e) => e.kv.modRevision), written);
      } finally {
        w.stop();
      }
    });

    it('concurrent writes reach every watcher in revision order', async () => {
      const from = await store.currentRevision();
      const w1 = watchEvents(store, p, from);
      const w2 = watchEvents(store, `${p}even/`, from);
      try {
        const created = await Promise.all(
          Array.from({ length: 60 }, (_, i) => store.create(`${p}${i % 2 ? 'odd' : 'even'}/${i}`, String(i))),
        );
        const updated = await Promise.all(created.map((kv) => store.update(kv.key, `${kv.value}+`, kv.modRevision)));
        const all = [...created, ...updated].map((kv) => kv.modRevision).sort((x, y) => x - y);
        assert.equal(new Set(all).size, all.length, 'no two writes share a revision');
        assert.deepEqual((await w1.next(all.length)).map((e) => e.kv.modRevision), all);
        const even = [...created, ...updated].filter((kv) => kv.key.startsWith(`${p}even/`));
        assert.deepEqual((await w2.next(even.length)).map((e) => e.kv.modRevision), even.map((kv) => kv.modRevision).sort((x, y) => x - y));
      } finally {
        w1.stop();
        w2.stop();
      }
    });

    it('stop ends delivery to that watcher only', async () => {
      const from = await store.currentRevision();
      const stopped = watchEvents(store, p, from);
      const running = watchEvents(store, p, from);
      try {
        const a = await store.create(`${p}a`, '1');
        assert.deepEqual((await stopped.next(1)).map((e) => e.kv), [a]);
        stopped.stop();
        const b = await store.create(`${p}b`, '1');
        assert.deepEqual((await running.next(2)).map((e) => e.kv), [a, b]);
        assert.equal(stopped.received(), 0, 'no event after stop()');
      } finally {
        running.stop();
      }
    });

    it('compaction forgets history up to a revision but keeps the latest value of every live key', async () => {
      const a1 = await store.create(`${p}a`, 'a1');
      await store.create(`${p}b`, 'b1');
      const a2 = await store.update(`${p}a`, 'a2', a1.modRevision);
      const bGone = await store.delete(`${p}b`);
      const c1 = await store.create(`${p}c`, 'c1');
      const at = bGone.modRevision;
      await store.compact(at);

      assert.equal(await store.compactedRevision(), at);
      assert.deepEqual((await store.list(p, { revision: at })).items, [a2]);
      assert.deepEqual((await store.list(p)).items, [a2, c1]);
      assert.deepEqual(await store.get(`${p}a`), a2);
      await rejectsWith(store.list(p, { revision: at - 1 }), 'Compacted');
      await rejectsWith(store.compact(at), 'Compacted');
      await rejectsWith(store.compact((await store.currentRevision()) + 1000), 'FutureRevision');

      const failed = await watchError(store, p, at - 1);
      assert.ok(isStoreError(failed, 'Compacted'), `watch below the compacted revision: ${failed}`);
      const w = watchEvents(store, p, at);
      try {
        assert.deepEqual((await w.next(1)).map((e) => e.kv), [c1], 'history after the compacted revision stays');
      } finally {
        w.stop();
      }

      // Keys keep working across the compacted revision.
      const a3 = await store.update(`${p}a`, 'a3', a2.modRevision);
      assert.equal(a3.createRevision, a1.createRevision);
      const b2 = await store.create(`${p}b`, 'b2');
      assert.equal(b2.createRevision, b2.modRevision);
    });

    it('close ends every watch with Closed, and later calls fail with Closed', async () => {
      const failed = watchError(store, p, await store.currentRevision());
      await store.close();
      assert.ok(isStoreError(await failed, 'Closed'), 'the watch heard Closed');
      await rejectsWith(store.get(`${p}a`), 'Closed');
      await rejectsWith(store.create(`${p}a`, '1'), 'Closed');
      assert.ok(isStoreError(await watchError(store, p, 0), 'Closed'), 'a watch on a closed store fails');
    });

    it('matches a plain model under random writes: values, list at every revision, watch replay', async () => {
      const op = fc.record({
        kind: fc.constantFrom('create', 'update', 'delete', 'deleteIfAt'),
        key: fc.constantFrom('a', 'b', 'c', 'd/e'),
        stale: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
          const q = `${p}${randomUUID()}/`;
          const start = await store.currentRevision();
          const model = new Map<string, KeyValue>();
          const snapshots: { revision: number; items: KeyValue[] }[] = [];
          let i = 0;
          for (const { kind, key: k, stale } of ops) {
            const key = `${q}${k}`;
            const current = model.get(key);
            const expected = current ? current.modRevision - (stale ? 1 : 0) : 1;
            const value = String(i++);
            const outcome = await settle(() => {
              if (kind === 'create') return store.create(key, value);
              if (kind === 'update') return store.update(key, value, expected);
              return store.delete(key, kind === 'deleteIfAt' ? expected : undefined);
            });
            const want: StoreErrorCode | 'ok' =
              kind === 'create' ? (current ? 'KeyExists' : 'ok')
                : !current ? 'NotFound'
                  : stale && kind !== 'delete' ? 'Conflict' : 'ok';
            assert.equal(outcome.code, want, `${kind} ${k}`);
            if (outcome.kv) {
              if (kind === 'delete' || kind === 'deleteIfAt') model.delete(key);
              else model.set(key, outcome.kv);
              snapshots.push({ revision: outcome.kv.modRevision, items: [...model.values()].sort(byKey) });
            }
          }
          for (const { revision, items } of snapshots) {
            assert.deepEqual((await store.list(q, { revision })).items, items, `list at ${revision}`);
          }
          assert.deepEqual((await store.list(q)).items, [...model.values()].sort(byKey));
          const w = watchEvents(store, q, start);
          try {
            const events = await w.next(snapshots.length);
            assert.deepEqual(events.map((e) => e.kv.modRevision), snapshots.map((s) => s.revision));
          } finally {
            w.stop();
          }
        }),
        { numRuns: 20 },
      );
    });
  });
}

/** Collects a watch's events; next(n) waits for the next n of them. */
function watchEvents(store: Store, prefix: string, fromRevision: number) {
  const events: WatchEvent[] = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  let taken = 0;
  const watcher = store.watch(prefix, {
    fromRevision,
    onEvent: (e) => {
      events.push(e);
      wake?.();
    },
    onError: (err) => {
      failure = err;
      wake?.();
    },
  });

  async function next(n: number): Promise<WatchEvent[]> {
    const give = setTimeout(() => {
      failure ??= new Error(`watch on ${prefix} from ${fromRevision}: ${events.length - taken} of ${n} events after ${WATCH_GIVE_UP_MS} ms`);
      wake?.();
    }, WATCH_GIVE_UP_MS);
    try {
      while (events.length - taken < n) {
        if (failure) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      clearTimeout(give);
      wake = undefined;
    }
    const out = events.slice(taken, taken + n).map(normalize);
    taken += n;
    return out;
  }

  return {
    next,
    /** Writes a sentinel key under the prefix and checks it is the very next event: nothing was delivered twice. */
    async expectNothingBefore(sentinelKey: string): Promise<void> {
      const kv = await store.create(sentinelKey, 'sentinel');
      assert.deepEqual((await next(1))[0].kv, kv, 'the next event is the sentinel: no duplicates, nothing extra');
    },
    received: () => events.length - taken,
    stop: () => watcher.stop(),
  };
}

/** Resolves with the error a watch ends with, whether watch() throws it or reports it through onError. */
function watchError(store: Store, prefix: string, fromRevision: number): Promise<Error> {
  return new Promise((resolve, reject) => {
    const give = setTimeout(() => reject(new Error(`watch from ${fromRevision} did not fail`)), WATCH_GIVE_UP_MS);
    const done = (err: Error) => {
      clearTimeout(give);
      resolve(err);
    };
    try {
      store.watch(prefix, { fromRevision, onEvent: () => undefined, onError: done });
    } catch (err) {
      done(err as Error);
    }
  });
}

async function rejectsWith(promise: Promise<unknown>, code: StoreErrorCode) {
  try {
    await promise;
  } catch (err) {
    assert.ok(isStoreError(err, code), `expected StoreError ${code}, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected StoreError ${code}, but the call succeeded`);
}

async function settle(write: () => Promise<KeyValue>): Promise<{ code: StoreErrorCode | 'ok'; kv?: KeyValue }> {
  try {
    return { code: 'ok', kv: await write() };
  } catch (err) {
    if (isStoreError(err)) return { code: err.code };
    throw err;
  }
}

const keys = (items: KeyValue[], prefix: string) => items.map((kv) => kv.key.slice(prefix.length));
const byKey = (a: KeyValue, b: KeyValue) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Drops absent optional fields so events compare by value across backends. */
function normalize(e: WatchEvent): WatchEvent {
  return e.prevKv ? { type: e.type, created: e.created, kv: e.kv, prevKv: e.prevKv } : { type: e.type, created: e.created, kv: e.kv };
}
