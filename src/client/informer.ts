// An informer as client-go has it: list, then watch from the list's resourceVersion; keep a
// cache with indexes; tell handlers about adds, updates and deletes; relist when the watch says
// 410 Gone/Expired; re-watch when the server ends a watch.

import { isApiError } from '../kube/errors.js';
import type { KubeList, KubeObject } from '../kube/types.js';
import type { ApiClient, WatchHandle } from './client.js';
import type { ResourceRef } from './resources.js';

export interface EventHandler<T> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  pageSize?: number;
  log?: (line: string) => void;
}

export function keyOf(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

type IndexFn<T> = (obj: T) => string[];

export class Informer<T extends KubeObject = KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexes = new Map<string, { fn: IndexFn<T>; map: Map<string, Set<string>> }>();
  private readonly handlers: EventHandler<T>[] = [];
  private synced = false;
  private syncWaiters: ((synced: boolean) => void)[] = [];
  private resourceVersion = '';
  private watch?: WatchHandle;
  private stopped = false;
  private running?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;
  private retryResolve?: () => void;
  private listAbort?: AbortController;

  constructor(private readonly client: ApiClient, readonly ref: ResourceRef, private readonly opts: InformerOptions = {}) {}

  addHandler(h: EventHandler<T>): void {
    this.handlers.push(h);
    if (this.synced) for (const obj of this.items.values()) this.call(() => h.add?.(obj));
  }

  addIndex(name: string, fn: IndexFn<T>): void {
    const map = new Map<string, Set<string>>();
    this.indexes.set(name, { fn, map });
    for (const [k, obj] of this.items) for (const v of fn(obj)) (map.get(v) ?? map.set(v, new Set()).get(v)!).add(k);
  }

  byIndex(name: string, value: string): T[] {
    const idx = this.indexes.get(name);
    if (!idx) throw new Error(`informer ${this.ref.plural}: no index ${name}`);
    return [...(idx.map.get(value) ?? [])].map((k) => this.items.get(k)!).filter(Boolean);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.items.get(namespace ? `${namespace}/${name}` : name);
  }

  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once the first list is in the cache; false if the informer is stopped first (as client-go's WaitForCacheSync). */
  waitForSync(): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  start(): void {
    if (this.running) return;
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.syncWaiters.splice(0)) w(false);
    this.listAbort?.abort();
    this.watch?.stop();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryResolve?.();
    await this.running;
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.opts.log?.(`informer ${this.ref.plural}: handler failed: ${(err as Error).stack ?? err}`);
    }
  }

  private index(key: string, obj: T | undefined, old: T | undefined): void {
    for (const { fn, map } of this.indexes.values()) {
      if (old) for (const v of fn(old)) map.get(v)?.delete(key);
      if (obj) for (const v of fn(obj)) (map.get(v) ?? map.set(v, new Set()).get(v)!).add(key);
    }
  }

  private put(obj: T): void {
    const key = keyOf(obj);
    const old = this.items.get(key);
    this.items.set(key, obj);
    this.index(key, obj, old);
    if (old) for (const h of this.handlers) this.call(() => h.update?.(old, obj));
    else for (const h of this.handlers) this.call(() => h.add?.(obj));
  }

  private remove(obj: T): void {
    const key = keyOf(obj);
    const old = this.items.get(key);
    if (!old) return;
    this.items.delete(key);
    this.index(key, undefined, old);
    for (const h of this.handlers) this.call(() => h.delete?.(obj));
  }

  private async relist(): Promise<void> {
    const fresh = new Map<string, T>();
    let cont: string | undefined;
    let rv = '';
    // stop() aborts the list in flight, so that it does not wait for a slow or silent server.
    const abort = (this.listAbort = new AbortController());
    try {
      do {
        const page: KubeList<T> = await this.client.list<T>(this.ref, this.opts.namespace, {
          labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector, limit: this.opts.pageSize ?? 500, continue: cont,
        }, abort.signal);
        for (const item of page.items) fresh.set(keyOf(item), item);
        cont = page.metadata.continue;
        rv = page.metadata.resourceVersion ?? rv;
      } while (cont && !this.stopped);
    } finally {
      this.listAbort = undefined;
    }
    // Stopped meanwhile: handlers hear nothing more (a partial list would look like deletes).
    if (this.stopped) return;
    for (const [key, old] of [...this.items]) if (!fresh.has(key)) this.remove(old);
    for (const [key, obj] of fresh) {
      const old = this.items.get(key);
      if (!old || old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.put(obj);
    }
    this.resourceVersion = rv;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w(true);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.retryResolve = resolve;
      this.retryTimer = setTimeout(resolve, ms);
    });
  }

  private async run(): Promise<void> {
    let needList = true;
    let backoff = 200;
    while (!this.stopped) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
          // stop() during the list found no watch to stop: open none, or stop() would wait for its timeout.
          if (this.stopped) break;
        }
        this.watch = this.client.watch<T>(this.ref, this.opts.namespace, {
          resourceVersion: this.resourceVersion,
          labelSelector: this.opts.labelSelector,
          fieldSelector: this.opts.fieldSelector,
          allowWatchBookmarks: true,
          timeoutSeconds: 300 + Math.floor(Math.random() * 300),
        }, (type, obj) => {
          if (obj?.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
          if (type === 'ADDED' || type === 'MODIFIED') this.put(obj);
          else if (type === 'DELETED') this.remove(obj);
        });
        await this.watch.done;
        backoff = 200;
      } catch (err) {
        if (this.stopped) break;
        if (isApiError(err) && (err.code === 410 || err.reason === 'Expired' || err.reason === 'Gone')) {
          needList = true;
          continue;
        }
        this.opts.log?.(`informer ${this.ref.plural}: ${(err as Error).message}; retrying in ${backoff}ms`);
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  }
}
