// Keeping an in-memory view of one kind inside the API server: a list, then the store's watch from
// the list's revision (events arrive a microtask after each write), listing again when the watch
// ends with an error. Upstream's authorizers read informer caches the same way.

import type { KubeObject } from '../../kube/types.js';
import type { ResourceDef } from '../resource.js';
import type { Registry } from '../rest/registry.js';
import { isStoreError, type Watcher } from '../../storage/types.js';

export interface FollowHandlers {
  /** The whole current set, replacing what was known (at start and after a relist). */
  reset(objects: KubeObject[]): void;
  upsert(obj: KubeObject, prev?: KubeObject): void;
  remove(obj: KubeObject): void;
}

export interface Follower {
  /** Resolves once the first list is in. */
  ready: Promise<void>;
  stop(): void;
}

export function follow(registry: Registry, def: ResourceDef, h: FollowHandlers, log?: (line: string) => void): Follower {
  let watcher: Watcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const start = async (): Promise<void> => {
    const { items, revision } = await registry.list(def, {});
    if (stopped) return;
    h.reset(items);
    watcher = registry.watch(def, {
      fromRevision: revision,
      onEvent: (type, obj, _rev, prev) => (type === 'DELETED' ? h.remove(obj) : h.upsert(obj, prev)),
      onError: (err) => {
        if (stopped || isStoreError(err, 'Closed')) return;
        log?.(`following ${def.plural}: ${err.message}; listing again`);
        timer = setTimeout(() => void start().catch(retry), 100);
      },
    });
  };
  const retry = (err: Error): void => {
    if (stopped || isStoreError(err, 'Closed')) return;
    log?.(`following ${def.plural}: ${err.message}`);
    timer = setTimeout(() => void start().catch(retry), 1000);
  };
  const ready = start();
  ready.catch(retry);
  return {
    ready: ready.catch(() => undefined),
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      watcher?.stop();
    },
  };
}
