// 410 Expired after compaction, over real HTTPS against an in-process API server on a memory
// store (a cluster compacts every 5 minutes; here the test compacts when it needs to).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { createApiServer, type ApiServer } from '../index.js';
import { MemoryStore } from '../../storage/memory.js';
import { createCA, createSigningKey, issueCert } from '../../pki/index.js';
import { CONTINUE_EXPIRED_MESSAGE } from './continue.js';

let store: MemoryStore;
let server: ApiServer;
let port: number;
let tls: { ca: string; cert: string; key: string };

before(async () => {
  const ca = createCA('kubernetes');
  const serving = issueCert(ca, { commonName: 'kube-apiserver', ipAddresses: ['127.0.0.1'], usage: 'server' });
  const admin = issueCert(ca, { commonName: 'kubernetes-admin', organizations: ['system:masters'], usage: 'client' });
  tls = { ca: ca.certPem, cert: admin.certPem, key: admin.keyPem };
  store = new MemoryStore();
  const api = createApiServer({
    store, tls: { caPem: ca.certPem, certPem: serving.certPem, keyPem: serving.keyPem },
    serviceCIDR: '10.96.0.0/12', nodePortRange: [30000, 32767], advertiseIP: '127.0.0.1', advertisePort: 6443,
    serviceAccountKey: createSigningKey(),
  });
  await api.start();
  await api.server.listen('127.0.0.1', 0);
  server = api.server;
  port = server.address().port;
});

after(async () => {
  await server?.close();
  await store?.close();
});

/** One request; for a watch, the body is read until the server ends the stream. */
function call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, ...tls, agent: false, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

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
