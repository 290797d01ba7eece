// For tests: a controller's context against knit's real API server (memory store, HTTPS on
// loopback), with shared informers, a recorder that writes Events, and a clock the test moves.
// Tests call a controller's reconcile(key) themselves (no worker runs), and act as the node agent
// by writing pod status.

import { ApiClient } from '../client/client.js';
import { EventRecorder } from '../client/events.js';
import { InformerFactory } from '../client/factory.js';
import type { Informer } from '../client/informer.js';
import { R } from '../client/resources.js';
import { startTestApiServer, type TestApiServer } from '../client/testing.js';
import type { Event, KubeObject } from '../kube/types.js';
import type { ControllerContext } from './common.js';

export interface ControllerTest {
  api: TestApiServer;
  client: ApiClient;
  ctx: ControllerContext;
  informers: InformerFactory;
  /** The test's clock, in ms since the epoch. */
  clock: { now: number };
  /** Waits until the informer's cache satisfies the predicate (the cache lags the API). */
  until<T extends KubeObject>(informer: Informer<T>, what: string, ok: (items: T[]) => boolean): Promise<void>;
  /** "Reason: message" of the Events about an object, oldest first, once every recorded one is written. */
  events(namespace: string, name: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function startControllerTest(): Promise<ControllerTest> {
  const api = await startTestApiServer();
  const client = new ApiClient(api.config());
  const informers = new InformerFactory(client);
  const recorders = new Map<string, EventRecorder>();
  const ctx: ControllerContext = {
    client,
    informers,
    recorder(component) {
      let r = recorders.get(component);
      if (!r) recorders.set(component, (r = new EventRecorder(client, component)));
      return r;
    },
    log: () => () => undefined,
  };
  const clock = { now: Date.parse('2024-05-19T10:00:00Z') };
  return {
    api, client, ctx, informers, clock,
    async until(informer, what, ok) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        if (informer.hasSynced() && ok(informer.list())) return;
        if (Date.now() > deadline) throw new Error(`timed out waiting for the cache: ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async events(namespace, name) {
      await Promise.all([...recorders.values()].map((r) => r.flush()));
      const items = (await client.list<Event>(R.events, namespace)).items.filter((e) => e.involvedObject.name === name);
      return items.sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1)).map((e) => `${e.reason}: ${e.message}`);
    },
    async close() {
      await informers.stop();
      await Promise.all([...recorders.values()].map((r) => r.flush()));
      client.close();
      await api.close();
    },
  };
}
