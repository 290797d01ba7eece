// The review kinds, created and answered, never stored: authorization.k8s.io's
// SelfSubjectAccessReview (`kubectl auth can-i`), SelfSubjectRulesReview (`can-i --list`),
// SubjectAccessReview and LocalSubjectAccessReview, and authentication.k8s.io's SelfSubjectReview
// (`kubectl auth whoami`) and TokenReview, as upstream's pkg/registry/authorization and
// pkg/registry/authentication answer them.

import { errors, type FieldError } from '../../kube/errors.js';
import { metaTime } from '../../common/time.js';
import type { KubeObject } from '../../kube/types.js';
import type { ResourceDef, WriteContext } from '../resource.js';
import { isRecord, record } from '../validation/values.js';
import { nonResourceAttributes, resourceAttributes, type Attributes } from './attributes.js';
import type { Authorizer } from './authorizer.js';
import type { PolicyRule } from './rbac/rules.js';
import type { ServiceAccountTokens } from './tokens.js';
import { anonymousUser, type UserInfo } from './user.js';

export interface ReviewDeps {
  authorizer: Authorizer;
  tokens: ServiceAccountTokens;
  apiAudiences: string[];
}

const AUTHZ = 'authorization.k8s.io';
const AUTHN = 'authentication.k8s.io';

function reviewDef(group: string, kind: string, plural: string, namespaced: boolean, review: ResourceDef['review']): ResourceDef {
  return {
    group, version: 'v1', kind, plural, singular: kind.toLowerCase(), namespaced, verbs: ['create'],
    schemaName: `io.k8s.api.${group.split('.')[0]}.v1.${kind}`, review,
  };
}

const userOf = (ctx: WriteContext): UserInfo => ctx.userInfo ?? anonymousUser();

/** Go prints an absent attribute struct as "null". */
const shown = (v: unknown): unknown => (v == null ? 'null' : v);

function validateAttributes(spec: Record<string, any>): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.resourceAttributes != null && spec.nonResourceAttributes != null) {
    errs.push({ type: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', value: shown(spec.nonResourceAttributes), detail: 'cannot be specified in combination with resourceAttributes' });
  }
  if (spec.resourceAttributes == null && spec.nonResourceAttributes == null) {
    errs.push({ type: 'FieldValueInvalid', field: 'spec.resourceAttributes', value: shown(spec.nonResourceAttributes), detail: 'exactly one of nonResourceAttributes or resourceAttributes must be specified' });
  }
  return errs;
}

function attributesOf(user: UserInfo, spec: Record<string, any>): Attributes {
  if (isRecord(spec.resourceAttributes)) {
    const r = spec.resourceAttributes;
    const s = (k: string): string => (typeof r[k] === 'string' ? (r[k] as string) : '');
    return resourceAttributes(user, { verb: s('verb'), namespace: s('namespace'), group: s('group'), version: s('version') || '*', resource: s('resource'), subresource: s('subresource'), name: s('name') });
  }
  const n = record(spec.nonResourceAttributes);
  return nonResourceAttributes(user, String(n.verb ?? ''), String(n.path ?? ''));
}

function answered(obj: KubeObject, group: string, kind: string, status: Record<string, unknown>): KubeObject {
  return { kind, apiVersion: `${group}/v1`, metadata: { ...(obj.metadata ?? {}), creationTimestamp: null as unknown as string }, spec: obj.spec ?? {}, status };
}

function accessStatus(authorizer: Authorizer, a: Attributes): Record<string, unknown> {
  const r = authorizer.authorize(a);
  const status: Record<string, unknown> = { allowed: r.decision === 'allow' };
  if (r.decision === 'deny') status.denied = true;
  if (r.reason) status.reason = r.reason;
  return status;
}

const ruleOut = (r: PolicyRule, keys: (keyof PolicyRule)[]): Record<string, unknown> => {
  const out: Record<string, unknown> = { verbs: r.verbs };
  for (const k of keys) if ((r[k] ?? []).length) out[k] = r[k];
  return out;
};

export function reviewResources(d: ReviewDeps): ResourceDef[] {
  return [
    reviewDef(AUTHZ, 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', false, async (obj, ctx) => {
      const spec = record(obj.spec);
      const errs = validateAttributes(spec);
      if (errs.length) throw errors.invalid(AUTHZ, 'SelfSubjectAccessReview', '', errs);
      return answered(obj, AUTHZ, 'SelfSubjectAccessReview', accessStatus(d.authorizer, attributesOf(userOf(ctx), spec)));
    }),
    reviewDef(AUTHZ, 'SubjectAccessReview', 'subjectaccessreviews', false, async (obj) => {
      const spec = record(obj.spec);
      const errs = validateAttributes(spec);
      if (!spec.user && !(Array.isArray(spec.groups) && spec.groups.length)) errs.push({ type: 'FieldValueInvalid', field: 'spec.user', value: spec.user ?? '', detail: 'at least one of user or group must be specified' });
      if (errs.length) throw errors.invalid(AUTHZ, 'SubjectAccessReview', '', errs);
      return answered(obj, AUTHZ, 'SubjectAccessReview', accessStatus(d.authorizer, attributesOf(subjectOf(spec), spec)));
    }),
    reviewDef(AUTHZ, 'LocalSubjectAccessReview', 'localsubjectaccessreviews', true, async (obj, ctx) => {
      const spec = record(obj.spec);
      const namespace = ctx.namespace ?? '';
      if (!namespace) throw errors.badRequest(`namespace is required on this type: ${namespace}`);
      if (obj.metadata?.namespace && obj.metadata.namespace !== namespace) throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      const errs = validateAttributes(spec);
      if (!spec.user && !(Array.isArray(spec.groups) && spec.groups.length)) errs.push({ type: 'FieldValueInvalid', field: 'spec.user', value: spec.user ?? '', detail: 'at least one of user or group must be specified' });
      if (isRecord(spec.resourceAttributes) && (spec.resourceAttributes.namespace ?? '') !== namespace) {
        errs.push({ type: 'FieldValueInvalid', field: 'spec.resourceAttributes.namespace', value: spec.resourceAttributes.namespace ?? '', detail: 'must match metadata.namespace' });
      }
      if (spec.nonResourceAttributes != null) errs.push({ type: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', value: spec.nonResourceAttributes, detail: 'disallowed on this kind of request' });
      if (errs.length) throw errors.invalid(AUTHZ, 'LocalSubjectAccessReview', '', errs);
      const out = answered({ ...obj, metadata: { ...(obj.metadata ?? {}), namespace } }, AUTHZ, 'LocalSubjectAccessReview', accessStatus(d.authorizer, attributesOf(subjectOf(spec), spec)));
      return out;
    }),
    reviewDef(AUTHZ, 'SelfSubjectRulesReview', 'selfsubjectrulesreviews', false, async (obj, ctx) => {
      const namespace = record(obj.spec).namespace;
      if (!namespace) throw errors.badRequest('no namespace on request');
      const rules = d.authorizer.rulesFor?.(userOf(ctx), String(namespace)) ?? { resourceRules: [], nonResourceRules: [], incomplete: true, errors: [] };
      const status: Record<string, unknown> = {
        resourceRules: rules.resourceRules.map((r) => ruleOut(r, ['apiGroups', 'resources', 'resourceNames'])),
        nonResourceRules: rules.nonResourceRules.map((r) => ruleOut(r, ['nonResourceURLs'])),
        incomplete: rules.incomplete,
      };
      if (rules.errors.length) status.evaluationError = rules.errors.length === 1 ? rules.errors[0] : `[${rules.errors.join(', ')}]`;
      // Upstream answers with a new object: the status alone.
      return { kind: 'SelfSubjectRulesReview', apiVersion: `${AUTHZ}/v1`, metadata: { creationTimestamp: null as unknown as string }, spec: {}, status };
    }),
    reviewDef(AUTHN, 'SelfSubjectReview', 'selfsubjectreviews', false, async (_obj, ctx) => {
      const user = userOf(ctx);
      const userInfo: Record<string, unknown> = { username: user.name };
      if (user.uid) userInfo.uid = user.uid;
      userInfo.groups = user.groups;
      if (user.extra && Object.keys(user.extra).length) userInfo.extra = user.extra;
      return { kind: 'SelfSubjectReview', apiVersion: `${AUTHN}/v1`, metadata: { creationTimestamp: metaTime() }, status: { userInfo } };
    }),
    reviewDef(AUTHN, 'TokenReview', 'tokenreviews', false, async (obj) => {
      const spec = record(obj.spec);
      if (!spec.token) throw errors.badRequest('token is required for TokenReview in authentication');
      const audiences: string[] = Array.isArray(spec.audiences) && spec.audiences.length ? spec.audiences.map(String) : d.apiAudiences;
      const r = await d.tokens.authenticate(String(spec.token), audiences);
      const status: Record<string, unknown> = {};
      if ('user' in r) {
        status.authenticated = true;
        const u = r.user;
        status.user = { username: u.name, uid: u.uid, groups: u.groups, extra: u.extra ?? {} };
        status.audiences = r.audiences;
      } else {
        status.error = r.notOurs ? 'invalid bearer token' : `[invalid bearer token, ${r.error}]`;
      }
      return { kind: 'TokenReview', apiVersion: `${AUTHN}/v1`, metadata: { ...(obj.metadata ?? {}), creationTimestamp: null as unknown as string }, spec: obj.spec, status };
    }),
  ];
}

/** The user a SubjectAccessReview asks about. */
function subjectOf(spec: Record<string, any>): UserInfo {
  const user: UserInfo = { name: String(spec.user ?? ''), groups: Array.isArray(spec.groups) ? spec.groups.map(String) : [] };
  if (spec.uid) user.uid = String(spec.uid);
  if (isRecord(spec.extra)) user.extra = spec.extra as Record<string, string[]>;
  return user;
}
