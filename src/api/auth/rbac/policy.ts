// The RBAC objects an authorizer reads, held in memory (upstream's authorizer reads informer
// caches), and the rule resolver over them: which rules apply to a user in a namespace, through
// which binding (upstream's pkg/registry/rbac/validation DefaultRuleResolver).

import type { KubeObject } from '../../../kube/types.js';
import { goQuote } from '../../../kube/errors.js';
import type { UserInfo } from '../user.js';
import { serviceAccountUsername } from '../user.js';
import type { PolicyRule } from './rules.js';

export interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

export interface RoleRef {
  apiGroup?: string;
  kind: string;
  name: string;
}

export interface Binding {
  name: string;
  namespace?: string;
  subjects: Subject[];
  roleRef: RoleRef;
}

/** Where a rule comes from, as upstream's describers print it ("RBAC: allowed by ..."). */
export type RuleSource = string;

export type RuleVisitor = (source: RuleSource | undefined, rule: PolicyRule | undefined, err: Error | undefined) => boolean;

/**
 * How a missing role reads: the authorizer's listers say `clusterrole.rbac.authorization.k8s.io
 * "x" not found`, the registry (escalation checks) `clusterroles.rbac...`.
 */
export type NotFoundStyle = 'lister' | 'registry';

export function notFoundError(kind: 'Role' | 'ClusterRole', name: string, style: NotFoundStyle): Error {
  const resource = style === 'lister' ? kind.toLowerCase() : `${kind.toLowerCase()}s`;
  return new Error(`${resource}.rbac.authorization.k8s.io ${goQuote(name)} not found`);
}

const rulesOf = (o: KubeObject): PolicyRule[] => (Array.isArray(o.rules) ? (o.rules as PolicyRule[]) : []);

function bindingOf(o: KubeObject): Binding {
  return {
    name: o.metadata.name ?? '',
    namespace: o.metadata.namespace,
    subjects: Array.isArray(o.subjects) ? o.subjects : [],
    roleRef: o.roleRef ?? { kind: '', name: '' },
  };
}

export type RbacPlural = 'roles' | 'clusterroles' | 'rolebindings' | 'clusterrolebindings';

/** The four RBAC kinds, as the authorizer needs them. */
export class RbacPolicy {
  private readonly roles = new Map<string, PolicyRule[]>();
  private readonly clusterRoles = new Map<string, PolicyRule[]>();
  /** namespace -> name -> binding, each namespace's bindings in name order once sorted. */
  private readonly roleBindings = new Map<string, Map<string, Binding>>();
  private readonly clusterRoleBindings = new Map<string, Binding>();
  private sortedCRBs?: Binding[];
  private readonly sortedRBs = new Map<string, Binding[]>();

  role(namespace: string, name: string): PolicyRule[] | undefined {
    return this.roles.get(`${namespace}/${name}`);
  }

  clusterRole(name: string): PolicyRule[] | undefined {
    return this.clusterRoles.get(name);
  }

  clusterRoleBindingList(): Binding[] {
    this.sortedCRBs ??= [...this.clusterRoleBindings.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return this.sortedCRBs;
  }

  roleBindingList(namespace: string): Binding[] {
    let list = this.sortedRBs.get(namespace);
    if (!list) {
      list = [...(this.roleBindings.get(namespace)?.values() ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      this.sortedRBs.set(namespace, list);
    }
    return list;
  }

  // Updates, from the store's watch (or tests).

  setRole(o: KubeObject): void { this.roles.set(`${o.metadata.namespace}/${o.metadata.name}`, rulesOf(o)); }
  deleteRole(o: KubeObject): void { this.roles.delete(`${o.metadata.namespace}/${o.metadata.name}`); }
  setClusterRole(o: KubeObject): void { this.clusterRoles.set(o.metadata.name!, rulesOf(o)); }
  deleteClusterRole(o: KubeObject): void { this.clusterRoles.delete(o.metadata.name!); }

  setRoleBinding(o: KubeObject): void {
    const ns = o.metadata.namespace ?? '';
    let m = this.roleBindings.get(ns);
    if (!m) this.roleBindings.set(ns, (m = new Map()));
    m.set(o.metadata.name!, bindingOf(o));
    this.sortedRBs.delete(ns);
  }

  deleteRoleBinding(o: KubeObject): void {
    const ns = o.metadata.namespace ?? '';
    this.roleBindings.get(ns)?.delete(o.metadata.name!);
    this.sortedRBs.delete(ns);
  }

  setClusterRoleBinding(o: KubeObject): void {
    this.clusterRoleBindings.set(o.metadata.name!, bindingOf(o));
    this.sortedCRBs = undefined;
  }

  deleteClusterRoleBinding(o: KubeObject): void {
    this.clusterRoleBindings.delete(o.metadata.name!);
    this.sortedCRBs = undefined;
  }

  clear(kind: RbacPlural): void {
    if (kind === 'roles') this.roles.clear();
    if (kind === 'clusterroles') this.clusterRoles.clear();
    if (kind === 'rolebindings') { this.roleBindings.clear(); this.sortedRBs.clear(); }
    if (kind === 'clusterrolebindings') { this.clusterRoleBindings.clear(); this.sortedCRBs = undefined; }
  }
}

/** The index of the first subject that stands for user (ServiceAccount subjects default to the binding's namespace). */
export function appliesTo(user: UserInfo, subjects: Subject[], namespace: string): number {
  for (let i = 0; i < subjects.length; i++) {
    const s = subjects[i];
    switch (s.kind) {
      case 'User':
        if (user.name === s.name) return i;
        break;
      case 'Group':
        if (user.groups.includes(s.name)) return i;
        break;
      case 'ServiceAccount': {
        const ns = s.namespace || namespace;
        if (!ns) break;
        if (user.name === serviceAccountUsername(ns, s.name)) return i;
        break;
      }
    }
  }
  return -1;
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${goQuote(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${goQuote(s.name)}`;
}

export class RuleResolver {
  constructor(private readonly policy: RbacPolicy, private readonly style: NotFoundStyle) {}

  /** The rules a binding's roleRef names, or why there are none. */
  roleReferenceRules(ref: RoleRef, bindingNamespace: string): PolicyRule[] {
    switch (ref.kind) {
      case 'Role': {
        const rules = this.policy.role(bindingNamespace, ref.name);
        if (!rules) throw notFoundError('Role', ref.name, this.style);
        return rules;
      }
      case 'ClusterRole': {
        const rules = this.policy.clusterRole(ref.name);
        if (!rules) throw notFoundError('ClusterRole', ref.name, this.style);
        return rules;
      }
      default:
        throw new Error(`unsupported role reference kind: ${goQuote(ref.kind)}`);
    }
  }

  /** Calls visit with each rule that applies to user in namespace ("" for cluster-wide), until it returns false. */
  visitRulesFor(user: UserInfo, namespace: string, visit: RuleVisitor): void {
    for (const b of this.policy.clusterRoleBindingList()) {
      const i = appliesTo(user, b.subjects, '');
      if (i < 0) continue;
      let rules: PolicyRule[];
      try {
        rules = this.roleReferenceRules(b.roleRef, '');
      } catch (err) {
        if (!visit(undefined, undefined, err as Error)) return;
        continue;
      }
      const source = `ClusterRoleBinding ${goQuote(b.name)} of ${b.roleRef.kind} ${goQuote(b.roleRef.name)} to ${describeSubject(b.subjects[i], '')}`;
      for (const r of rules) if (!visit(source, r, undefined)) return;
    }
    if (!namespace) return;
    for (const b of this.policy.roleBindingList(namespace)) {
      const i = appliesTo(user, b.subjects, namespace);
      if (i < 0) continue;
      let rules: PolicyRule[];
      try {
        rules = this.roleReferenceRules(b.roleRef, namespace);
      } catch (err) {
        if (!visit(undefined, undefined, err as Error)) return;
        continue;
      }
      const source = `RoleBinding ${goQuote(`${b.name}/${namespace}`)} of ${b.roleRef.kind} ${goQuote(b.roleRef.name)} to ${describeSubject(b.subjects[i], namespace)}`;
      for (const r of rules) if (!visit(source, r, undefined)) return;
    }
  }

  /** Every rule that applies, and the errors met finding them (the rules found still count). */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: Error[] } {
    const rules: PolicyRule[] = [];
    const errors: Error[] = [];
    this.visitRulesFor(user, namespace, (_s, r, err) => {
      if (r) rules.push(r);
      if (err) errors.push(err);
      return true;
    });
    return { rules, errors };
  }
}
