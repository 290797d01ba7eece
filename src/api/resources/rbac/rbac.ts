// rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding and ClusterRoleBinding
// (pkg/apis/rbac/validation, rbac/v1 defaults). Whether the writer may grant what they write is
// checked after validation by the API server's RBAC admission (src/api/auth/rbac/admission.ts).

import { GoValue, invalid, notSupported, required, type FieldError } from '../../../kube/errors.js';
import type { KubeObject } from '../../../kube/types.js';
import type { ResourceDef } from '../../resource.js';
import { child, index } from '../../validation/fieldpath.js';
import { validateLabelSelector } from '../../validation/selectors.js';
import { isDNS1123Subdomain, isValidPathSegmentName } from '../../validation/strings.js';
import { deepEqual, isRecord, list, record, str } from '../../validation/values.js';

const GROUP = 'rbac.authorization.k8s.io';

/** A PolicyRule (ValidatePolicyRule): namespaced roles may not hold non-resource URLs. */
function validateRule(raw: unknown, namespaced: boolean, field: string): FieldError[] {
  const r = record(raw);
  const errs: FieldError[] = [];
  if (list(r.verbs).length === 0) errs.push(required(child(field, 'verbs'), 'verbs must contain at least one value'));
  const urls = list<string>(r.nonResourceURLs);
  if (urls.length) {
    if (namespaced) errs.push(invalid(child(field, 'nonResourceURLs'), urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (list(r.apiGroups).length || list(r.resources).length || list(r.resourceNames).length) {
      errs.push(invalid(child(field, 'nonResourceURLs'), urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (list(r.apiGroups).length === 0) errs.push(required(child(field, 'apiGroups'), 'resource rules must supply at least one api group'));
  if (list(r.resources).length === 0) errs.push(required(child(field, 'resources'), 'resource rules must supply at least one resource'));
  return errs;
}

function validateRole(o: KubeObject, namespaced: boolean): FieldError[] {
  const errs = list(o.rules).flatMap((r, i) => validateRule(r, namespaced, index('rules', i)));
  if (!namespaced && o.aggregationRule != null) {
    const selectors = list(record(o.aggregationRule).clusterRoleSelectors);
    if (selectors.length === 0) errs.push(required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    selectors.forEach((s, i) => errs.push(...validateLabelSelector(s, index('aggregationRule.clusterRoleSelectors', i))));
  }
  return errs;
}

/** A binding's subject (ValidateRoleBindingSubject). */
function validateSubject(raw: unknown, namespaced: boolean, field: string): FieldError[] {
  const s = record(raw);
  const errs: FieldError[] = [];
  const name = str(s.name);
  if (!name) errs.push(required(child(field, 'name')));
  switch (s.kind) {
    case 'ServiceAccount':
      if (name) errs.push(...isDNS1123Subdomain(name).map((m) => invalid(child(field, 'name'), name, m)));
      if (str(s.apiGroup)) errs.push(notSupported(child(field, 'apiGroup'), s.apiGroup, ['']));
      if (!namespaced && !str(s.namespace)) errs.push(required(child(field, 'namespace')));
      break;
    case 'User': case 'Group':
      if (s.apiGroup !== GROUP) errs.push(notSupported(child(field, 'apiGroup'), s.apiGroup ?? '', [GROUP]));
      break;
    default:
      errs.push(notSupported(child(field, 'kind'), s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

function validateBinding(o: KubeObject, namespaced: boolean): FieldError[] {
  const ref = record(o.roleRef);
  const errs: FieldError[] = [];
  if (ref.apiGroup !== GROUP) errs.push(notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(str(ref.kind))) errs.push(notSupported('roleRef.kind', ref.kind ?? '', kinds));
  const name = str(ref.name);
  if (!name) errs.push(required('roleRef.name'));
  else errs.push(...isValidPathSegmentName(name).map((m) => invalid('roleRef.name', name, m)));
  list(o.subjects).forEach((s, i) => errs.push(...validateSubject(s, namespaced, index('subjects', i))));
  return errs;
}

/** rbac.RoleRef{APIGroup:"...", Kind:"...", Name:"..."}, as upstream prints the value it refuses to change. */
function roleRefValue(ref: unknown): GoValue {
  const r = record(ref);
  return new GoValue(`rbac.RoleRef{APIGroup:${JSON.stringify(str(r.apiGroup))}, Kind:${JSON.stringify(str(r.kind))}, Name:${JSON.stringify(str(r.name))}}`);
}

function validateBindingUpdate(o: KubeObject, old: KubeObject, namespaced: boolean): FieldError[] {
  const errs = validateBinding(o, namespaced);
  if (!deepEqual(o.roleRef, old.roleRef)) errs.push(invalid('roleRef', roleRefValue(o.roleRef), 'cannot change roleRef'));
  return errs;
}

/** roleRef.apiGroup, and each subject's apiGroup by kind (SetDefaults_RoleBinding, SetDefaults_Subject). */
function defaultBinding(o: KubeObject): void {
  if (isRecord(o.roleRef) && !o.roleRef.apiGroup) o.roleRef.apiGroup = GROUP;
  for (const s of list<Record<string, unknown>>(o.subjects)) {
    if (!isRecord(s) || s.apiGroup) continue;
    if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = GROUP;
  }
}

const common = { group: GROUP, version: 'v1', nameValidation: 'pathSegment' as const };

export function roleResource(): ResourceDef {
  return {
    ...common, kind: 'Role', plural: 'roles', singular: 'role', namespaced: true,
    schemaName: 'io.k8s.api.rbac.v1.Role',
    validate: (o) => validateRole(o, true),
    validateUpdate: (o) => validateRole(o, true),
  };
}

export function clusterRoleResource(): ResourceDef {
  return {
    ...common, kind: 'ClusterRole', plural: 'clusterroles', singular: 'clusterrole', namespaced: false,
    schemaName: 'io.k8s.api.rbac.v1.ClusterRole',
    validate: (o) => validateRole(o, false),
    validateUpdate: (o) => validateRole(o, false),
  };
}

export function roleBindingResource(): ResourceDef {
  return {
    ...common, kind: 'RoleBinding', plural: 'rolebindings', singular: 'rolebinding', namespaced: true,
    schemaName: 'io.k8s.api.rbac.v1.RoleBinding',
    defaults: defaultBinding,
    validate: (o) => validateBinding(o, true),
    validateUpdate: (o, old) => validateBindingUpdate(o, old, true),
  };
}

export function clusterRoleBindingResource(): ResourceDef {
  return {
    ...common, kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', singular: 'clusterrolebinding', namespaced: false,
    schemaName: 'io.k8s.api.rbac.v1.ClusterRoleBinding',
    defaults: defaultBinding,
    validate: (o) => validateBinding(o, false),
    validateUpdate: (o, old) => validateBindingUpdate(o, old, false),
  };
}

export function rbacResources(): ResourceDef[] {
  return [clusterRoleBindingResource(), clusterRoleResource(), roleBindingResource(), roleResource()];
}
