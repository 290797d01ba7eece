// Authorization as kube-apiserver chains it with --authorization-mode=Node,RBAC: members of
// system:masters may do anything, then the Node authorizer decides for kubelets, then RBAC.
// The first authorizer with an opinion decides; none means forbidden, in upstream's words.

import { aggregate, errors, goQuote, type ApiError } from '../../kube/errors.js';
import type { Attributes } from './attributes.js';
import type { PolicyRule } from './rbac/rules.js';
import { SYSTEM_MASTERS, type UserInfo } from './user.js';

export type Decision = 'allow' | 'deny' | 'noOpinion';

export interface AuthorizationResult {
  decision: Decision;
  /** Why (shown after the forbidden message when denied, and in a SubjectAccessReview's status). */
  reason: string;
}

/** What applies to a user in a namespace, for SelfSubjectRulesReview (upstream's RuleResolver). */
export interface RulesInfo {
  resourceRules: PolicyRule[];
  nonResourceRules: PolicyRule[];
  /** The list is not all there is (a node's access is not enumerable). */
  incomplete: boolean;
  errors: string[];
}

export interface Authorizer {
  authorize(a: Attributes): AuthorizationResult;
  rulesFor?(user: UserInfo, namespace: string): RulesInfo;
}

/** Members of these groups may do anything (upstream's privileged-group authorizer for system:masters). */
export class PrivilegedGroupsAuthorizer implements Authorizer {
  constructor(private readonly groups: string[] = [SYSTEM_MASTERS]) {}

  authorize(a: Attributes): AuthorizationResult {
    return { decision: a.user.groups.some((g) => this.groups.includes(g)) ? 'allow' : 'noOpinion', reason: '' };
  }
}

/** The first authorizer that allows or denies decides; reasons of the others are joined by newlines. */
export class UnionAuthorizer implements Authorizer {
  constructor(private readonly chain: Authorizer[]) {}

  authorize(a: Attributes): AuthorizationResult {
    const reasons: string[] = [];
    for (const z of this.chain) {
      const r = z.authorize(a);
      if (r.decision !== 'noOpinion') return r;
      if (r.reason) reasons.push(r.reason);
    }
    return { decision: 'noOpinion', reason: reasons.join('\n') };
  }

  rulesFor(user: UserInfo, namespace: string): RulesInfo {
    const out: RulesInfo = { resourceRules: [], nonResourceRules: [], incomplete: false, errors: [] };
    for (const z of this.chain) {
      const r = z.rulesFor?.(user, namespace);
      if (!r) continue;
      out.resourceRules.push(...r.resourceRules);
      out.nonResourceRules.push(...r.nonResourceRules);
      out.incomplete ||= r.incomplete;
      out.errors.push(...r.errors);
    }
    return out;
  }
}

/** "User \"x\" cannot get resource \"pods\" in API group \"\" in the namespace \"default\"" (responsewriters.forbiddenMessage). */
export function forbiddenMessage(a: Attributes): string {
  const user = goQuote(a.user.name);
  if (!a.resourceRequest) return `User ${user} cannot ${a.verb} path ${goQuote(a.path)}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const what = `User ${user} cannot ${a.verb} resource ${goQuote(resource)} in API group ${goQuote(a.apiGroup)}`;
  return a.namespace ? `${what} in the namespace ${goQuote(a.namespace)}` : `${what} at the cluster scope`;
}

/** Upstream avoids errors that look like HTML. */
const sanitize = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The 403 a denied request gets: `pods "web" is forbidden: User ... : <reason>`. */
export function forbiddenError(a: Attributes, reason: string): ApiError {
  const msg = sanitize(forbiddenMessage(a)) + (reason ? `: ${reason}` : '');
  return errors.forbidden(a.resourceRequest ? { group: a.apiGroup, resource: a.resource } : { group: '', resource: '' }, a.name, msg);
}

/** Errors as upstream's NewAggregate prints them ("a" or "[a, b]"). */
export const aggregateErrors = (errs: Error[] | string[]): string => aggregate(errs.map((e) => (typeof e === 'string' ? e : e.message)));
