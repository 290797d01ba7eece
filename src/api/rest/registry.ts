// The generic object registry: create, get, list, update, delete and watch for any ResourceDef on
// top of the revisioned store, with upstream's rules for metadata, resourceVersion preconditions,
// generation, no-op updates, graceful deletion, finalizers and dry-run.

import { randomUUID, randomInt } from 'node:crypto';
import { isStoreError, type KeyValue, type Store, type Watcher } from '../../storage/types.js';
import { errors, type FieldError } from '../../kube/errors.js';
import type { ResourceDef, Reservation, Subresource, WriteContext } from '../resource.js';
import type { KubeObject } from '../../kube/types.js';
import { apiVersionOf, decodeObject, encodeObject, encodedWithResourceVersion, keyFor, prefixFor } from './keys.js';
import { metaTime } from '../../common/time.js';

export type MetaValidator = (obj: KubeObject, def: ResourceDef, old?: KubeObject) => FieldError[];

/**
 * Checks a write once it is validated, knowing who asks (ctx.userInfo; none for the API server's
 * own writes): upstream's validating admission, such as NodeRestriction and RBAC's escalation
 * checks. Throw an ApiError to refuse; nothing is stored.
 */
export interface Admission {
  create?(def: ResourceDef, obj: KubeObject, ctx: WriteContext): Promise<void>;
  update?(def: ResourceDef, obj: KubeObject, old: KubeObject, ctx: WriteContext, subresource?: Subresource): Promise<void>;
  delete?(def: ResourceDef, current: KubeObject, ctx: WriteContext): Promise<void>;
}

/** Records who changed which fields in metadata.managedFields (upstream's field manager). */
export type FieldTracker = (live: KubeObject | undefined, next: KubeObject, def: ResourceDef, ctx: WriteContext, subresource?: Subresource) => KubeObject;

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface DeleteResult {
  /** The object as it was deleted, or as it now waits (deletionTimestamp set). */
  object: KubeObject;
  /** true when the object left the store. */
  deleted: boolean;
}

export interface ListRequest {
  namespace?: string;
  limit?: number;
  /** Resume strictly after this key (decoded from a continue token). */
  startAfter?: string;
  /** List as of this revision (a continue token's revision, or resourceVersionMatch=Exact). */
  revision?: number;
  filter?: (obj: KubeObject) => boolean;
}

export interface ListResponse {
  items: KubeObject[];
  revision: number;
  /** The key of the last item examined, when more remain. */
  lastKey?: string;
  remaining: number;
}

export interface EncodedListResponse extends Omit<ListResponse, 'items'> {
  /** Each object as JSON. */
  items: string[];
}

export interface WatchRequest {
  namespace?: string;
  /** Deliver events after this revision. */
  fromRevision: number;
  /** prev: the object before this event (for MODIFIED and DELETED), when known. */
  onEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject, revision: number, prev?: KubeObject): void;
  onError(err: Error): void;
}


const generateAlphabet = 'bcdfghjklmnpqrstvwxz2456789';
function randomSuffix(n = 5): string {
  let s = '';
  for (let i = 0; i < n; i++) s += generateAlphabet[randomInt(generateAlphabet.length)];
  return s;
}

/** Everything but metadata and status (or but metadata): what metadata.generation counts. */
function specPart(obj: KubeObject, withStatus = false): string {
  const { metadata: _m, status, apiVersion: _a, kind: _k, ...rest } = obj;
  return JSON.stringify(withStatus ? { ...rest, status } : rest);
}

/** The stored form of obj: its storage version's apiVersion when the def is served in another. */
function encodeFor(def: ResourceDef, obj: KubeObject): string {
  if (!def.storageVersion || def.storageVersion === def.version) return encodeObject(obj);
  return encodeObject({ ...obj, apiVersion: `${def.group}/${def.storageVersion}` });
}

function comparable(obj: KubeObject): string {
  const { resourceVersion: _rv, managedFields: _mf, ...meta } = obj.metadata;
  return JSON.stringify({ ...obj, metadata: meta });
}

const grOf = (def: ResourceDef) => ({ group: def.group, resource: def.plural });

/** Namespaces the NamespaceLifecycle admission plugin never lets go. */
const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

/** A Namespace also waits for its spec.finalizers (the namespace controller's "kubernetes"). */
function hasPendingFinalizers(def: ResourceDef, obj: KubeObject): boolean {
  if ((obj.metadata.finalizers ?? []).length > 0) return true;
  return def.group === '' && def.kind === 'Namespace' && (obj.spec?.finalizers ?? []).length > 0;
}

export class Registry {
  constructor(
    private readonly store: Store,
    private readonly validateMeta: MetaValidator,
    private readonly lookup: (group: string, plural: string) => ResourceDef | undefined,
    private readonly trackFields?: FieldTracker,
    private readonly admission?: Admission,
  ) {}

  /** A stored object as `def` serves it: its version's apiVersion, its kind's read-time defaults. */
  private decode(def: ResourceDef, kv: KeyValue): KubeObject {
    const obj = decodeObject(kv);
    if (def.storageVersion && def.storageVersion !== def.version) obj.apiVersion = apiVersionOf(def);
    def.fromStorage?.(obj);
    return obj;
  }

  async get(def: ResourceDef, namespace: string | undefined, name: string): Promise<KubeObject> {
    const kv = await this.store.get(keyFor(def, namespace, name));
    if (!kv) throw errors.notFound(grOf(def), name);
    return this.decode(def, kv);
  }

  async tryGet(def: ResourceDef, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    const kv = await this.store.get(keyFor(def, namespace, name));
    return kv ? this.decode(def, kv) : undefined;
  }

  /** Lists in key order; with a filter, pages over keys and may return fewer than limit items. */
  async list(def: ResourceDef, req: ListRequest): Promise<ListResponse> {
    const prefix = prefixFor(def, req.namespace);
    const items: KubeObject[] = [];
    let startAfter = req.startAfter;
    let revision = req.revision ?? 0;
    const limit = req.limit && req.limit > 0 ? req.limit : 0;
    for (;;) {
      const chunk = limit ? Math.max(limit - items.length, 1) : 0;
      const res = await this.store.list(prefix, { revision, limit: chunk, startAfter });
      revision = res.revision;
      for (const kv of res.items) {
        const obj = this.decode(def, kv);
        if (!req.filter || req.filter(obj)) items.push(obj);
      }
      const lastKey = res.items.length ? res.items[res.items.length - 1].key : startAfter;
      if (!limit || res.remaining === 0) return { items, revision, remaining: 0 };
      if (items.length >= limit) return { items, revision, lastKey, remaining: res.remaining };
      startAfter = lastKey;
    }
  }

  /**
   * A list with no filter, its items already JSON as clients get them: no parse and no
   * re-serialization of every object (see encodedWithResourceVersion).
   */
  async listEncoded(def: ResourceDef, req: Omit<ListRequest, 'filter'>): Promise<EncodedListResponse> {
    const res = await this.store.list(prefixFor(def, req.namespace), { revision: req.revision ?? 0, limit: req.limit && req.limit > 0 ? req.limit : 0, startAfter: req.startAfter });
    const apiVersion = apiVersionOf(def);
    const last = res.items.at(-1);
    // Objects that change when read (read-time defaults) take the decode-and-encode way.
    const encode = def.fromStorage ? (kv: KeyValue) => JSON.stringify(this.decode(def, kv)) : (kv: KeyValue) => encodedWithResourceVersion(kv, apiVersion, def.kind);
    return { items: res.items.map(encode), revision: res.revision, lastKey: last ? last.key : req.startAfter, remaining: res.remaining };
  }

  async currentRevision(): Promise<number> {
    return this.store.currentRevision();
  }

  async compactedRevision(): Promise<number> {
    return this.store.compactedRevision();
  }

  watch(def: ResourceDef, req: WatchRequest): Watcher {
    return this.store.watch(prefixFor(def, req.namespace), {
      fromRevision: req.fromRevision,
      onEvent: (ev) => {
        let obj: KubeObject;
        let prev: KubeObject | undefined;
        try {
          obj = this.decode(def, ev.kv);
          prev = ev.prevKv ? this.decode(def, ev.prevKv) : undefined;
        } catch (err) {
          req.onError(err as Error);
          return;
        }
        const type = ev.type === 'delete' ? 'DELETED' : ev.created ? 'ADDED' : 'MODIFIED';
        req.onEvent(type, obj, ev.kv.modRevision, prev);
      },
      onError: (err) => req.onError(err),
    });
  }

  private async checkNamespace(def: ResourceDef, namespace: string | undefined, name: string, ctx: WriteContext): Promise<void> {
    if (!def.namespaced || !namespace) return;
    const ns = await ctx.get('', 'namespaces', undefined, namespace);
    if (!ns) throw errors.notFound({ group: '', resource: 'namespaces' }, namespace);
    if (ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') {
      // Upstream's NamespaceLifecycle admission: Forbidden, with a NamespaceTerminating cause.
      const err = errors.forbidden(grOf(def), name, `unable to create new content in namespace ${namespace} because it is being terminated`);
      err.status.details = { ...err.status.details, causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }] };
      throw err;
    }
  }

  private invalid(def: ResourceDef, name: string, errs: FieldError[]): never {
    throw errors.invalid(def.group, def.kind, name, errs);
  }

  async create(def: ResourceDef, namespace: string | undefined, input: KubeObject, ctx: WriteContext): Promise<KubeObject> {
    const obj: KubeObject = structuredClone(input);
    obj.apiVersion = apiVersionOf(def);
    obj.kind = def.kind;
    obj.metadata ??= {};
    const meta = obj.metadata;
    if (def.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace ?? meta.namespace;
    } else {
      delete meta.namespace;
    }
    const generated = !meta.name && !!meta.generateName;
    if (generated) meta.name = meta.generateName + randomSuffix();
    // Fields the server owns on create.
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    meta.uid = randomUUID();
    meta.creationTimestamp = metaTime();
    if (def.hasGeneration) meta.generation = 1;
    else delete meta.generation;
    def.defaults?.(obj);
    def.prepareForCreate?.(obj);
    const errs = [...this.validateMeta(obj, def), ...(def.validate?.(obj) ?? [])];
    if (errs.length) this.invalid(def, meta.name ?? meta.generateName ?? '', errs);
    await this.checkNamespace(def, meta.namespace, generated ? '' : meta.name!, ctx);
    await this.admission?.create?.(def, obj, ctx);
    const tracked = this.trackFields && !ctx.applied ? this.trackFields(undefined, obj, def, ctx) : obj;
    if (tracked !== obj) obj.metadata.managedFields = tracked.metadata.managedFields;

    for (let attempt = 0; ; attempt++) {
      const reservation = await def.admitCreate?.(obj, ctx);
      try {
        if (ctx.dryRun) {
          reservation?.rollback();
          return obj;
        }
        const kv = await this.store.create(keyFor(def, meta.namespace, meta.name!), encodeFor(def, obj));
        reservation?.commit();
        return this.decode(def, kv);
      } catch (err) {
        reservation?.rollback();
        if (isStoreError(err, 'KeyExists')) {
          if (generated && attempt < 5) { meta.name = meta.generateName + randomSuffix(); continue; }
          throw errors.alreadyExists(grOf(def), meta.name!);
        }
        throw err;
      }
    }
  }

  /**
   * Replaces the object at namespace/name with update(current). update may throw; it runs again
   * when the store reports a concurrent write, unless the caller pinned a resourceVersion.
   */
  async guaranteedUpdate(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    update: (current: KubeObject) => KubeObject | Promise<KubeObject>,
    ctx: WriteContext,
    subresource?: Subresource,
  ): Promise<KubeObject> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(def, namespace, name);
      const next = await update(structuredClone(current));
      try {
        return await this.replace(def, current, next, ctx, subresource);
      } catch (err) {
        if (isStoreError(err, 'Conflict') && attempt < 10 && !next.metadata?.resourceVersion) continue;
        if (isStoreError(err, 'Conflict')) throw errors.staleResourceVersion(grOf(def), name);
        if (isStoreError(err, 'NotFound')) throw errors.notFound(grOf(def), name);
        throw err;
      }
    }
  }

  /** PUT: an update with an optional resourceVersion precondition. */
  async update(def: ResourceDef, namespace: string | undefined, name: string, input: KubeObject, ctx: WriteContext, subresource?: Subresource): Promise<KubeObject> {
    if (input.metadata?.name && input.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${input.metadata.name}) does not match the name on the URL (${name})`);
    }
    if (def.namespaced && input.metadata?.namespace && namespace && input.metadata.namespace !== namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    return this.guaranteedUpdate(def, namespace, name, () => structuredClone(input), ctx, subresource);
  }

  /** One attempt to replace current with next; store conflicts surface as StoreError. */
  private async replace(def: ResourceDef, current: KubeObject, input: KubeObject, ctx: WriteContext, subresource?: Subresource): Promise<KubeObject> {
    const obj = input;
    obj.apiVersion = apiVersionOf(def);
    obj.kind = def.kind;
    obj.metadata ??= {};
    const meta = obj.metadata;
    const old = current.metadata;
    const name = old.name!;
    if (meta.resourceVersion && meta.resourceVersion !== old.resourceVersion) {
      throw errors.staleResourceVersion(grOf(def), name);
    }
    meta.name = old.name;
    if (def.namespaced) meta.namespace = old.namespace;
    meta.uid ||= old.uid;
    meta.creationTimestamp = old.creationTimestamp;
    if (old.deletionTimestamp) {
      meta.deletionTimestamp = old.deletionTimestamp;
      meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
    } else {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    }
    if (subresource === 'status') {
      // A status write changes status (and, as upstream, nothing of metadata but labels/annotations/finalizers may not change either).
      obj.metadata = { ...structuredClone(old), resourceVersion: meta.resourceVersion };
    }
    def.defaults?.(obj);
    def.prepareForUpdate?.(obj, current, subresource);
    if (def.hasGeneration) {
      meta.generation = old.generation ?? 1;
      if (specPart(obj, def.generationCountsStatus) !== specPart(current, def.generationCountsStatus)) meta.generation += 1;
    }
    const errs = [...this.validateMeta(obj, def, current), ...(def.validateUpdate?.(obj, current, subresource) ?? [])];
    if (errs.length) this.invalid(def, name, errs);
    await this.admission?.update?.(def, obj, current, ctx, subresource);

    const key = keyFor(def, meta.namespace, name);
    const expected = Number(old.resourceVersion);
    // Deleting an object whose last finalizer went away and whose grace period is over.
    if (meta.deletionTimestamp && !hasPendingFinalizers(def, obj) && (meta.deletionGracePeriodSeconds ?? 0) === 0) {
      if (ctx.dryRun) return obj;
      const kv = await this.store.delete(key, expected);
      def.afterDelete?.(obj);
      return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(kv.modRevision) } };
    }
    if (comparable(obj) === comparable({ ...current, metadata: { ...current.metadata } })) return current;
    if (this.trackFields && !ctx.applied) obj.metadata.managedFields = this.trackFields(current, obj, def, ctx, subresource).metadata.managedFields;

    const reservation: Reservation | undefined = await def.admitUpdate?.(obj, current, ctx);
    try {
      if (ctx.dryRun) {
        reservation?.rollback();
        return { ...obj, metadata: { ...obj.metadata, resourceVersion: old.resourceVersion } };
      }
      const kv = await this.store.update(key, encodeFor(def, obj), expected);
      reservation?.commit();
      return this.decode(def, kv);
    } catch (err) {
      reservation?.rollback();
      throw err;
    }
  }

  async delete(def: ResourceDef, namespace: string | undefined, name: string, opts: DeleteOptions, ctx: WriteContext): Promise<DeleteResult> {
    if (def.group === '' && def.kind === 'Namespace' && IMMORTAL_NAMESPACES.has(name)) {
      throw errors.forbidden(grOf(def), name, 'this namespace may not be deleted');
    }
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(def, namespace, name);
      const meta = current.metadata;
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== meta.uid) {
        throw errors.conflict(grOf(def), name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
        throw errors.conflict(grOf(def), name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`);
      }
      if (attempt === 0) await this.admission?.delete?.(def, current, ctx);
      const next = structuredClone(current);
      if (!meta.deletionTimestamp) def.prepareForDelete?.(next);
      const nmeta = next.metadata;
      const finalizers = new Set(nmeta.finalizers ?? []);
      if (!meta.deletionTimestamp) {
        const policy = opts.propagationPolicy ?? def.defaultPropagationPolicy;
        if (policy === 'Foreground') finalizers.add('foregroundDeletion');
        if (policy === 'Orphan') finalizers.add('orphan');
      } else if (opts.propagationPolicy === 'Orphan' && !finalizers.has('foregroundDeletion')) {
        finalizers.add('orphan');
      }
      // An object whose kind says "no grace" now (an unscheduled or finished pod) goes at once, whatever was asked.
      const dflt = def.defaultGracePeriod?.(current);
      let grace = dflt === 0 ? 0 : opts.gracePeriodSeconds ?? dflt ?? 0;
      if (grace < 0) grace = 0;
      // A later delete may shorten an ongoing grace period, never lengthen it.
      if (meta.deletionTimestamp && meta.deletionGracePeriodSeconds !== undefined && grace > meta.deletionGracePeriodSeconds) {
        grace = meta.deletionGracePeriodSeconds;
      }
      const mustWait = finalizers.size > 0 || grace > 0 || hasPendingFinalizers(def, current);
      try {
        if (!mustWait) {
          if (opts.dryRun) return { object: current, deleted: true };
          const kv = await this.store.delete(keyFor(def, namespace, name), Number(meta.resourceVersion));
          def.afterDelete?.(current);
          return { object: { ...current, metadata: { ...current.metadata, resourceVersion: String(kv.modRevision) } }, deleted: true };
        }
        nmeta.finalizers = finalizers.size ? [...finalizers] : undefined;
        if (!nmeta.finalizers) delete nmeta.finalizers;
        const unchanged = meta.deletionTimestamp && meta.deletionGracePeriodSeconds === grace && (meta.finalizers ?? []).length === finalizers.size;
        if (unchanged) return { object: current, deleted: false };
        if (!meta.deletionTimestamp || grace !== meta.deletionGracePeriodSeconds) {
          nmeta.deletionTimestamp = metaTime(new Date(Date.now() + grace * 1000));
          nmeta.deletionGracePeriodSeconds = grace;
        }
        if (def.kind === 'Namespace') next.status = { ...(next.status ?? {}), phase: 'Terminating' };
        if (opts.dryRun) return { object: next, deleted: false };
        const kv = await this.store.update(keyFor(def, namespace, name), encodeFor(def, next), Number(meta.resourceVersion));
        return { object: this.decode(def, kv), deleted: false };
      } catch (err) {
        if (isStoreError(err, 'Conflict') && attempt < 10) continue;
        if (isStoreError(err, 'NotFound')) throw errors.notFound(grOf(def), name);
        throw err;
      }
    }
  }

  /** The definition of another kind (for cross-kind checks). */
  def(group: string, plural: string): ResourceDef | undefined {
    return this.lookup(group, plural);
  }
}
