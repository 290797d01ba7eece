import assert from 'node:assert/strict';
import { it } from 'node:test';
import { compactOnce, startCompactor } from './compactor.js';
import { MemoryStore } from './memory.js';
import { isStoreError } from './types.js';

async function storeWithRevisions(n: number): Promise<MemoryStore> {
  const store = new MemoryStore();
  let kv = await store.create('/k', '0');
  for (let i = 1; i < n; i++) kv = await store.update('/k', String(i), kv.modRevision);
  return store;
}

it('compactOnce keeps the last keepRevisions revisions and does nothing when they are all kept', async () => {
  const store = await storeWithRevisions(30);
  assert.equal(await compactOnce(store, 10), 20);
  assert.equal(await store.compactedRevision(), 20);
  await store.list('/', { revision: 20 });
  await assert.rejects(store.list('/', { revision: 19 }), (err) => isStoreError(err, 'Compacted'));
  assert.equal(await compactOnce(store, 10), undefined, 'nothing new to forget');
  assert.equal(await compactOnce(await storeWithRevisions(5), 10), undefined, 'less history than asked to keep');
  await assert.rejects(compactOnce(store, -1), /keepRevisions must be/);
});

it('startCompactor compacts on its interval until stopped', async () => {
  const store = await storeWithRevisions(50);
  const errors: Error[] = [];
  const compactor = startCompactor(store, { intervalMs: 5, keepRevisions: 5, onError: (err) => errors.push(err) });
  try {
    for (let i = 0; i < 2000 && (await store.compactedRevision()) !== 45; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(await store.compactedRevision(), 45);
  } finally {
    compactor.stop();
  }
  let kv = await store.get('/k');
  for (let i = 0; i < 20; i++) kv = await store.update('/k', 'x', kv!.modRevision);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(await store.compactedRevision(), 45, 'a stopped compactor compacts no more');
  assert.deepEqual(errors, []);
  await store.close();
});

it('startCompactor refuses a bad interval', () => {
  const store = new MemoryStore();
  assert.throws(() => startCompactor(store, { intervalMs: 0 }), /intervalMs must be/);
});
