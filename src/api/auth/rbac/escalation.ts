// Escalation prevention as upstream's pkg/registry/rbac/validation: a user may only grant (in a
// role, or by binding one) the permissions they hold themselves. Rules are broken down to one
// group, resource, verb and name each; every piece must be covered by one of the user's rules.

import { goQuote } from '../../../kube/errors.js';
import type { UserInfo } from '../user.js';
import type { RuleResolver } from './policy.js';
import type { PolicyRule } from './rules.js';

const has = (set: string[] | undefined, s: string): boolean => (set ?? []).includes(s);
const hasAll = (set: string[] | undefined, want: string[] | undefined): boolean => (want ?? []).every((w) => has(set, w));

/** A rule as single-verb, single-resource, single-name pieces (upstream's BreakdownRule). */
export function breakdownRule(r: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of r.apiGroups ?? []) {
    for (const resource of r.resources ?? []) {
      for (const verb of r.verbs) {
        if ((r.resourceNames ?? []).length) {
          for (const name of r.resourceNames!) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
        } else {
          out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        }
      }
    }
  }
  for (const url of r.nonResourceURLs ?? []) {
    for (const verb of r.verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  }
  return out;
}

function resourceCoversAll(owner: string[] | undefined, wanted: string[] | undefined): boolean {
  if (has(owner, '*') || hasAll(owner, wanted)) return true;
  for (const path of wanted ?? []) {
    if (has(owner, path)) continue;
    const slash = path.indexOf('/');
    if (slash < 0) return false;
    if (!has(owner, `*/${path.slice(slash + 1)}`)) return false;
  }
  return true;
}

const nonResourceURLCovers = (owner: string, sub: string): boolean => owner === sub || (owner.endsWith('*') && sub.startsWith(owner.replace(/\*+$/, '')));

function nonResourceURLsCoverAll(owner: string[] | undefined, wanted: string[] | undefined): boolean {
  return (wanted ?? []).every((path) => (owner ?? []).some((o) => nonResourceURLCovers(o, path)));
}

/** Whether owner (any rule) covers sub (one piece of breakdownRule). */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = has(owner.verbs, '*') || hasAll(owner.verbs, sub.verbs);
  const groups = has(owner.apiGroups, '*') || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourceCoversAll(owner.resources, sub.resources);
  const urls = nonResourceURLsCoverAll(owner.nonResourceURLs, sub.nonResourceURLs);
  const names = (sub.resourceNames ?? []).length === 0
    ? (owner.resourceNames ?? []).length === 0
    : (owner.resourceNames ?? []).length === 0 || hasAll(owner.resourceNames, sub.resourceNames);
  return verbs && groups && resources && names && urls;
}

/** Whether owner's rules cover every permission of servant's, and the pieces they do not. */
export function covers(owner: PolicyRule[], servant: PolicyRule[]): { covered: boolean; missing: PolicyRule[] } {
  const missing = servant.flatMap(breakdownRule).filter((sub) => !owner.some((o) => ruleCovers(o, sub)));
  return { covered: missing.length === 0, missing };
}

/** Merges pieces of one group and resource (and at most one name) that differ only by verb (upstream's CompactRules). */
export function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const names = r.resourceNames ?? [];
    const isSimple = names.length <= 1 && (r.nonResourceURLs ?? []).length === 0 && (r.apiGroups ?? []).length === 1 && (r.resources ?? []).length === 1;
    if (!isSimple) { out.push(r); continue; }
    const key = JSON.stringify([r.apiGroups![0], r.resources![0], names[0] ?? null]);
    const existing = simple.get(key);
    if (existing) {
      for (const v of r.verbs) if (!existing.verbs.includes(v)) existing.verbs.push(v);
    } else {
      simple.set(key, { ...structuredClone(r), verbs: [...r.verbs] });
    }
  }
  return [...out, ...simple.values()];
}

/** Go's %q of a []string: ["a" "b"]. */
const quoteList = (l: string[]): string => `[${l.map(goQuote).join(' ')}]`;

/** {APIGroups:[""], Resources:["pods"], Verbs:["get"]} (upstream's CompactString). */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if ((r.apiGroups ?? []).length) parts.push(`APIGroups:${quoteList(r.apiGroups!)}`);
  if ((r.resources ?? []).length) parts.push(`Resources:${quoteList(r.resources!)}`);
  if ((r.nonResourceURLs ?? []).length) parts.push(`NonResourceURLs:${quoteList(r.nonResourceURLs!)}`);
  if ((r.resourceNames ?? []).length) parts.push(`ResourceNames:${quoteList(r.resourceNames!)}`);
  if (r.verbs.length) parts.push(`Verbs:${quoteList(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/** Byte order, as Go's sort.Strings. */
const goSorted = (l: string[]): string[] => [...l].sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));

/**
 * Why user may not grant rules in namespace ("" cluster-wide), or undefined when they hold them
 * all (upstream's ConfirmNoEscalation).
 */
export function escalationError(resolver: RuleResolver, user: UserInfo, namespace: string, rules: PolicyRule[]): string | undefined {
  const owner = resolver.rulesFor(user, namespace);
  const { covered, missing } = covers(owner.rules, rules);
  if (covered) return undefined;
  const descriptions = goSorted([...new Set(compactRules(missing).map(compactString))]);
  let msg = `user ${goQuote(user.name)} (groups=${quoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${descriptions.join('\n')}`;
  if (owner.errors.length) msg += `; resolution errors: [${owner.errors.map((e) => e.message).join(' ')}]`;
  return msg;
}
