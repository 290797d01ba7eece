// Writing the default policy at start, as kube-apiserver's rbac/bootstrap-roles hook does: a
// missing role or binding is created; an existing one gains what it lacks (rules, aggregation
// selectors, subjects, labels and annotations) and keeps what users added, unless its annotation
// rbac.authorization.kubernetes.io/autoupdate is "false", which leaves it alone.

import { isApiError } from '../../../kube/errors.js';
import type { KubeObject } from '../../../kube/types.js';
import type { ResourceDef, WriteContext } from '../../resource.js';
import type { Registry } from '../../rest/registry.js';
import { deepEqual } from '../../validation/values.js';
import { covers } from '../rbac/escalation.js';
import type { Subject } from '../rbac/policy.js';
import { RBAC_GROUP, type PolicyRule } from '../rbac/rules.js';
import { bootstrapPolicy, type BindingSpec, type ClusterRoleSpec } from './policy.js';

export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';
const BOOTSTRAP_LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };

const API_VERSION = `${RBAC_GROUP}/v1`;

function subjectOf(spec: string): Subject {
  const [kind, ...rest] = spec.split(':');
  if (kind === 'ServiceAccount') return { kind, name: rest.slice(1).join(':'), namespace: rest[0] };
  return { kind, apiGroup: RBAC_GROUP, name: rest.join(':') };
}

function metadata(name: string, namespace?: string, labels?: Record<string, string>): KubeObject['metadata'] {
  return { name, ...(namespace ? { namespace } : {}), labels: { ...BOOTSTRAP_LABELS, ...labels }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } };
}

export function roleObject(spec: ClusterRoleSpec, namespace?: string): KubeObject {
  const obj: KubeObject = { apiVersion: API_VERSION, kind: namespace ? 'Role' : 'ClusterRole', metadata: metadata(spec.name, namespace, spec.labels) };
  if (spec.aggregateFrom) obj.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { [spec.aggregateFrom]: 'true' } }] };
  else obj.rules = structuredClone(spec.rules ?? []);
  return obj;
}

export function bindingObject(spec: BindingSpec, namespace?: string, roleKind: 'Role' | 'ClusterRole' = 'ClusterRole'): KubeObject {
  const obj: KubeObject = {
    apiVersion: API_VERSION, kind: namespace ? 'RoleBinding' : 'ClusterRoleBinding', metadata: metadata(spec.name, namespace),
    roleRef: { apiGroup: RBAC_GROUP, kind: roleKind, name: spec.role },
  };
  if (spec.subjects.length) obj.subjects = spec.subjects.map(subjectOf);
  return obj;
}

/** Keys of want missing from have, added; have's own values win. */
function mergedMap(have: Record<string, string> | undefined, want: Record<string, string> | undefined): Record<string, string> | undefined {
  const out = { ...(want ?? {}), ...(have ?? {}) };
  return Object.keys(out).length ? out : undefined;
}

/** The existing role with what the expected one adds, or undefined when nothing is missing. */
export function reconcileRole(existing: KubeObject, expected: KubeObject): KubeObject | undefined {
  if (existing.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return undefined;
  const next = structuredClone(existing);
  next.metadata.labels = mergedMap(existing.metadata.labels, expected.metadata.labels);
  next.metadata.annotations = mergedMap(existing.metadata.annotations, expected.metadata.annotations);
  const { missing } = covers((existing.rules ?? []) as PolicyRule[], (expected.rules ?? []) as PolicyRule[]);
  if (missing.length) next.rules = [...(existing.rules ?? []), ...missing];
  const wantSelectors: unknown[] = expected.aggregationRule?.clusterRoleSelectors ?? [];
  const haveSelectors: unknown[] = existing.aggregationRule?.clusterRoleSelectors ?? [];
  const missingSelectors = wantSelectors.filter((w) => !haveSelectors.some((h) => deepEqual(h, w)));
  if (missingSelectors.length) next.aggregationRule = { ...(existing.aggregationRule ?? {}), clusterRoleSelectors: [...haveSelectors, ...missingSelectors] };
  return deepEqual(next, existing) ? undefined : next;
}

/** The existing binding with the expected subjects it lacks; 'recreate' when its roleRef differs. */
export function reconcileBinding(existing: KubeObject, expected: KubeObject): KubeObject | 'recreate' | undefined {
  if (existing.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return undefined;
  if (!deepEqual(existing.roleRef, expected.roleRef)) return 'recreate';
  const next = structuredClone(existing);
  next.metadata.labels = mergedMap(existing.metadata.labels, expected.metadata.labels);
  next.metadata.annotations = mergedMap(existing.metadata.annotations, expected.metadata.annotations);
  const have: Subject[] = existing.subjects ?? [];
  const missing = ((expected.subjects ?? []) as Subject[]).filter((w) => !have.some((h) => h.kind === w.kind && h.name === w.name && (h.namespace ?? '') === (w.namespace ?? '')));
  if (missing.length) next.subjects = [...have, ...missing];
  return deepEqual(next, existing) ? undefined : next;
}

export interface ReconcileOptions {
  registry: Registry;
  def: (group: string, plural: string) => ResourceDef;
  log?: (line: string) => void;
}

/** Creates or completes every object of the default policy. */
export async function reconcileBootstrapPolicy(o: ReconcileOptions): Promise<void> {
  const ctx: WriteContext = {
    dryRun: false, user: 'system:apiserver', fieldManager: 'kube-apiserver',
    get: (group, plural, namespace, name) => o.registry.tryGet(o.def(group, plural), namespace, name),
  };
  const policy = bootstrapPolicy();
  const ensure = async (plural: string, obj: KubeObject, reconcile: (cur: KubeObject, want: KubeObject) => KubeObject | 'recreate' | undefined): Promise<void> => {
    const def = o.def(RBAC_GROUP, plural);
    const ns = obj.metadata.namespace;
    const current = await o.registry.tryGet(def, ns, obj.metadata.name!);
    try {
      if (!current) {
        await o.registry.create(def, ns, obj, ctx);
        return;
      }
      const next = reconcile(current, obj);
      if (next === 'recreate') {
        await o.registry.delete(def, ns, obj.metadata.name!, {}, ctx);
        await o.registry.create(def, ns, obj, ctx);
      } else if (next) {
        await o.registry.update(def, ns, obj.metadata.name!, next, ctx);
      }
    } catch (err) {
      // Another writer got there first; the next start reconciles again.
      if (!isApiError(err, 'AlreadyExists') && !isApiError(err, 'Conflict')) throw err;
      o.log?.(`bootstrap policy: ${plural} ${obj.metadata.name}: ${(err as Error).message}`);
    }
  };
  for (const r of policy.clusterRoles) await ensure('clusterroles', roleObject(r), reconcileRole);
  for (const b of policy.clusterRoleBindings) await ensure('clusterrolebindings', bindingObject(b), reconcileBinding);
  for (const r of policy.roles) await ensure('roles', roleObject(r, r.namespace), reconcileRole);
  for (const b of policy.roleBindings) await ensure('rolebindings', bindingObject(b, b.namespace, b.clusterRole ? 'ClusterRole' : 'Role'), reconcileBinding);
}
