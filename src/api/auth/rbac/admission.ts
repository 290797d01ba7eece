// RBAC's own write checks (upstream's policy-based RBAC storage): a role may only hold rules its
// writer holds, unless the writer may "escalate" on roles; a binding may only bind a role whose
// rules its writer holds, unless the writer may "bind" that role. system:masters skips both.

import { errors } from '../../../kube/errors.js';
import type { KubeObject } from '../../../kube/types.js';
import { resourceAttributes } from '../attributes.js';
import type { Authorizer } from '../authorizer.js';
import { SYSTEM_MASTERS, type UserInfo } from '../user.js';
import { deepEqual } from '../../validation/values.js';
import type { ResourceDef } from '../../resource.js';
import { escalationError } from './escalation.js';
import type { RoleRef, RuleResolver } from './policy.js';
import { RBAC_GROUP, type PolicyRule } from './rules.js';

const FULL_AUTHORITY: PolicyRule[] = [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }];

const rulesOf = (o: KubeObject): PolicyRule[] => (Array.isArray(o.rules) ? o.rules : []);

/** Only what the garbage collector changes (owner references, finalizers) differs. */
function onlyGCFieldsChange(obj: KubeObject, old: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { resourceVersion: _rv, managedFields: _mf, ownerReferences: _or, finalizers: _f, generation: _g, ...meta } = o.metadata;
    return { ...o, metadata: meta };
  };
  return deepEqual(strip(obj), strip(old));
}

export class RbacAdmission {
  constructor(private readonly resolver: RuleResolver, private readonly authorizer: Authorizer) {}

  /** Refuses a write of a role or binding that would grant more than its writer holds. */
  check(def: ResourceDef, obj: KubeObject, old: KubeObject | undefined, user: UserInfo | undefined): void {
    if (def.group !== RBAC_GROUP || !user || user.groups.includes(SYSTEM_MASTERS)) return;
    const namespace = def.namespaced ? obj.metadata.namespace ?? '' : '';
    const gr = { group: RBAC_GROUP, resource: def.plural };
    const name = obj.metadata.name ?? '';
    if (old && onlyGCFieldsChange(obj, old)) return;
    if (def.plural === 'roles' || def.plural === 'clusterroles') {
      // Upstream asks with the request's name: none on a create.
      const escalate = resourceAttributes(user, { verb: 'escalate', group: RBAC_GROUP, version: '*', resource: def.plural, namespace, name: old ? name : '' });
      if (this.authorizer.authorize(escalate).decision === 'allow') return;
      const why = escalationError(this.resolver, user, namespace, rulesOf(obj));
      if (why) throw errors.forbidden(gr, name, why);
      // An aggregation rule can gather anything: only who holds everything may set or change one.
      const aggregationChanged = old ? old.aggregationRule != null && !deepEqual(obj.aggregationRule, old.aggregationRule) : obj.aggregationRule != null;
      if (def.plural === 'clusterroles' && aggregationChanged && escalationError(this.resolver, user, namespace, FULL_AUTHORITY)) {
        throw errors.forbidden(gr, name, 'must have cluster-admin privileges to use the aggregationRule');
      }
      return;
    }
    if (def.plural === 'rolebindings' || def.plural === 'clusterrolebindings') {
      const ref = (obj.roleRef ?? {}) as RoleRef;
      const bind = resourceAttributes(user, { verb: 'bind', group: ref.apiGroup, version: '', namespace, resource: ref.kind === 'Role' ? 'roles' : 'clusterroles', name: ref.name });
      if ((ref.kind === 'Role' || ref.kind === 'ClusterRole') && this.authorizer.authorize(bind).decision === 'allow') return;
      let rules: PolicyRule[];
      try {
        rules = this.resolver.roleReferenceRules(ref, namespace);
      } catch (err) {
        if (/not found$/.test((err as Error).message)) throw errors.notFound({ group: RBAC_GROUP, resource: ref.kind === 'Role' ? 'roles' : 'clusterroles' }, ref.name);
        throw errors.internal(err);
      }
      const why = escalationError(this.resolver, user, namespace, rules);
      if (why) throw errors.forbidden(gr, name, why);
    }
  }
}
