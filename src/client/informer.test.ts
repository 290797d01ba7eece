// Informers against knit's real API server (memory store, HTTPS on loopback), through a proxy
// that ends, holds or refuses watches: handlers hear of every change once and in order, a watch
// the server ends resumes where it was, 410 Gone relists and tells handlers the difference, and
// stop() leaves nothing open.

import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient } from './client.js';
import { Informer, type InformerOptions } from './informer.js';
import { R } from './resources.js';
import { sleep, startTestApiServer, until, within, type FaultProxy, type TestApiServer } from './testing.js';
import type { ConfigMap } from '../kube/types.js';

let api: TestApiServer;
let admin: ApiClient;

before(async () => {
  api = await startTestApiServer();
  admin = new ApiClient(api.config());
});

after(async () => {
  admin?.close();
  await api?.close();
});

let namespaces = 0;

/** A namespace of its own for each test, holding config maps name=value. */
async function namespaceWith(objects: Record<string, string>): Promise<string> {
  const ns = `informer-${++namespaces}`;
  await admin.create(R.namespaces, undefined, { metadata: { name: ns } });
  for (const [name, v] of Object.entries(objects)) await admin.create(R.configmaps, ns, { metadata: { name }, data: { v } });
  return ns;
}

async function setValue(ns: string, name: string, v: string): Promise<void> {
  const cm = await admin.get<ConfigMap>(R.configmaps, ns, name);
  await admin.update(R.configmaps, { ...cm, data: { v } });
}

interface Watched {
  proxy: FaultProxy;
  informer: Informer<ConfigMap>;
  /** What the handler heard: "add a=1", "update a=1->2", "delete b". */
  events: string[];
  log: string[];
}

/** An informer on the namespace's config maps through a fresh proxy, stopped when the test ends. */
async function informerFor(t: TestContext, ns: string, o: InformerOptions = {}): Promise<Watched> {
  const proxy = await api.proxy();
  const client = new ApiClient(api.config(proxy.url));
  const log: string[] = [];
  const informer = new Informer<ConfigMap>(client, R.configmaps, { namespace: ns, log: (l) => log.push(l), ...o });
  t.after(async () => {
    await informer.stop();
    client.close();
    await proxy.close();
  });
  return { proxy, informer, events: record(informer), log };
}

function record(informer: Informer<ConfigMap>): string[] {
  const events: string[] = [];
  informer.addHandler({
    add: (o) => events.push(`add ${o.metadata.name}=${o.data?.v}`),
    update: (old, o) => events.push(`update ${o.metadata.name}=${old.data?.v}->${o.data?.v}`),
    delete: (o) => events.push(`delete ${o.metadata.name}`),
  });
  return events;
}

/** Starts the informer and waits for its first list and an open watch. */
async function started(w: Watched): Promise<void> {
  w.informer.start();
  await within('the first list', 5000, w.informer.waitForSync());
  await until('the watch to open', () => w.proxy.openWatchCount() === 1);
}

/** Ends the informer's watch and holds the one it opens next, so that changes made meanwhile reach it only when released. */
async function cutWatch(w: Watched): Promise<void> {
  w.proxy.hold('watch');
  assert.equal(w.proxy.endWatches(), 1);
  await until('the informer to watch again', () => w.proxy.heldCount('watch') === 1);
}

const watchRV = (url: string) => new URL(url, 'https://x').searchParams.get('resourceVersion');

test('an informer lists, then watches: handlers hear of every add, update and delete in order', async (t) => {
  const ns = await namespaceWith({ a: '1', b: '1' });
  const w = await informerFor(t, ns);
  assert.equal(w.informer.hasSynced(), false);
  let synced = false;
  const waiting = w.informer.waitForSync().then(() => (synced = true));
  await sleep(20);
  assert.equal(synced, false, 'not synced before start()');

  await started(w);
  await waiting;
  assert.equal(w.informer.hasSynced(), true);
  assert.deepEqual(w.events, ['add a=1', 'add b=1']);
  assert.equal(w.proxy.watches().length, 1);
  // Bookmarks come every 15 s: no event yet has moved the resourceVersion on.
  assert.equal(watchRV(w.proxy.watches()[0]), w.informer.lastResourceVersion, 'the watch starts where the list was');

  await admin.create(R.configmaps, ns, { metadata: { name: 'c' }, data: { v: '1' } });
  await setValue(ns, 'a', '2');
  await admin.delete(R.configmaps, ns, 'b');
  await admin.create(R.configmaps, ns, { metadata: { name: 'd' }, data: { v: '1' } });
  await setValue(ns, 'a', '3');
  await admin.delete(R.configmaps, ns, 'd');
  await until('six more events', () => w.events.length === 8);
  assert.deepEqual(w.events.slice(2), ['add c=1', 'update a=1->2', 'delete b', 'add d=1', 'update a=2->3', 'delete d']);
  assert.deepEqual(w.informer.list().map((o) => `${o.metadata.name}=${o.data?.v}`).sort(), ['a=3', 'c=1']);
  assert.equal(w.informer.get(ns, 'a')?.data?.v, '3');
  assert.equal(w.informer.getByKey(`${ns}/b`), undefined);

  // A handler added after the sync hears of everything cached, as adds.
  assert.deepEqual(record(w.informer).sort(), ['add a=3', 'add c=1']);
  assert.equal(w.proxy.lists().length, 1, 'no relist');
});

test('a handler that throws is logged and does not keep the others from hearing', async (t) => {
  const ns = await namespaceWith({ a: '1' });
  const w = await informerFor(t, ns);
  w.informer.addHandler({ add: () => { throw new Error('handler bug'); } });
  const after = record(w.informer);
  await started(w);
  await admin.create(R.configmaps, ns, { metadata: { name: 'b' }, data: { v: '1' } });
  await until('the add of b', () => after.length === 2);
  assert.deepEqual(after, ['add a=1', 'add b=1']);
  assert.equal(w.log.filter((l) => l.includes('handler failed') && l.includes('handler bug')).length, 2);
});

test('a watch the server ends is resumed from the last resourceVersion: nothing missed, no relist', async (t) => {
  const ns = await namespaceWith({ a: '1', b: '1' });
  const w = await informerFor(t, ns);
  await started(w);
  await setValue(ns, 'a', '2');
  await until('the update', () => w.events.length === 3);
  const seen = w.informer.lastResourceVersion;

  await cutWatch(w);
  await setValue(ns, 'a', '3');
  await admin.delete(R.configmaps, ns, 'b');
  await admin.create(R.configmaps, ns, { metadata: { name: 'c' }, data: { v: '1' } });
  w.proxy.release('watch');
  await until('three more events', () => w.events.length === 6);
  assert.deepEqual(w.events.slice(3), ['update a=2->3', 'delete b', 'add c=1']);
  assert.equal(watchRV(w.proxy.watches()[1]), seen);
  assert.equal(w.proxy.lists().length, 1);
});

test('410 Expired as a watch ERROR event (history compacted): the informer relists and tells handlers the difference', async (t) => {
  const ns = await namespaceWith({ a: '1', b: '1', same: '1' });
  const w = await informerFor(t, ns);
  await started(w);

  await cutWatch(w);
  await setValue(ns, 'a', '2');
  await admin.delete(R.configmaps, ns, 'b');
  await admin.create(R.configmaps, ns, { metadata: { name: 'c' }, data: { v: '1' } });
  await api.store.compact(await api.store.currentRevision());
  w.proxy.release('watch');

  await until('the relist', () => w.proxy.lists().length === 2 && w.events.length === 6);
  await sleep(50);
  // Deletes first, then adds and updates; the unchanged object is not reported.
  assert.deepEqual(w.events.slice(3), ['delete b', 'update a=1->2', 'add c=1']);
  assert.deepEqual(w.informer.list().map((o) => `${o.metadata.name}=${o.data?.v}`).sort(), ['a=2', 'c=1', 'same=1']);
  assert.equal(w.log.length, 0, `a 410 is expected, not an error to log: ${w.log}`);

  // It watches again from the new list.
  await until('a new watch', () => w.proxy.openWatchCount() === 1);
  await admin.create(R.configmaps, ns, { metadata: { name: 'd' }, data: { v: '1' } });
  await until('the add of d', () => w.events.includes('add d=1'));
});

test('an HTTP 410 Gone answer to a watch: the informer relists and tells handlers the difference', async (t) => {
  const ns = await namespaceWith({ a: '1', b: '1' });
  const w = await informerFor(t, ns);
  await started(w);

  await cutWatch(w);
  await setValue(ns, 'a', '2');
  await admin.delete(R.configmaps, ns, 'b');
  await admin.create(R.configmaps, ns, { metadata: { name: 'c' }, data: { v: '1' } });
  w.proxy.failNext('watch', 410, 'Gone', 'too old resource version');
  w.proxy.release('watch');

  await until('the relist', () => w.proxy.lists().length === 2 && w.events.length === 5);
  await sleep(50);
  assert.deepEqual(w.events.slice(2), ['delete b', 'update a=1->2', 'add c=1']);
  await until('a new watch', () => w.proxy.openWatchCount() === 1);
  await setValue(ns, 'c', '2');
  await until('the update of c', () => w.events.includes('update c=1->2'));
});

test('a watch refused with another error is retried after a pause, from where it was, without a relist', async (t) => {
  const ns = await namespaceWith({ a: '1' });
  const w = await informerFor(t, ns);
  await started(w);
  const seen = w.informer.lastResourceVersion;

  await cutWatch(w);
  await setValue(ns, 'a', '2');
  w.proxy.failNext('watch', 500, 'InternalError', 'try later');
  w.proxy.release('watch');
  await until('the update', () => w.events.length === 2);
  assert.deepEqual(w.events, ['add a=1', 'update a=1->2']);
  assert.equal(w.proxy.lists().length, 1);
  assert.deepEqual(w.proxy.watches().slice(1).map(watchRV), [seen, seen]);
  assert.match(w.log.join('\n'), /informer configmaps: try later; retrying in 200ms/);
});

test('a list in pages (pageSize) reads every page', async (t) => {
  const ns = await namespaceWith({ a: '1', b: '1', c: '1', d: '1', e: '1' });
  const w = await informerFor(t, ns, { pageSize: 2 });
  await started(w);
  assert.deepEqual(w.events, ['add a=1', 'add b=1', 'add c=1', 'add d=1', 'add e=1']);
  const lists = w.proxy.lists().map((u) => new URL(u, 'https://x').searchParams);
  assert.deepEqual(lists.map((q) => [q.get('limit'), q.has('continue')]), [['2', false], ['2', true], ['2', true]]);
});

test('stop() ends the watch and returns at once; handlers hear nothing after it', async (t) => {
  const ns = await namespaceWith({ a: '1' });
  const w = await informerFor(t, ns);
  await started(w);
  await within('stop()', 2000, w.informer.stop());
  await until('the watch to close', () => w.proxy.openWatchCount() === 0);
  await admin.create(R.configmaps, ns, { metadata: { name: 'b' }, data: { v: '1' } });
  await sleep(100);
  assert.deepEqual(w.events, ['add a=1']);
});

test('stop() right after start() returns at once and opens no watch', async (t) => {
  const ns = await namespaceWith({ a: '1' });
  const w = await informerFor(t, ns);
  w.informer.start();
  await within('stop()', 2000, w.informer.stop());
  await sleep(100);
  assert.deepEqual(w.proxy.watches(), []);
  assert.deepEqual(w.events, [], 'a stopped informer tells handlers nothing');
});

test('stop() while the server has not answered the list returns at once, ending the request', async (t) => {
  const ns = await namespaceWith({ a: '1' });
  const w = await informerFor(t, ns);
  w.proxy.hold('list');
  w.informer.start();
  const waiting = w.informer.waitForSync();
  await until('the list to arrive', () => w.proxy.heldCount('list') === 1);
  await within('stop()', 2000, w.informer.stop());
  // Whoever waited for the cache hears that it will not fill, as client-go's WaitForCacheSync says false.
  assert.equal(await within('waitForSync()', 1000, waiting), false);
  assert.equal(await w.informer.waitForSync(), false);
  w.proxy.release('list');
  await sleep(100);
  assert.deepEqual(w.proxy.watches(), []);
  assert.deepEqual(w.events, []);
  assert.equal(w.informer.hasSynced(), false);
});
