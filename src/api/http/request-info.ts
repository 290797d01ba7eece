// Parses a request path into what it addresses, as upstream's RequestInfoFactory does:
// /api/v1/namespaces/default/pods/web/log -> {group '', version v1, namespace default, resource pods, name web, subresource log}.

import { queryBool } from '../../kube/query.js';

export interface RequestInfo {
  /** false for /healthz, /version, /openapi/..., discovery documents. */
  isResourceRequest: boolean;
  path: string;
  /** 'api' or 'apis' for API paths. */
  prefix?: string;
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  /** Path segments after the subresource (pods/x/proxy/a/b). */
  rest: string[];
  verb: 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'connect' | '';
}

export function parseRequestInfo(method: string, url: URL): RequestInfo {
  const path = url.pathname;
  const info: RequestInfo = { isResourceRequest: false, path, group: '', version: '', resource: '', rest: [], verb: '' };
  const parts = path.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p));
  if (parts.length === 0 || (parts[0] !== 'api' && parts[0] !== 'apis')) return info;
  info.prefix = parts[0];
  let i = 1;
  if (parts[0] === 'apis') {
    if (parts.length < 3) return info; // /apis, /apis/<group>
    info.group = parts[1];
    info.version = parts[2];
    i = 3;
  } else {
    if (parts.length < 2) return info; // /api
    info.version = parts[1];
    i = 2;
  }
  if (parts.length === i) return info; // group-version discovery
  info.isResourceRequest = true;
  let rest = parts.slice(i);
  let legacyWatch = false;
  if (rest[0] === 'watch') {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  // namespaces/<ns>/<resource>/... addresses a namespaced resource, but namespaces/<name>[/status|finalize] is the namespace itself.
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))) {
    info.namespace = rest[1];
    rest = rest.slice(2);
  }
  info.resource = rest[0] ?? '';
  info.name = rest[1];
  info.subresource = rest[2];
  info.rest = rest.slice(3);

  // ?watch= as upstream converts it: anything but "0" and "false" (any case) is true (watch=True).
  const isWatch = legacyWatch || queryBool(url.searchParams, 'watch');
  switch (method) {
    case 'GET': case 'HEAD':
      if (info.subresource && ['exec', 'attach', 'portforward', 'proxy'].includes(info.subresource)) info.verb = 'connect';
      else if (info.name && !isWatch) info.verb = 'get';
      else if (isWatch) info.verb = 'watch';
      else info.verb = 'list';
      break;
    case 'POST':
      info.verb = info.subresource && ['exec', 'attach', 'portforward', 'proxy'].includes(info.subresource) ? 'connect' : 'create';
      break;
    case 'PUT': info.verb = 'update'; break;
    case 'PATCH': info.verb = 'patch'; break;
    case 'DELETE': info.verb = info.name ? 'delete' : 'deletecollection'; break;
    default: info.verb = '';
  }
  return info;
}

/** Who sent a request, as authentication established it (user.Info upstream). */
export interface RequestUser {
  name: string;
  groups: string[];
  uid?: string;
  /** Upstream's user.Info extra: what the authenticator knows beyond name and groups (a token's pod, ...). */
  extra?: Record<string, string[]>;
}
