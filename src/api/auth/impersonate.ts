// Impersonation (upstream's WithImpersonation filter): Impersonate-User, Impersonate-Group,
// Impersonate-Uid and Impersonate-Extra-<key> make the request act as another user, if the
// requester may "impersonate" each of them: users, groups or serviceaccounts in the core group,
// uids and userextras/<key> in authentication.k8s.io. `kubectl --as` and `kubectl auth can-i --as`
// send them.

import type { IncomingMessage } from 'node:http';
import { errors } from '../../kube/errors.js';
import { resourceAttributes, type Attributes } from './attributes.js';
import { forbiddenError, type Authorizer } from './authorizer.js';
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS, parseServiceAccountUsername, serviceAccountGroups, serviceAccountUsername, type UserInfo } from './user.js';

const EXTRA_PREFIX = 'impersonate-extra-';

const headerValues = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Whether the request asks to act as someone else. */
export function wantsImpersonation(req: IncomingMessage): boolean {
  return Object.keys(req.headers).some((h) => h.startsWith('impersonate-'));
}

/** The user the request acts as; throws 403 when the requester may not impersonate it. */
export function impersonate(req: IncomingMessage, requester: UserInfo, authorizer: Authorizer): UserInfo {
  const asUser = headerValues(req.headers['impersonate-user'])[0] ?? '';
  const asGroups = headerValues(req.headers['impersonate-group']);
  const asUID = headerValues(req.headers['impersonate-uid'])[0] ?? '';
  const extras: [string, string][] = [];
  for (const [h, v] of Object.entries(req.headers)) {
    if (!h.startsWith(EXTRA_PREFIX)) continue;
    // Keys are percent-encoded in header names (they may hold '/').
    const key = decodeURIComponent(h.slice(EXTRA_PREFIX.length).toLowerCase());
    for (const value of headerValues(v)) extras.push([key, value]);
  }
  if (!asUser) {
    if (asGroups.length || extras.length || asUID) throw errors.internal(new Error('requested impersonation of groups, extra or a uid without impersonating a user'));
    return requester;
  }
  const checks: Attributes[] = [];
  let name = asUser;
  let groups: string[] = [];
  const sa = parseServiceAccountUsername(asUser);
  if (sa) {
    checks.push(resourceAttributes(requester, { verb: 'impersonate', version: 'v1', resource: 'serviceaccounts', namespace: sa.namespace, name: sa.name }));
    name = serviceAccountUsername(sa.namespace, sa.name);
    if (asGroups.length === 0) groups = serviceAccountGroups(sa.namespace);
  } else {
    checks.push(resourceAttributes(requester, { verb: 'impersonate', version: 'v1', resource: 'users', name: asUser }));
  }
  for (const g of asGroups) {
    checks.push(resourceAttributes(requester, { verb: 'impersonate', version: 'v1', resource: 'groups', name: g }));
    groups.push(g);
  }
  const extra: Record<string, string[]> = {};
  for (const [key, value] of extras) {
    checks.push(resourceAttributes(requester, { verb: 'impersonate', group: 'authentication.k8s.io', version: 'v1', resource: 'userextras', subresource: key, name: value }));
    (extra[key] ??= []).push(value);
  }
  if (asUID) checks.push(resourceAttributes(requester, { verb: 'impersonate', group: 'authentication.k8s.io', version: 'v1', resource: 'uids', name: asUID }));
  for (const a of checks) {
    const r = authorizer.authorize(a);
    if (r.decision !== 'allow') throw forbiddenError(a, r.reason);
  }
  // A user other than anonymous is authenticated, unless the groups say otherwise.
  if (name !== ANONYMOUS) {
    if (!groups.includes(ALL_AUTHENTICATED) && !groups.includes(ALL_UNAUTHENTICATED)) groups.push(ALL_AUTHENTICATED);
  } else if (!groups.includes(ALL_UNAUTHENTICATED)) {
    groups.push(ALL_UNAUTHENTICATED);
  }
  const user: UserInfo = { name, groups };
  if (asUID) user.uid = asUID;
  if (Object.keys(extra).length) user.extra = extra;
  return user;
}
