// The RBAC authorizer: a request is allowed when a rule of a role bound to the user (or one of
// its groups) in the request's namespace, or cluster-wide, matches it (upstream's RBACAuthorizer).

import type { Attributes } from '../attributes.js';
import { aggregateErrors, type AuthorizationResult, type Authorizer, type RulesInfo } from '../authorizer.js';
import type { UserInfo } from '../user.js';
import type { RuleResolver } from './policy.js';
import { ruleAllows } from './rules.js';

export class RbacAuthorizer implements Authorizer {
  constructor(private readonly resolver: RuleResolver) {}

  authorize(a: Attributes): AuthorizationResult {
    let allowedBy: string | undefined;
    const errs: Error[] = [];
    this.resolver.visitRulesFor(a.user, a.namespace, (source, rule, err) => {
      if (rule && ruleAllows(a, rule)) {
        allowedBy = source;
        return false;
      }
      if (err) errs.push(err);
      return true;
    });
    if (allowedBy !== undefined) return { decision: 'allow', reason: `RBAC: allowed by ${allowedBy}` };
    // Errors (a binding to a missing role) only explain a denial; the rules found still counted.
    return { decision: 'noOpinion', reason: errs.length ? `RBAC: ${aggregateErrors(errs)}` : '' };
  }

  rulesFor(user: UserInfo, namespace: string): RulesInfo {
    const { rules, errors } = this.resolver.rulesFor(user, namespace);
    return {
      resourceRules: rules.filter((r) => (r.resources ?? []).length > 0),
      nonResourceRules: rules.filter((r) => (r.nonResourceURLs ?? []).length > 0),
      incomplete: false,
      errors: errors.length ? [aggregateErrors(errors)] : [],
    };
  }
}
