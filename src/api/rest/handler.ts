// The generic REST handler: one request on a resource (get, list, watch, create, update, patch,
// delete, deletecollection and the subresources), dispatched to the registry.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, isApiError } from '../../kube/errors.js';
import type { ResourceDef, Subresource, WriteContext } from '../resource.js';
import type { KubeObject } from '../../kube/types.js';
import type { RequestInfo, RequestUser } from '../http/request-info.js';
import { addWarnings, negotiate, readBody, writeJson, writeJsonText, type Negotiated } from '../http/respond.js';
import { parseFieldSelector, parseLabelSelector, matchesFields, SelectorParseError } from '../../kube/selectors.js';
import type { ApiCodecs } from './codecs.js';
import { CONTINUE_EXPIRED_MESSAGE, decodeContinue, encodeContinue } from './continue.js';
import { apiVersionOf, prefixFor } from './keys.js';
import { partialMetadata, partialMetadataList } from './partial.js';
import type { DeleteOptions, EncodedListResponse, ListResponse, Registry } from './registry.js';
import { serveWatch } from './watch.js';
import { isStoreError } from '../../storage/types.js';
import { handleSubresource, type SubresourceHooks } from './subresources.js';
import { decodeDeleteOptions, unsupportedPatchType } from '../decode/index.js';
import { deleteQueryOptions, exactRevision, includeObjectOption, listOptions, validateDeleteOptions, writeOptions, type DeleteQuery, type ListQuery, type WriteQuery } from './options.js';

export interface ResourceIndex {
  /** The def serving group/version/plural, if any. */
  find(group: string, version: string, plural: string): ResourceDef | undefined;
  /** The def of group/plural at its served version. */
  byPlural(group: string, plural: string): ResourceDef | undefined;
}

export interface RestHandlerOptions {
  registry: Registry;
  resources: ResourceIndex;
  codecs: ApiCodecs;
  hooks: SubresourceHooks;
}

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/** The field manager a write records: ?fieldManager=, else the User-Agent up to its first "/". */
function fieldManagerOf(w: WriteQuery, req: IncomingMessage): string {
  if (w.fieldManager) return w.fieldManager;
  const ua = req.headers['user-agent'] ?? 'unknown';
  return ua.split('/')[0] || 'unknown';
}

/** What a delete records as its writer: its dry run; the field manager from the User-Agent. */
function deleteWriteQuery(opts: DeleteOptions): WriteQuery {
  return { dryRun: opts.dryRun ? ['All'] : [], fieldManager: '', fieldValidation: 'Warn' };
}

/** The options a subresource write reads, by its method (binding and eviction are creates). */
function subresourceWriteOptions(req: IncomingMessage, q: URLSearchParams): WriteQuery {
  if (req.method === 'PUT') return writeOptions(q, 'UpdateOptions');
  if (req.method === 'PATCH') return writeOptions(q, 'PatchOptions', isApplyPatch(req));
  return writeOptions(q, 'CreateOptions');
}

function isApplyPatch(req: IncomingMessage): boolean {
  const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim();
  return contentType === 'application/apply-patch+yaml' || contentType === 'application/apply-patch+cbor';
}

export class RestHandler {
  constructor(private readonly o: RestHandlerOptions) {}

  private writeContext(req: IncomingMessage, w: WriteQuery, user: RequestUser): WriteContext {
    return {
      dryRun: w.dryRun.length > 0,
      user: user.name,
      userInfo: user,
      fieldManager: fieldManagerOf(w, req),
      get: async (group, plural, namespace, name) => {
        const def = this.o.resources.byPlural(group, plural);
        return def ? this.o.registry.tryGet(def, namespace, name) : undefined;
      },
    };
  }

  /** The filter for ?labelSelector= and ?fieldSelector=; undefined when there are none. */
  private filterFor(def: ResourceDef, o: { labelSelector: string; fieldSelector: string }, name?: string): ((obj: KubeObject) => boolean) | undefined {
    let labels;
    let fields;
    try {
      labels = parseLabelSelector(o.labelSelector);
      fields = parseFieldSelector(o.fieldSelector);
    } catch (err) {
      if (err instanceof SelectorParseError) throw errors.badRequest(err.message);
      throw err;
    }
    // A watch on a named path is a watch with a metadata.name selector: another one is refused.
    if (name !== undefined && fields.length > 0 && !fields.some((f) => f.field === 'metadata.name' && f.operator === '=' && f.value === name)) {
      throw errors.badRequest("fieldSelector metadata.name doesn't match requested name");
    }
    const getters = def.fieldSelectors ?? {};
    for (const f of fields) {
      if (f.field !== 'metadata.name' && f.field !== 'metadata.namespace' && !getters[f.field]) {
        throw errors.badRequest(`field label not supported: ${f.field}`);
      }
    }
    const get = (obj: KubeObject) => (field: string): string | undefined => {
      if (field === 'metadata.name') return obj.metadata.name;
      if (field === 'metadata.namespace') return obj.metadata.namespace;
      return getters[field]?.(obj);
    };
    if (labels.empty && fields.length === 0) return undefined;
    return (obj) => labels.matches(obj.metadata.labels) && matchesFields(fields, get(obj));
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL, info: RequestInfo, user: RequestUser): Promise<void> {
    const def = this.o.resources.find(info.group, info.version, info.resource);
    if (!def) {
      throw errors.notFound({ group: info.group, resource: info.resource }, info.name ?? '');
    }
    const q = url.searchParams;
    if (def.namespaced && info.name && info.namespace === undefined && info.verb !== 'list' && info.verb !== 'watch') {
      throw errors.notFound({ group: def.group, resource: def.plural }, info.name);
    }
    const ns = def.namespaced ? info.namespace : undefined;
    const sub = info.subresource as Subresource | undefined;
    if (sub && !(def.subresources ?? []).includes(sub)) {
      throw errors.notFound({ group: def.group, resource: `${def.plural}/${sub}` }, info.name ?? '');
    }
    if (def.verbs && !def.verbs.includes(info.verb) && !sub) {
      throw errors.methodNotSupported({ group: def.group, resource: def.plural }, info.verb);
    }
    const neg = WRITE_VERBS.has(info.verb) ? { form: 'object' as const, yaml: false } : negotiate(req);
    if (def.requestWarnings?.length) addWarnings(res, def.requestWarnings);

    if (sub && sub !== 'status') {
      await handleSubresource({ req, res, url, info, def, namespace: ns, name: info.name!, sub, user, registry: this.o.registry, codecs: this.o.codecs, hooks: this.o.hooks, ctx: () => this.writeContext(req, subresourceWriteOptions(req, q), user) });
      return;
    }

    switch (info.verb) {
      case 'get': {
        const obj = await this.o.registry.get(def, ns, info.name!);
        return this.respondObject(res, def, obj, neg, q);
      }
      case 'list':
        return this.list(res, def, ns, q, listOptions(q), neg);
      case 'watch': {
        // A watch on a named path (.../configmaps/x?watch=true) watches that object alone, as
        // upstream turns the name into a metadata.name field selector.
        const options = listOptions(q, true);
        const selected = this.filterFor(def, options, info.name) ?? (() => true);
        const filter = info.name ? (o: KubeObject) => o.metadata.name === info.name && selected(o) : selected;
        const includeObject = neg.form === 'table' ? includeObjectOption(q) : 'Metadata';
        return serveWatch({ req, res, registry: this.o.registry, codecs: this.o.codecs, def, namespace: ns, options, includeObject, filter, form: neg.form });
      }
      case 'create': {
        if (sub) throw errors.methodNotSupported({ group: def.group, resource: `${def.plural}/${sub}` }, 'create');
        const w = writeOptions(q, 'CreateOptions');
        const body = await readBody(req);
        const { object, warnings } = this.o.codecs.decode(body, req.headers['content-type'] ?? 'application/json', def, w.fieldValidation);
        this.checkKind(def, object);
        if (def.review) return this.written(res, def, 201, await def.review(object, { ...this.writeContext(req, w, user), namespace: ns }), warnings);
        const created = await this.o.registry.create(def, ns, object, this.writeContext(req, w, user));
        return this.written(res, def, 201, created, warnings);
      }
      case 'update': {
        const w = writeOptions(q, 'UpdateOptions');
        const body = await readBody(req);
        const { object, warnings } = this.o.codecs.decode(body, req.headers['content-type'] ?? 'application/json', def, w.fieldValidation);
        this.checkKind(def, object);
        const updated = await this.o.registry.update(def, ns, info.name!, object, this.writeContext(req, w, user), sub);
        return this.written(res, def, 200, updated, warnings, sub);
      }
      case 'patch':
        return this.patch(req, res, def, ns, info.name!, q, user, sub);
      case 'delete': {
        const opts = await this.deleteOptions(req, q);
        const result = await this.o.registry.delete(def, ns, info.name!, opts, this.writeContext(req, deleteWriteQuery(opts), user));
        return writeJson(res, 200, result.object);
      }
      case 'deletecollection':
        return this.deleteCollection(req, res, def, ns, q, user);
      default:
        throw errors.methodNotSupported({ group: def.group, resource: def.plural }, req.method ?? '');
    }
  }

  private checkKind(def: ResourceDef, obj: KubeObject): void {
    const want = apiVersionOf(def);
    if (obj.apiVersion && obj.apiVersion !== want) {
      throw errors.badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${want})`);
    }
    if (obj.kind && obj.kind !== def.kind) {
      throw errors.badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${def.kind})`);
    }
  }

  private respondObject(res: ServerResponse, def: ResourceDef, obj: KubeObject, neg: Negotiated, q: URLSearchParams): void {
    if (neg.form === 'table') {
      return writeJson(res, 200, this.o.codecs.table(def, [obj], { now: new Date(), includeObject: includeObjectOption(q), resourceVersion: obj.metadata.resourceVersion }), neg.yaml);
    }
    if (neg.form === 'metadata') return writeJson(res, 200, partialMetadata(obj), neg.yaml);
    writeJson(res, 200, obj, neg.yaml);
  }

  private async list(res: ServerResponse, def: ResourceDef, ns: string | undefined, q: URLSearchParams, o: ListQuery, neg: Negotiated): Promise<void> {
    const filter = this.filterFor(def, o);
    // A negative limit lists everything, as upstream's storage ignores it.
    const limit = Math.max(0, o.limit);
    const includeObject = neg.form === 'table' ? includeObjectOption(q) : 'Metadata';
    const prefix = prefixFor(def, ns);
    const cont = o.continue;
    let revision: number | undefined;
    let startAfter: string | undefined;
    if (cont) {
      const rv = o.resourceVersion;
      if (rv && rv !== '0') throw errors.badRequest('specifying resource version is not allowed when using continue');
      const token = decodeContinue(cont, prefix);
      revision = token.revision;
      startAfter = token.startAfter;
    } else if (o.resourceVersionMatch === 'Exact' && o.resourceVersion) {
      revision = exactRevision(o.resourceVersion);
    }
    const fetched = async <T extends ListResponse | EncodedListResponse>(fetch: () => Promise<T>): Promise<{ result: T; metadata: Record<string, unknown> }> => {
      let result: T;
      try {
        result = await fetch();
      } catch (err) {
        if (isStoreError(err, 'Compacted')) {
          if (cont) throw errors.expired(CONTINUE_EXPIRED_MESSAGE);
          throw errors.expired(`too old resource version: ${revision} (${await this.o.registry.compactedRevision()})`);
        }
        throw err;
      }
      const metadata: Record<string, unknown> = { resourceVersion: String(result.revision) };
      if (result.lastKey && result.remaining > 0) {
        metadata.continue = encodeContinue(result.revision, result.lastKey, prefix);
        if (!o.labelSelector && !o.fieldSelector) metadata.remainingItemCount = result.remaining;
      }
      return { result, metadata };
    };
    const listKind = def.listKind ?? `${def.kind}List`;
    const apiVersion = apiVersionOf(def);
    const req = { namespace: ns, limit, startAfter, revision };
    // The common list (every object, as JSON) goes out without decoding a single object.
    if (!filter && neg.form === 'object' && !neg.yaml) {
      const { result, metadata } = await fetched(() => this.o.registry.listEncoded(def, req));
      const head = `{"kind":${JSON.stringify(listKind)},"apiVersion":${JSON.stringify(apiVersion)},"metadata":${JSON.stringify(metadata)}`;
      return writeJsonText(res, 200, `${head},"items":[${result.items.join(',')}]}`);
    }
    const { result, metadata } = await fetched(() => this.o.registry.list(def, { ...req, filter }));
    if (neg.form === 'table') {
      const table = this.o.codecs.table(def, result.items, {
        now: new Date(), includeObject, resourceVersion: String(result.revision), continue: metadata.continue as string | undefined,
      });
      return writeJson(res, 200, table, neg.yaml);
    }
    if (neg.form === 'metadata') return writeJson(res, 200, partialMetadataList(result.items, metadata), neg.yaml);
    writeJson(res, 200, { kind: listKind, apiVersion, metadata, items: result.items.map((o) => ({ ...o, apiVersion, kind: def.kind })) }, neg.yaml);
  }

  private async patch(req: IncomingMessage, res: ServerResponse, def: ResourceDef, ns: string | undefined, name: string, q: URLSearchParams, user: RequestUser, sub?: Subresource): Promise<void> {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim();
    if (!isApplyPatch(req) && !['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'].includes(contentType)) {
      throw unsupportedPatchType();
    }
    const w = writeOptions(q, 'PatchOptions', isApplyPatch(req));
    const body = await readBody(req);
    const ctx = this.writeContext(req, w, user);
    const opts = { fieldValidation: w.fieldValidation, fieldManager: ctx.fieldManager, force: w.force === true };
    let warnings: string[] = [];
    if (isApplyPatch(req)) {
      ctx.applied = true;
      const live = await this.o.registry.tryGet(def, ns, name);
      if (!live) {
        if (sub) throw errors.notFound({ group: def.group, resource: def.plural }, name);
        const applied = this.o.codecs.apply(undefined, body, def, opts);
        applied.object.metadata ??= {};
        applied.object.metadata.name ??= name;
        const created = await this.o.registry.create(def, ns, applied.object, ctx);
        return this.written(res, def, 201, created, applied.warnings);
      }
      const updated = await this.o.registry.guaranteedUpdate(def, ns, name, (current) => {
        const r = this.o.codecs.apply(current, body, def, opts);
        warnings = r.warnings;
        return r.object;
      }, ctx, sub);
      return this.written(res, def, 200, updated, warnings, sub);
    }
    const updated = await this.o.registry.guaranteedUpdate(def, ns, name, (current) => {
      const pinned = current.metadata.resourceVersion;
      const r = this.o.codecs.patch(current, body, contentType, def, opts);
      warnings = r.warnings;
      // A patch that names a resourceVersion pins it; otherwise it applies to whatever is current.
      if (r.object.metadata?.resourceVersion === pinned) delete r.object.metadata.resourceVersion;
      return r.object;
    }, ctx, sub);
    this.written(res, def, 200, updated, warnings, sub);
  }

  /** The answer to an accepted write: the decoder's warnings, the kind's own, then the object. */
  private written(res: ServerResponse, def: ResourceDef, status: number, obj: KubeObject, warnings: string[], sub?: Subresource): void {
    addWarnings(res, [...warnings, ...(sub ? [] : def.warnings?.(obj) ?? [])]);
    writeJson(res, status, obj);
  }

  /** DeleteOptions from the body or, when there is none, the query (as upstream: never both). */
  private async deleteOptions(req: IncomingMessage, q: URLSearchParams): Promise<DeleteOptions> {
    const body = await readBody(req);
    let o: DeleteQuery;
    if (body.length > 0) {
      const b = decodeDeleteOptions(body, req.headers['content-type']);
      o = { gracePeriodSeconds: b.gracePeriodSeconds, orphanDependents: b.orphanDependents, propagationPolicy: b.propagationPolicy, dryRun: b.dryRun ?? [], preconditions: b.preconditions };
    } else {
      o = deleteQueryOptions(q);
    }
    validateDeleteOptions(o);
    const opts: DeleteOptions = {};
    // Negative values count as 1 s, as upstream's BeforeDelete has it.
    if (o.gracePeriodSeconds !== undefined) opts.gracePeriodSeconds = o.gracePeriodSeconds < 0 ? 1 : o.gracePeriodSeconds;
    if (o.propagationPolicy) opts.propagationPolicy = o.propagationPolicy as DeleteOptions['propagationPolicy'];
    if (o.orphanDependents === true) opts.propagationPolicy = 'Orphan';
    else if (o.orphanDependents === false && !opts.propagationPolicy) opts.propagationPolicy = 'Background';
    if (o.preconditions) opts.preconditions = o.preconditions;
    if (o.dryRun.length) opts.dryRun = true;
    return opts;
  }

  private async deleteCollection(req: IncomingMessage, res: ServerResponse, def: ResourceDef, ns: string | undefined, q: URLSearchParams, user: RequestUser): Promise<void> {
    const listed = listOptions(q);
    const opts = await this.deleteOptions(req, q);
    const ctx = this.writeContext(req, deleteWriteQuery(opts), user);
    const { items, revision } = await this.o.registry.list(def, { namespace: ns, filter: this.filterFor(def, listed) });
    const deleted: KubeObject[] = [];
    for (const obj of items) {
      try {
        const r = await this.o.registry.delete(def, obj.metadata.namespace, obj.metadata.name!, opts, ctx);
        deleted.push(r.object);
      } catch (err) {
        if (!isApiError(err, 'NotFound')) throw err;
      }
    }
    writeJson(res, 200, { kind: def.listKind ?? `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: { resourceVersion: String(revision) }, items: deleted });
  }
}
