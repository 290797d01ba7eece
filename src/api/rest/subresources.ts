// Subresources other than status: scale, pods/binding, pods/eviction, namespaces/finalize,
// serviceaccounts/token, and the streaming ones (log, exec, attach, portforward, proxy), which
// go to a hook that proxies them to the node agent.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, forbidden, invalid, type FieldError } from '../../kube/errors.js';
import { podLogQuery, podLogQueryString } from '../../kube/query.js';
import { converted } from './options.js';
import type { ResourceDef, Subresource, WriteContext } from '../resource.js';
import type { KubeObject, LabelSelector } from '../../kube/types.js';
import type { RequestInfo, RequestUser } from '../http/request-info.js';
import { readBody, writeJson } from '../http/respond.js';
import { labelSelectorFromSpec } from '../../kube/selectors.js';
import type { ApiCodecs } from './codecs.js';
import type { Registry } from './registry.js';
import { metaTime } from '../../common/time.js';

export interface ConnectRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  def: ResourceDef;
  namespace?: string;
  name: string;
  sub: Subresource;
  object: KubeObject;
  rest: string[];
}

export interface SubresourceHooks {
  /** pods/log, pods/proxy, and exec/attach/portforward when they arrive without an upgrade. */
  connect?(r: ConnectRequest): Promise<void>;
  /** serviceaccounts/token: fills status.token and status.expirationTimestamp of a TokenRequest; user: who asks. */
  issueToken?(serviceAccount: KubeObject, tokenRequest: KubeObject, user: RequestUser): Promise<KubeObject>;
}

export interface SubresourceRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  info: RequestInfo;
  def: ResourceDef;
  namespace?: string;
  name: string;
  sub: Subresource;
  user: RequestUser;
  registry: Registry;
  codecs: ApiCodecs;
  hooks: SubresourceHooks;
  ctx: () => WriteContext;
}

const success = (code: number) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code });

/** The autoscaling/v1 Scale pseudo-kind, for patches against /scale. */
const scaleDef: ResourceDef = {
  group: 'autoscaling', version: 'v1', kind: 'Scale', plural: 'scale', singular: 'scale', namespaced: true, schemaName: 'io.k8s.api.autoscaling.v1.Scale',
};

/** Decodes a subresource's body (JSON, YAML or protobuf) as group/version/kind. */
async function readObject(p: SubresourceRequest, group: string, version: string, kind: string): Promise<KubeObject> {
  const raw = await readBody(p.req);
  if (raw.length === 0) return { metadata: {} };
  const def: ResourceDef = { group, version, kind, plural: kind.toLowerCase(), singular: kind.toLowerCase(), namespaced: true };
  return p.codecs.decode(raw, p.req.headers['content-type'] ?? 'application/json', def, 'Ignore').object;
}

function selectorString(sel: LabelSelector | undefined): string {
  return labelSelectorFromSpec(sel, false)?.toString() ?? '';
}

/** The value at a simple JSON path (".spec.replicas"). */
function valueAt(obj: KubeObject, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.replace(/^\./, '').split('.')) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Sets the value at a simple JSON path, creating the objects on the way. */
function setValueAt(obj: KubeObject, path: string, value: unknown): void {
  const parts = path.replace(/^\./, '').split('.');
  let cur = obj as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) {
    if (typeof cur[part] !== 'object' || cur[part] === null || Array.isArray(cur[part])) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}

function toScale(def: ResourceDef, obj: KubeObject): KubeObject {
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  const paths = def.scale;
  const number = (v: unknown) => (typeof v === 'number' ? v : 0);
  const status: Record<string, unknown> = paths
    ? { replicas: number(valueAt(obj, paths.statusReplicasPath)) }
    : { replicas: obj.status?.replicas ?? 0, selector: selectorString(obj.spec?.selector) };
  if (paths?.labelSelectorPath && typeof valueAt(obj, paths.labelSelectorPath) === 'string') status.selector = valueAt(obj, paths.labelSelectorPath);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: paths ? number(valueAt(obj, paths.specReplicasPath)) : obj.spec?.replicas ?? 0 },
    status,
  };
}

export async function handleSubresource(p: SubresourceRequest): Promise<void> {
  const { req, res, def, namespace, name, sub, registry } = p;
  const method = req.method ?? 'GET';
  switch (sub) {
    case 'scale': return scale(p);
    case 'binding': {
      if (method !== 'POST') throw errors.methodNotSupported({ group: '', resource: 'pods/binding' }, method);
      const binding = await readObject(p, '', 'v1', 'Binding');
      const target = binding.target?.name;
      if (!target) throw errors.invalid('', 'Binding', name, [{ type: 'FieldValueRequired', field: 'target.name', detail: '' }]);
      await registry.guaranteedUpdate(def, namespace, name, (pod) => {
        if (pod.spec.nodeName) {
          throw errors.conflict({ group: '', resource: 'pods/binding' }, name, `pod ${name} is already assigned to node ${JSON.stringify(pod.spec.nodeName)}`);
        }
        if (pod.metadata.deletionTimestamp) throw errors.conflict({ group: '', resource: 'pods/binding' }, name, `pod ${name} is being deleted, cannot be assigned to a host`);
        pod.spec.nodeName = target;
        pod.status ??= {};
        const conds = (pod.status.conditions ?? []).filter((c: { type: string }) => c.type !== 'PodScheduled');
        conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: metaTime() });
        pod.status.conditions = conds;
        return pod;
      }, p.ctx(), 'binding');
      return writeJson(res, 201, success(201));
    }
    case 'eviction': {
      if (method !== 'POST') throw errors.methodNotSupported({ group: '', resource: 'pods/eviction' }, method);
      const eviction = await readObject(p, 'policy', 'v1', 'Eviction');
      const o = eviction.deleteOptions ?? {};
      await registry.delete(def, namespace, name, { gracePeriodSeconds: o.gracePeriodSeconds, preconditions: o.preconditions, dryRun: Array.isArray(o.dryRun) && o.dryRun.includes('All') }, p.ctx());
      return writeJson(res, 201, success(201));
    }
    case 'finalize': {
      if (method !== 'PUT') throw errors.methodNotSupported({ group: '', resource: 'namespaces/finalize' }, method);
      const body = await readObject(p, '', 'v1', 'Namespace');
      const finalizers: string[] = body.spec?.finalizers ?? [];
      const updated = await registry.guaranteedUpdate(def, undefined, name, (ns) => {
        ns.spec = { ...(ns.spec ?? {}), finalizers };
        if (finalizers.length === 0) delete ns.spec.finalizers;
        return ns;
      }, p.ctx(), 'finalize');
      return writeJson(res, 200, updated);
    }
    case 'token': {
      if (method !== 'POST') throw errors.methodNotSupported({ group: '', resource: 'serviceaccounts/token' }, method);
      if (!p.hooks.issueToken) throw errors.serviceUnavailable('token issuing is not configured');
      const sa = await registry.get(def, namespace, name);
      const request = await readObject(p, 'authentication.k8s.io', 'v1', 'TokenRequest');
      return writeJson(res, 201, await p.hooks.issueToken(sa, request, p.user));
    }
    case 'log': case 'exec': case 'attach': case 'portforward': case 'proxy': {
      const url = sub === 'log' ? logURL(p.url, name) : p.url;
      const object = await registry.get(def, namespace, name);
      if (!p.hooks.connect) throw errors.badRequest(`${sub} is not available: no node agent serves pods yet`);
      return p.hooks.connect({ req, res, url, def, namespace, name, sub, object, rest: p.info.rest });
    }
    default:
      throw errors.notFound({ group: def.group, resource: `${def.plural}/${sub}` }, name);
  }
}

/**
 * pods/log: PodLogOptions decoded (400) and validated (422) as upstream's LogREST does, and the URL
 * the node agent gets with them re-encoded as upstream's LogLocation writes them (follow=true, ...).
 */
function logURL(url: URL, name: string): URL {
  const o = converted(() => podLogQuery(url.searchParams));
  const errs: FieldError[] = [];
  if (o.tailLines !== undefined && o.tailLines < 0) errs.push(invalid('tailLines', o.tailLines, 'must be greater than or equal to 0'));
  if (o.limitBytes !== undefined && o.limitBytes < 1) errs.push(invalid('limitBytes', o.limitBytes, 'must be greater than 0'));
  if (o.sinceSeconds !== undefined && o.sinceTime !== undefined) errs.push(forbidden('', 'at most one of `sinceTime` or `sinceSeconds` may be specified'));
  else if (o.sinceSeconds !== undefined && o.sinceSeconds < 1) errs.push(invalid('sinceSeconds', o.sinceSeconds, 'must be greater than 0'));
  if (errs.length) throw errors.invalid('', 'PodLogOptions', name, errs);
  const q = podLogQueryString(o);
  if (o.container) q.set('container', o.container);
  const out = new URL(url);
  out.search = q.toString();
  return out;
}

async function scale(p: SubresourceRequest): Promise<void> {
  const { req, res, def, namespace, name, registry } = p;
  const method = req.method ?? 'GET';
  if (method === 'GET') return writeJson(res, 200, toScale(def, await registry.get(def, namespace, name)));
  const put = method === 'PUT' ? await readObject(p, 'autoscaling', 'v1', 'Scale') : undefined;
  const body = put ? Buffer.alloc(0) : await readBody(req);
  const contentType = (req.headers['content-type'] ?? 'application/json').split(';')[0].trim();
  const updated = await registry.guaranteedUpdate(def, namespace, name, (obj) => {
    const current = toScale(def, obj);
    let next: KubeObject;
    if (method === 'PUT') {
      next = put!;
      if (next.metadata?.resourceVersion && next.metadata.resourceVersion !== obj.metadata.resourceVersion) {
        throw errors.staleResourceVersion({ group: def.group, resource: def.plural }, name);
      }
    } else if (method === 'PATCH') {
      next = p.codecs.patch(current, body, contentType, scaleDef, { fieldValidation: 'Ignore', fieldManager: p.ctx().fieldManager, force: false }).object;
    } else {
      throw errors.methodNotSupported({ group: def.group, resource: `${def.plural}/scale` }, method);
    }
    const replicas = next.spec?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw errors.invalid('autoscaling', 'Scale', name, [{ type: 'FieldValueInvalid', field: 'spec.replicas', value: replicas ?? null, detail: 'must be greater than or equal to 0' }]);
    }
    if (def.scale) setValueAt(obj, def.scale.specReplicasPath, replicas);
    else obj.spec.replicas = replicas;
    delete obj.metadata.resourceVersion;
    return obj;
  }, p.ctx());
  writeJson(res, 200, toScale(def, updated));
}
