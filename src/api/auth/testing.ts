// Test helpers for auth/: users, request attributes, and RBAC objects built tersely.

import type { KubeObject } from '../../kube/types.js';
import { parseRequestInfo } from '../http/request-info.js';
import { requestAttributes, type Attributes } from './attributes.js';
import { RbacPolicy } from './rbac/policy.js';
import type { PolicyRule } from './rbac/rules.js';
import { ALL_AUTHENTICATED, serviceAccountGroups, serviceAccountUsername, type UserInfo } from './user.js';

export const user = (name: string, ...groups: string[]): UserInfo => ({ name, groups: [...groups, ALL_AUTHENTICATED] });

export const serviceAccount = (namespace: string, name: string): UserInfo => ({
  name: serviceAccountUsername(namespace, name), groups: [...serviceAccountGroups(namespace), ALL_AUTHENTICATED],
});

export const nodeUser = (node: string): UserInfo => ({ name: `system:node:${node}`, groups: ['system:nodes', ALL_AUTHENTICATED] });

/** The attributes of "METHOD /path?query" sent by u. */
export function attrs(u: UserInfo, method: string, path: string): Attributes {
  const url = new URL(path, 'https://localhost');
  return requestAttributes(method, url, parseRequestInfo(method, url), u);
}

export const roleObj = (name: string, rules: PolicyRule[], namespace?: string, labels?: Record<string, string>): KubeObject =>
  ({ metadata: { name, namespace, labels }, rules });

export function bindingObj(name: string, roleRef: { kind: string; name: string }, subjects: KubeObject['subjects'], namespace?: string): KubeObject {
  return { metadata: { name, namespace }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef }, subjects };
}

/** A policy holding the given roles and bindings (kind by shape: namespace and roleRef decide). */
export function policyOf(o: { roles?: KubeObject[]; clusterRoles?: KubeObject[]; roleBindings?: KubeObject[]; clusterRoleBindings?: KubeObject[] }): RbacPolicy {
  const p = new RbacPolicy();
  for (const r of o.roles ?? []) p.setRole(r);
  for (const r of o.clusterRoles ?? []) p.setClusterRole(r);
  for (const b of o.roleBindings ?? []) p.setRoleBinding(b);
  for (const b of o.clusterRoleBindings ?? []) p.setClusterRoleBinding(b);
  return p;
}
