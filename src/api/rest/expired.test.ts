// 410 Expired after compaction, over real HTTPS against an in-process API server on a memory
// store (a cluster compacts every 5 minutes; here the test compacts when it needs to).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemoryStore } from '../../storage/memory.js';
import { startTestApiServer, type TestApiServer } from '../testing.js';
import { CONTINUE_EXPIRED_MESSAGE } from './continue.js';

let api: TestApiServer;
let store: MemoryStore;

before(async () => {
  api = await startTestApiServer();
  store = api.store as MemoryStore;
});

after(async () => {
  await api?.close();
});

/** One request; for a watch, the body is read until the server ends the stream. */
const call = (method: string, path: string, body?: unknown) => api.call(method, path, body);

async function createConfigMaps(prefix: string, n: number): Promise<string[]> {
  const versions: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: `${prefix}-${i}` } });
    assert.equal(r.status, 201, r.text);
    versions.push(JSON.parse(r.text).metadata.resourceVersion);
  }
  return versions;
}

test('a watch from a revision not yet compacted replays what came after it', async () => {
  const [first] = await createConfigMaps('kept', 3);
  // timeoutSeconds=1: the server ends the stream, so the test reads it whole.
  const r = await call('GET', `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${first}&timeoutSeconds=1`);
  assert.equal(r.status, 200);
  const events = r.text.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED kept-1', 'ADDED kept-2']);
});

test('a watch from a compacted revision gets an ERROR event with 410 Expired, then the stream ends', async () => {
  const [old] = await createConfigMaps('w', 3);
  const compacted = await store.currentRevision();
  await store.compact(compacted);
  const r = await call('GET', `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${old}`);
  assert.equal(r.status, 200);
  const events = r.text.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(events, [{
    type: 'ERROR',
    object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${old} (${compacted})`, reason: 'Expired', code: 410 },
  }]);
});

test('continuing a list whose snapshot was compacted is 410 Expired with upstream\'s advice', async () => {
  await createConfigMaps('page', 4);
  const first = await call('GET', '/api/v1/namespaces/default/configmaps?limit=2');
  const token = JSON.parse(first.text).metadata.continue;
  assert.ok(token);
  await createConfigMaps('later', 1);
  await store.compact(await store.currentRevision());
  const next = await call('GET', `/api/v1/namespaces/default/configmaps?limit=2&continue=${token}`);
  assert.equal(next.status, 410);
  const status = JSON.parse(next.text);
  assert.equal(status.reason, 'Expired');
  assert.equal(status.message, CONTINUE_EXPIRED_MESSAGE);
});

test('an exact list at a compacted revision is 410 Expired', async () => {
  const [old] = await createConfigMaps('exact', 2);
  const compacted = await store.currentRevision();
  await store.compact(compacted);
  const r = await call('GET', `/api/v1/namespaces/default/configmaps?resourceVersion=${old}&resourceVersionMatch=Exact`);
  assert.equal(r.status, 410);
  assert.equal(JSON.parse(r.text).message, `too old resource version: ${old} (${compacted})`);
});
