// The paths of an OpenAPI v3 document: every operation a served resource has, named and shaped as
// upstream's (operationId, x-kubernetes-action, x-kubernetes-group-version-kind on the operation).
// PATCH, POST and PUT declare the fieldValidation query parameter: kubectl looks for it on the
// PATCH operation of a kind to leave field validation to the server.

import type { Subresource } from '../resource.js';
import { type JsonSchema, PATCH, ref } from './components.js';
import { structForKind } from './schema.js';

/** A resource as the documents need it (a ResourceDef fits). */
export interface ServedResource {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  subresources?: Subresource[];
  /** Defaults to every verb. */
  verbs?: string[];
}

type GVK = { group: string; version: string; kind: string };
type Operation = Record<string, unknown>;
type PathItem = Record<string, unknown>;

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const DELETE_OPTIONS = 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions';
const STATUS = 'io.k8s.apimachinery.pkg.apis.meta.v1.Status';

const query = (name: string, type = 'string'): JsonSchema => ({ name, in: 'query', schema: { type, uniqueItems: true } });
const pathParam = (name: string): JsonSchema => ({ name, in: 'path', required: true, schema: { type: 'string', uniqueItems: true } });
const WRITE_PARAMS = [query('dryRun'), query('fieldManager'), query('fieldValidation')];
const LIST_PARAMS = [query('allowWatchBookmarks', 'boolean'), query('continue'), query('fieldSelector'), query('labelSelector'),
  query('limit', 'integer'), query('resourceVersion'), query('resourceVersionMatch'), query('sendInitialEvents', 'boolean'),
  query('timeoutSeconds', 'integer'), query('watch', 'boolean')];
const DELETE_PARAMS = [query('dryRun'), query('gracePeriodSeconds', 'integer'), query('orphanDependents', 'boolean'), query('propagationPolicy')];

function content(schema: JsonSchema, types = ['application/json', 'application/yaml']): JsonSchema {
  return Object.fromEntries(types.map((t) => [t, { schema }]));
}

const respond = (codes: Record<string, string>, schema: JsonSchema, types?: string[]) => ({
  ...Object.fromEntries(Object.entries(codes).map(([code, description]) => [code, { description, content: content(schema, types) }])),
  401: { description: 'Unauthorized' },
});

/** The schema name of a served kind, from the schema's x-kubernetes-group-version-kind. */
export function schemaNameOf(gvk: GVK): string {
  const def = structForKind(gvk.group, gvk.version, gvk.kind);
  if (!def) throw new Error(`openapi: no schema for ${gvk.group}/${gvk.version} ${gvk.kind}`);
  return def.name;
}

const upper = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Operations of one resource, by path. `uses` collects the schemas they refer to. */
export function resourcePaths(r: ServedResource, uses: Set<string>): Record<string, PathItem> {
  const verbs = new Set(r.verbs ?? ALL_VERBS);
  const subs = new Set(r.subresources ?? []);
  const prefix = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const tag = `${r.group ? r.group.split('.')[0] : 'core'}_${r.version}`;
  const gv = `${upper(r.group ? r.group.split('.')[0] : 'core')}${upper(r.version)}`;
  const scope = r.namespaced ? 'Namespaced' : '';
  const collection = `${prefix}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}`;
  const item = `${collection}/{name}`;
  const self: GVK = { group: r.group, version: r.version, kind: r.kind };
  const kindSchema = (gvk: GVK) => {
    const name = schemaNameOf(gvk);
    uses.add(name);
    return ref(name);
  };
  const op = (action: string, operationId: string, gvk: GVK, rest: Operation): Operation => ({
    tags: [tag],
    operationId,
    ...rest,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: gvk.group, kind: gvk.kind, version: gvk.version },
  });
  const body = (gvk: GVK) => ({ content: { '*/*': { schema: kindSchema(gvk) } }, required: true });
  const patchBody = () => {
    uses.add(PATCH);
    const types = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];
    return { content: Object.fromEntries(types.map((t) => [t, { schema: ref(PATCH) }])), required: true };
  };
  // get, put and patch on an object-shaped endpoint (the object itself, /status, /scale, ...).
  const objectOps = (suffix: string, gvk: GVK, allowed: (v: string) => boolean): PathItem => {
    const out: PathItem = {};
    if (allowed('get')) out.get = op('get', `read${gv}${scope}${r.kind}${suffix}`, gvk, { responses: respond({ 200: 'OK' }, kindSchema(gvk)) });
    if (allowed('update')) {
      out.put = op('put', `replace${gv}${scope}${r.kind}${suffix}`, gvk, {
        parameters: WRITE_PARAMS, requestBody: body(gvk), responses: respond({ 200: 'OK', 201: 'Created' }, kindSchema(gvk)),
      });
    }
    if (allowed('patch')) {
      out.patch = op('patch', `patch${gv}${scope}${r.kind}${suffix}`, gvk, {
        parameters: [...WRITE_PARAMS, query('force', 'boolean')], requestBody: patchBody(), responses: respond({ 200: 'OK', 201: 'Created' }, kindSchema(gvk)),
      });
    }
    return out;
  };
  const paths: Record<string, PathItem> = {};
  const nsParams = r.namespaced ? [pathParam('namespace')] : [];
  const itemParams = [pathParam('name'), ...nsParams, query('pretty')];

  const list: PathItem = { parameters: [...nsParams, query('pretty')] };
  if (verbs.has('list')) {
    list.get = op('list', `list${gv}${scope}${r.kind}`, self, {
      parameters: LIST_PARAMS,
      responses: respond({ 200: 'OK' }, ref(`${schemaNameOf(self)}List`), ['application/json', 'application/yaml', 'application/json;stream=watch']),
    });
    uses.add(`${schemaNameOf(self)}List`);
  }
  if (verbs.has('create')) {
    list.post = op('post', `create${gv}${scope}${r.kind}`, self, {
      parameters: WRITE_PARAMS, requestBody: body(self), responses: respond({ 200: 'OK', 201: 'Created', 202: 'Accepted' }, kindSchema(self)),
    });
  }
  if (verbs.has('deletecollection')) {
    uses.add(DELETE_OPTIONS).add(STATUS);
    list.delete = op('deletecollection', `delete${gv}Collection${scope}${r.kind}`, self, {
      parameters: [...DELETE_PARAMS, ...LIST_PARAMS.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks')],
      requestBody: { content: { '*/*': { schema: ref(DELETE_OPTIONS) } } },
      responses: respond({ 200: 'OK' }, ref(STATUS)),
    });
  }
  if (Object.keys(list).length > 1) paths[collection] = list;

  const obj: PathItem = { parameters: itemParams, ...objectOps('', self, (v) => verbs.has(v)) };
  if (verbs.has('delete')) {
    uses.add(DELETE_OPTIONS).add(STATUS);
    obj.delete = op('delete', `delete${gv}${scope}${r.kind}`, self, {
      parameters: DELETE_PARAMS, requestBody: { content: { '*/*': { schema: ref(DELETE_OPTIONS) } } },
      responses: respond({ 200: 'OK', 202: 'Accepted' }, ref(STATUS)),
    });
  }
  if (Object.keys(obj).length > 1) paths[item] = obj;

  if (r.namespaced && verbs.has('list')) {
    paths[`${prefix}/${r.plural}`] = {
      parameters: [query('pretty')],
      get: op('list', `list${gv}${r.kind}ForAllNamespaces`, self, {
        parameters: LIST_PARAMS,
        responses: respond({ 200: 'OK' }, ref(`${schemaNameOf(self)}List`), ['application/json', 'application/yaml', 'application/json;stream=watch']),
      }),
    };
  }

  for (const sub of subs) Object.assign(paths, subresourcePaths(sub));
  return paths;

  function subresourcePaths(sub: Subresource): Record<string, PathItem> {
    const at = `${item}/${sub}`;
    const all = () => true;
    const create = (gvk: GVK, name: string): PathItem => ({
      parameters: itemParams,
      post: op('post', `create${gv}${scope}${r.kind}${name}`, gvk, {
        parameters: WRITE_PARAMS, requestBody: body(gvk), responses: respond({ 200: 'OK', 201: 'Created', 202: 'Accepted' }, kindSchema(gvk)),
      }),
    });
    const connect = (optionsKind: string, name: string, methods: string[]): PathItem => {
      const out: PathItem = { parameters: itemParams };
      for (const m of methods) {
        out[m] = op('connect', `connect${gv}${upper(m)}${scope}${r.kind}${name}`, { group: r.group, version: r.version, kind: optionsKind }, {
          responses: { 200: { description: 'OK', content: { '*/*': { schema: { type: 'string' } } } }, 401: { description: 'Unauthorized' } },
        });
      }
      return out;
    };
    switch (sub) {
      case 'status': return { [at]: { parameters: itemParams, ...objectOps('Status', self, all) } };
      case 'scale': return { [at]: { parameters: itemParams, ...objectOps('Scale', { group: 'autoscaling', version: 'v1', kind: 'Scale' }, all) } };
      case 'ephemeralcontainers': return { [at]: { parameters: itemParams, ...objectOps('EphemeralContainers', self, all) } };
      case 'binding': return { [at]: create({ group: '', version: 'v1', kind: 'Binding' }, 'Binding') };
      case 'eviction': return { [at]: create({ group: 'policy', version: 'v1', kind: 'Eviction' }, 'Eviction') };
      case 'token': return { [at]: create({ group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, 'Token') };
      case 'log': return {
        [at]: {
          parameters: itemParams,
          get: op('get', `read${gv}${scope}${r.kind}Log`, self, {
            parameters: [query('container'), query('follow', 'boolean'), query('limitBytes', 'integer'), query('previous', 'boolean'),
              query('sinceSeconds', 'integer'), query('tailLines', 'integer'), query('timestamps', 'boolean')],
            responses: { 200: { description: 'OK', content: { 'text/plain': { schema: { type: 'string' } } } }, 401: { description: 'Unauthorized' } },
          }),
        },
      };
      case 'exec': return { [at]: connect(`${r.kind}ExecOptions`, 'Exec', ['get', 'post']) };
      case 'attach': return { [at]: connect(`${r.kind}AttachOptions`, 'Attach', ['get', 'post']) };
      case 'portforward': return { [at]: connect(`${r.kind}PortForwardOptions`, 'Portforward', ['get', 'post']) };
      case 'proxy': return {
        [at]: connect(`${r.kind}ProxyOptions`, 'Proxy', ['delete', 'get', 'head', 'options', 'patch', 'post', 'put']),
        [`${at}/{path}`]: { ...connect(`${r.kind}ProxyOptions`, 'ProxyWithPath', ['delete', 'get', 'head', 'options', 'patch', 'post', 'put']), parameters: [...itemParams, pathParam('path')] },
      };
      default: return {};
    }
  }
}
