// The names authentication gives users and groups, as upstream's k8s.io/apiserver/pkg/authentication
// (user, serviceaccount) spells them.

import type { RequestUser } from '../http/request-info.js';

export type UserInfo = RequestUser;

export const SYSTEM_MASTERS = 'system:masters';
export const ALL_AUTHENTICATED = 'system:authenticated';
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
export const ANONYMOUS = 'system:anonymous';
export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';
export const KUBE_PROXY = 'system:kube-proxy';
export const KUBE_CONTROLLER_MANAGER = 'system:kube-controller-manager';
export const KUBE_SCHEDULER = 'system:kube-scheduler';
export const MONITORING_GROUP = 'system:monitoring';
export const ALL_SERVICE_ACCOUNTS = 'system:serviceaccounts';

const SA_PREFIX = 'system:serviceaccount:';

/** The extra keys a service-account token adds (pkg/serviceaccount). */
export const EXTRA = {
  credentialID: 'authentication.kubernetes.io/credential-id',
  podName: 'authentication.kubernetes.io/pod-name',
  podUID: 'authentication.kubernetes.io/pod-uid',
  nodeName: 'authentication.kubernetes.io/node-name',
  nodeUID: 'authentication.kubernetes.io/node-uid',
};

export const serviceAccountUsername = (namespace: string, name: string): string => `${SA_PREFIX}${namespace}:${name}`;

/** system:serviceaccounts, system:serviceaccounts:<ns>: the groups of every service account of a namespace. */
export const serviceAccountGroups = (namespace: string): string[] => [ALL_SERVICE_ACCOUNTS, `${ALL_SERVICE_ACCOUNTS}:${namespace}`];

/** The namespace and name of a service-account user name, or undefined for other users. */
export function parseServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SA_PREFIX)) return undefined;
  const parts = username.slice(SA_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { namespace: parts[0], name: parts[1] };
}

/** The node a user stands for (system:node:<name> in group system:nodes), as upstream's NodeIdentifier decides. */
export function nodeIdentity(user: UserInfo): { isNode: boolean; nodeName: string } {
  if (!user.name.startsWith(NODE_USER_PREFIX) || !user.groups.includes(NODES_GROUP)) return { isNode: false, nodeName: '' };
  return { isNode: true, nodeName: user.name.slice(NODE_USER_PREFIX.length) };
}

export const anonymousUser = (): UserInfo => ({ name: ANONYMOUS, groups: [ALL_UNAUTHENTICATED] });
