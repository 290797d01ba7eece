// What an authorizer decides on: who asks, which verb, on which resource or path (upstream's
// authorizer.Attributes), built from a request as upstream's RequestInfoFactory and
// GetAuthorizerAttributes build them.

import type { RequestInfo } from '../http/request-info.js';
import { parseFieldSelector, parseLabelSelector, type FieldRequirement, type LabelRequirement } from '../../kube/selectors.js';
import { isValidPathSegmentName } from '../validation/strings.js';
import type { UserInfo } from './user.js';

export interface Attributes {
  user: UserInfo;
  verb: string;
  /** A request on a resource (/api, /apis paths below a group version), not a plain path. */
  resourceRequest: boolean;
  /** The request path, for non-resource requests ("/healthz"). */
  path: string;
  namespace: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  name: string;
  /** Parsed ?fieldSelector= of a list, watch or deletecollection (upstream's AuthorizeWithSelectors). */
  fieldSelector?: FieldRequirement[];
  labelSelector?: LabelRequirement[];
}

const CONNECT_SUBRESOURCES = new Set(['exec', 'attach', 'portforward', 'proxy']);

const HTTP_VERBS: Record<string, string> = { GET: 'get', HEAD: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/** The attributes of one request. */
export function requestAttributes(method: string, url: URL, info: RequestInfo, user: UserInfo): Attributes {
  if (!info.isResourceRequest) {
    return { user, verb: method.toLowerCase(), resourceRequest: false, path: url.pathname, namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '' };
  }
  let verb: string = info.verb;
  // Streaming subresources are authorized by their HTTP method: GET pods/exec is "get", POST "create".
  if (verb === 'connect' || (info.subresource && CONNECT_SUBRESOURCES.has(info.subresource))) verb = HTTP_VERBS[method] ?? method.toLowerCase();
  let name = info.name ?? '';
  // A namespace's own path names its namespace: /api/v1/namespaces/team-a is in "team-a".
  let namespace = info.namespace ?? '';
  if (info.group === '' && info.resource === 'namespaces' && name) namespace = name;
  const attrs: Attributes = {
    user, verb, resourceRequest: true, path: url.pathname, namespace,
    apiGroup: info.group, apiVersion: info.version, resource: info.resource, subresource: info.subresource ?? '', name,
  };
  if (verb === 'list' || verb === 'watch' || verb === 'deletecollection') {
    try {
      attrs.fieldSelector = parseFieldSelector(url.searchParams.get('fieldSelector'));
      attrs.labelSelector = parseLabelSelector(url.searchParams.get('labelSelector')).requirements;
    } catch {
      // A selector that does not parse is refused later, with its own message; it selects nothing here.
    }
    // A list or watch of one object by metadata.name is a read of that object (upstream sets the name).
    if (!name && verb !== 'deletecollection') {
      const byName = attrs.fieldSelector?.find((r) => r.field === 'metadata.name' && r.operator === '=');
      if (byName && isValidPathSegmentName(byName.value).length === 0) name = byName.value;
      attrs.name = name;
    }
  }
  return attrs;
}

/** The attributes of a check a review asks about (SubjectAccessReview's resource or non-resource attributes). */
export function resourceAttributes(user: UserInfo, a: { verb?: string; namespace?: string; group?: string; version?: string; resource?: string; subresource?: string; name?: string }): Attributes {
  return {
    user, verb: a.verb ?? '', resourceRequest: true, path: '', namespace: a.namespace ?? '', apiGroup: a.group ?? '', apiVersion: a.version ?? '',
    resource: a.resource ?? '', subresource: a.subresource ?? '', name: a.name ?? '',
  };
}

export function nonResourceAttributes(user: UserInfo, verb: string, path: string): Attributes {
  return { user, verb, resourceRequest: false, path, namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '' };
}
