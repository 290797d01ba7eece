// The event recorder against knit's real API server (memory store, HTTPS on loopback): Events as
// `kubectl describe` and `kubectl get events` show them, repeats counted on one Event, and a
// failed write logged, never thrown.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, KubeObject } from '../kube/types.js';
import { ApiClient } from './client.js';
import { EventRecorder } from './events.js';
import { R } from './resources.js';
import { startTestApiServer, type TestApiServer } from './testing.js';

let api: TestApiServer;
let client: ApiClient;
let namespaces = 0;

before(async () => {
  api = await startTestApiServer();
  client = new ApiClient(api.config());
});

after(async () => {
  client?.close();
  await api?.close();
});

/** A fresh namespace and a config map in it to record events about. */
async function subject(): Promise<KubeObject> {
  const ns = `events-${++namespaces}`;
  await client.create(R.namespaces, undefined, { metadata: { name: ns } });
  return client.create(R.configmaps, ns, { metadata: { name: 'subject' } });
}

async function eventsIn(ns: string): Promise<Event[]> {
  return (await client.list<Event>(R.events, ns)).items;
}

test('an event is written as upstream\'s recorder writes it', async () => {
  const obj = await subject();
  const recorder = new EventRecorder(client, 'test-controller', 'node-1');
  recorder.event(obj, 'Warning', 'Failed', 'it broke', 'spec.containers{app}');
  await recorder.flush();
  const [e, ...more] = await eventsIn(obj.metadata.namespace!);
  assert.deepEqual(more, []);
  assert.match(e.metadata.name!, /^subject\.[0-9a-f]+$/);
  assert.deepEqual(e.involvedObject, {
    kind: 'ConfigMap', namespace: obj.metadata.namespace, name: 'subject', uid: obj.metadata.uid, apiVersion: 'v1',
    resourceVersion: obj.metadata.resourceVersion, fieldPath: 'spec.containers{app}',
  });
  assert.equal(e.type, 'Warning');
  assert.equal(e.reason, 'Failed');
  assert.equal(e.message, 'it broke');
  assert.equal(e.count, 1);
  assert.deepEqual(e.source, { component: 'test-controller', host: 'node-1' });
  assert.equal(e.reportingComponent, 'test-controller');
  assert.equal(e.reportingInstance, 'node-1');
  assert.match(e.firstTimestamp!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(e.lastTimestamp, e.firstTimestamp);
});

test('the same event again counts on the one Event', async () => {
  const obj = await subject();
  const recorder = new EventRecorder(client, 'test-controller');
  for (let i = 0; i < 3; i++) recorder.event(obj, 'Normal', 'Synced', 'in sync');
  await recorder.flush();
  const events = await eventsIn(obj.metadata.namespace!);
  assert.equal(events.length, 1);
  assert.equal(events[0].count, 3);
  assert.ok(events[0].lastTimestamp! >= events[0].firstTimestamp!);
});

test('another reason or message is another Event; names sort in the order events were recorded', async () => {
  const obj = await subject();
  const recorder = new EventRecorder(client, 'test-controller');
  const messages = Array.from({ length: 12 }, (_, i) => `step ${i}`);
  for (const m of messages) recorder.event(obj, 'Normal', 'Step', m);
  recorder.event(obj, 'Normal', 'Other', 'step 0');
  await recorder.flush();
  const events = await eventsIn(obj.metadata.namespace!);
  const byName = [...events].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  assert.deepEqual(byName.map((e) => `${e.reason} ${e.message}`), [...messages.map((m) => `Step ${m}`), 'Other step 0']);
  assert.ok(events.every((e) => e.count === 1));
});

test('a repeat of an Event deleted meanwhile writes a new one', async () => {
  const obj = await subject();
  const ns = obj.metadata.namespace!;
  const recorder = new EventRecorder(client, 'test-controller');
  recorder.event(obj, 'Normal', 'Synced', 'in sync');
  await recorder.flush();
  const [first] = await eventsIn(ns);
  await client.delete(R.events, ns, first.metadata.name!);
  recorder.event(obj, 'Normal', 'Synced', 'in sync');
  await recorder.flush();
  const [again, ...more] = await eventsIn(ns);
  assert.deepEqual(more, []);
  assert.notEqual(again.metadata.name, first.metadata.name);
  assert.equal(again.count, 1);
});

test('events about a cluster-scoped object go to the default namespace', async () => {
  const node = await client.create(R.nodes, undefined, { metadata: { name: 'events-node' } });
  const recorder = new EventRecorder(client, 'test-controller');
  recorder.event(node, 'Normal', 'Registered', 'hello');
  await recorder.flush();
  const events = (await eventsIn('default')).filter((e) => e.involvedObject.name === 'events-node');
  assert.deepEqual(events.map((e) => [e.involvedObject.kind, e.reason]), [['Node', 'Registered']]);
});

test('a write that fails is logged, not thrown, and later events are still written', async () => {
  const obj = await subject();
  const log: string[] = [];
  const recorder = new EventRecorder(client, 'test-controller', undefined, (l) => log.push(l));
  const gone = { ...obj, metadata: { ...obj.metadata, namespace: 'no-such-namespace' } };
  recorder.event(gone, 'Normal', 'Lost', 'nowhere to go');
  recorder.event(obj, 'Normal', 'Kept', 'written');
  await recorder.flush();
  assert.equal(log.length, 1);
  assert.match(log[0], /^event Lost for ConfigMap\/subject: namespaces "no-such-namespace" not found$/);
  assert.deepEqual((await eventsIn(obj.metadata.namespace!)).map((e) => e.reason), ['Kept']);
});
