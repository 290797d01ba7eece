// The API client against knit's real API server (memory store, HTTPS on loopback): requests,
// the server's Status as ApiError (what controllers branch on), patches, lists in pages,
// watches and how they end, and bearer tokens.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError, isApiError } from '../kube/errors.js';
import type { ConfigMap, KubeObject } from '../kube/types.js';
import { ApiClient, type WatchEventType } from './client.js';
import { R } from './resources.js';
import { startTestApiServer, until, within, type TestApiServer } from './testing.js';

let api: TestApiServer;
let client: ApiClient;
const NS = 'client-test';

before(async () => {
  api = await startTestApiServer();
  client = new ApiClient(api.config());
  await client.create(R.namespaces, undefined, { metadata: { name: NS } });
});

after(async () => {
  client?.close();
  await api?.close();
});

/** The error a promise rejects with (fails if it resolves). */
async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiError, `an ApiError, got ${err}`);
    return err;
  }
  assert.fail('expected the request to fail');
}

test('create, get, update and delete; the server\'s answers come back as objects', async () => {
  const created = await client.create<ConfigMap>(R.configmaps, NS, { metadata: { name: 'crud' }, data: { v: '1' } });
  assert.equal(created.kind, 'ConfigMap');
  assert.equal(created.apiVersion, 'v1');
  assert.ok(created.metadata.uid && created.metadata.resourceVersion);
  const got = await client.get<ConfigMap>(R.configmaps, NS, 'crud');
  assert.deepEqual(got.data, { v: '1' });
  const updated = await client.update<ConfigMap>(R.configmaps, { ...got, data: { v: '2' } });
  assert.deepEqual(updated.data, { v: '2' });
  assert.notEqual(updated.metadata.resourceVersion, got.metadata.resourceVersion);
  await client.delete(R.configmaps, NS, 'crud');
  assert.equal((await rejection(client.get(R.configmaps, NS, 'crud'))).code, 404);
});

test('a failed request throws ApiError with the server\'s Status: reason, code, message, details', async () => {
  const missing = await rejection(client.get(R.configmaps, NS, 'nothing-here'));
  assert.ok(isApiError(missing, 'NotFound'));
  assert.equal(missing.code, 404);
  assert.equal(missing.message, 'configmaps "nothing-here" not found');
  assert.deepEqual(missing.status.details, { name: 'nothing-here', kind: 'configmaps' });

  await client.create(R.configmaps, NS, { metadata: { name: 'twice' } });
  const exists = await rejection(client.create(R.configmaps, NS, { metadata: { name: 'twice' } }));
  assert.ok(isApiError(exists, 'AlreadyExists'));
  assert.equal(exists.code, 409);

  const live = await client.get(R.configmaps, NS, 'twice');
  await client.update(R.configmaps, { ...live, data: { v: 'new' } });
  const stale = await rejection(client.update(R.configmaps, { ...live, data: { v: 'stale' } }));
  assert.ok(isApiError(stale, 'Conflict'));
  assert.match(stale.message, /the object has been modified; please apply your changes to the latest version and try again/);

  const invalid = await rejection(client.create(R.configmaps, NS, { metadata: { name: 'Not_A_Name' } }));
  assert.ok(isApiError(invalid, 'Invalid'));
  assert.equal(invalid.code, 422);
});

test('patches of every type', async () => {
  await client.create(R.configmaps, NS, { metadata: { name: 'patched', labels: { a: '1' } }, data: { x: '1' } });
  let cm = await client.patch<ConfigMap>(R.configmaps, NS, 'patched', { data: { y: '2' } });
  assert.deepEqual(cm.data, { x: '1', y: '2' });
  cm = await client.patch<ConfigMap>(R.configmaps, NS, 'patched', { metadata: { labels: { b: '2' } } }, 'strategic');
  assert.deepEqual(cm.metadata.labels, { a: '1', b: '2' });
  cm = await client.patch<ConfigMap>(R.configmaps, NS, 'patched', [{ op: 'remove', path: '/data/x' }], 'json');
  assert.deepEqual(cm.data, { y: '2' });
  cm = await client.patch<ConfigMap>(R.configmaps, NS, 'patched',
    JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'patched' }, data: { z: '3' } }),
    'apply', undefined, { fieldManager: 'client-test', force: true });
  assert.equal(cm.data?.z, '3');
  assert.ok(cm.metadata.managedFields?.some((f: any) => f.manager === 'client-test' && f.operation === 'Apply'));
});

test('list: label selectors, and pages with limit and continue', async () => {
  for (const n of ['p1', 'p2', 'p3']) await client.create(R.configmaps, NS, { metadata: { name: n, labels: { page: 'yes' } } });
  const all = await client.list(R.configmaps, NS, { labelSelector: 'page=yes' });
  assert.deepEqual(all.items.map((o) => o.metadata.name), ['p1', 'p2', 'p3']);
  const first = await client.list(R.configmaps, NS, { labelSelector: 'page=yes', limit: 2 });
  assert.deepEqual(first.items.map((o) => o.metadata.name), ['p1', 'p2']);
  assert.ok(first.metadata.continue);
  const rest = await client.list(R.configmaps, NS, { labelSelector: 'page=yes', limit: 2, continue: first.metadata.continue });
  assert.deepEqual(rest.items.map((o) => o.metadata.name), ['p3']);
  assert.equal(rest.metadata.continue, undefined);
});

test('a request whose signal is aborted rejects', async () => {
  const abort = new AbortController();
  const pending = client.list(R.configmaps, NS, {}, abort.signal);
  abort.abort();
  await assert.rejects(pending, { name: 'AbortError' });
});

test('watch: events in order from a resourceVersion; stop() ends it and done resolves', async () => {
  const from = (await client.list(R.configmaps, NS)).metadata.resourceVersion;
  const seen: string[] = [];
  const w = client.watch<ConfigMap>(R.configmaps, NS, { resourceVersion: from }, (type, o) => seen.push(`${type} ${o.metadata.name}`));
  await client.create(R.configmaps, NS, { metadata: { name: 'w1' } });
  await client.patch(R.configmaps, NS, 'w1', { data: { v: '1' } });
  await client.delete(R.configmaps, NS, 'w1');
  await until('three events', () => seen.length === 3);
  assert.deepEqual(seen, ['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
  w.stop();
  await within('done', 2000, w.done);
});

test('watch: the server ending the stream (timeoutSeconds) resolves done', async () => {
  const w = client.watch(R.configmaps, NS, { timeoutSeconds: 1 }, () => undefined);
  await within('done', 5000, w.done);
});

test('watch: an ERROR event rejects done with its Status (410 Expired after compaction)', async () => {
  const old = (await client.create(R.configmaps, NS, { metadata: { name: 'compacted' } })).metadata.resourceVersion;
  await client.delete(R.configmaps, NS, 'compacted');
  await api.store.compact(await api.store.currentRevision());
  const events: WatchEventType[] = [];
  const w = client.watch(R.configmaps, NS, { resourceVersion: old }, (type) => events.push(type));
  const err = await rejection(within('done', 5000, w.done));
  assert.equal(err.code, 410);
  assert.equal(err.reason, 'Expired');
  assert.deepEqual(events, [], 'the ERROR event is not handed to the handler');
});

test('watch: an HTTP error answer rejects done with the server\'s Status', async () => {
  const w = client.watch(R.configmaps, NS, { labelSelector: 'a in (' }, () => undefined);
  const err = await rejection(within('done', 5000, w.done));
  assert.equal(err.code, 400);
  assert.ok(isApiError(err, 'BadRequest'));
});

test('watch: a handler that throws ends the watch with its error', async () => {
  const from = (await client.list(R.configmaps, NS)).metadata.resourceVersion;
  const w = client.watch(R.configmaps, NS, { resourceVersion: from }, () => { throw new Error('handler failed'); });
  await client.create(R.configmaps, NS, { metadata: { name: 'throws' } });
  await assert.rejects(within('done', 5000, w.done), /handler failed/);
});

test('a bearer token, given or read from a file, authenticates; a bad one is 401 Unauthorized', async () => {
  await client.create(R.serviceaccounts, NS, { metadata: { name: 'robot' } });
  // What the token may do is RBAC's business: let the robot read its namespace.
  await client.create(R.roles, NS, { metadata: { name: 'namespace-reader' }, rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get'] }] });
  await client.create(R.rolebindings, NS, { metadata: { name: 'robot-reads' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'namespace-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'robot', namespace: NS }] });
  const request = await client.create<KubeObject>(R.serviceaccounts, NS, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name: 'robot' }, spec: {} }, 'token');
  const token: string = request.status.token;
  const { certPem: _c, keyPem: _k, ...anonymous } = api.config();

  const dir = mkdtempSync(join(tmpdir(), 'knit-client-test-'));
  try {
    writeFileSync(join(dir, 'token'), `${token}\n`);
    for (const cfg of [{ ...anonymous, token }, { ...anonymous, tokenFile: join(dir, 'token') }]) {
      const c = new ApiClient(cfg);
      try {
        assert.equal((await c.get(R.namespaces, undefined, NS)).metadata.name, NS);
      } finally {
        c.close();
      }
    }
    const bad = new ApiClient({ ...anonymous, token: 'not-a-token' });
    try {
      const err = await rejection(bad.get(R.namespaces, undefined, NS));
      assert.equal(err.code, 401);
    } finally {
      bad.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
