// Shared informers: one cache per kind, however many controllers read it.

import type { KubeObject } from '../kube/types.js';
import type { ApiClient } from './client.js';
import { Informer } from './informer.js';
import type { ResourceRef } from './resources.js';

/** Every namespaced shared informer is indexed by namespace under this name. */
export const NAMESPACE_INDEX = 'namespace';

export class InformerFactory {
  private readonly informers = new Map<string, Informer<any>>();
  private started = false;

  constructor(readonly client: ApiClient, private readonly log?: (line: string) => void) {}

  /** The shared informer for ref (all namespaces). Started with the others by start(). */
  get<T extends KubeObject = KubeObject>(ref: ResourceRef): Informer<T> {
    const key = `${ref.group}/${ref.plural}`;
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new Informer<T>(this.client, ref, { log: this.log });
      if (ref.namespaced) inf.addIndex(NAMESPACE_INDEX, (o) => [o.metadata.namespace ?? '']);
      this.informers.set(key, inf);
      if (this.started) inf.start();
    }
    return inf as Informer<T>;
  }

  start(): void {
    this.started = true;
    for (const inf of this.informers.values()) inf.start();
  }

  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
