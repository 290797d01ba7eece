// Evaluating x-kubernetes-validations on a custom resource, as upstream's cel.Validator does:
// rules run on every non-null value their schema node describes, with `self` bound to it and,
// on update, `oldSelf` bound to the correlated old value (through object properties, map keys
// and list-type=map keys); transition rules (those reading oldSelf) run only when there is an old
// value, unless optionalOldSelf. Messages as upstream's:
//   spec: Invalid value: "object": replicas must not exceed maxReplicas     (message)
//   spec.x: Invalid value: "string": failed rule: self.startsWith('a')        (no message)
//   spec: Invalid value: "object": no such key: foo evaluating rule: self.foo == 1
// A failing rule on a value an update did not change is a warning instead (upstream's
// validation ratcheting, on by default in 1.32).

import { isDeepStrictEqual } from 'node:util';
import { isCelError } from '@bufbuild/cel';
import { duplicate, type FieldError, fieldErrorText, forbidden, invalid, required } from '../../../kube/errors.js';
import type { ValidationRule } from '../types.js';
import type { CompiledRule, RuleTree } from './rules.js';
import { toCel } from './values.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface RuleResult {
  errors: FieldError[];
  /** Failures on unchanged values (ratcheting): sent as warnings. */
  warnings: string[];
}

/** Upstream's ruleErrorString: the message when there is one, else the rule. */
const ruleText = (r: ValidationRule) => (r.message ? r.message.trim() : r.rule.trim());

const childPath = (p: string, k: string) => (p ? `${p}.${k}` : k);
/** A nil field path prints as "<nil>" (rules on the root). */
const shownPath = (p: string) => p || '<nil>';


/** cel-go's words for the runtime errors @bufbuild/cel names its own way. */
function runtimeMessage(msg: string): string {
  const field = /^field not found: (.*)$/.exec(msg);
  if (field) return `no such key: ${field[1]}`;
  return msg;
}

function reasonError(path: string, value: unknown, detail: string, reason: string | undefined): FieldError {
  switch (reason) {
    case 'FieldValueForbidden': return forbidden(path, detail);
    case 'FieldValueRequired': return required(path, detail);
    case 'FieldValueDuplicate': return duplicate(path, value);
    default: return invalid(path, value, detail);
  }
}

class Evaluation {
  readonly errors: FieldError[] = [];
  readonly warnings: string[] = [];

  node(tree: RuleTree, path: string, value: unknown, old: unknown, root: boolean, hasOld: boolean): void {
    if (value === null || value === undefined) return;
    if (tree.rules.length) this.rules(tree, path, value, old, root, hasOld);
    for (const a of tree.allOf ?? []) this.node(a, path, value, old, root, hasOld);
    if (Array.isArray(value)) {
      if (!tree.items) return;
      const keys = tree.schema['x-kubernetes-list-type'] === 'map' ? tree.schema['x-kubernetes-list-map-keys'] ?? [] : undefined;
      const oldList = Array.isArray(old) ? old : [];
      value.forEach((item, i) => {
        // Only list-type=map items correlate with old ones (by their keys).
        const prev = keys && isObj(item) ? oldList.find((o) => isObj(o) && keys.every((k) => isDeepStrictEqual(o[k], item[k]))) : undefined;
        this.node(tree.items!, `${path}[${i}]`, item, prev, false, prev !== undefined);
      });
      return;
    }
    if (!isObj(value)) return;
    const oldObj = isObj(old) ? old : undefined;
    for (const [k, v] of Object.entries(value)) {
      const sub = tree.properties?.get(k);
      if (sub) this.node(sub, childPath(path, k), v, oldObj?.[k], false, !!oldObj && Object.hasOwn(oldObj, k));
      else if (tree.additional && !(tree.schema.properties && Object.hasOwn(tree.schema.properties, k))) {
        this.node(tree.additional, `${path}[${k}]`, v, oldObj?.[k], false, !!oldObj && Object.hasOwn(oldObj, k));
      }
    }
  }

  private rules(tree: RuleTree, path: string, value: unknown, old: unknown, root: boolean, hasOld: boolean): void {
    const typeName = tree.schema.type ?? '';
    const self = toCel(value, tree.schema, root);
    let oldSelf: unknown;
    const unchanged = hasOld && isDeepStrictEqual(value, old);
    for (const c of tree.rules) {
      if (c.error) {
        this.errors.push(invalid(shownPath(path), typeName, `rule compile error: ${c.error}`));
        continue;
      }
      if (!c.program) continue;
      const optional = c.rule.optionalOldSelf === true;
      if (c.usesOldSelf && !hasOld && !optional) continue;
      if (c.usesOldSelf && hasOld && oldSelf === undefined) oldSelf = toCel(old, tree.schema, root);
      const bindings: Record<string, unknown> = { self };
      if (c.usesOldSelf) bindings.oldSelf = hasOld ? oldSelf : null;
      const result = c.program(bindings);
      if (isCelError(result)) {
        const msg = runtimeMessage(result.message);
        if (msg.startsWith('found no matching overload')) {
          this.errors.push(invalid(shownPath(path), typeName, `'no such overload': call arguments did not match a supported operator, function or macro signature for rule: ${ruleText(c.rule)}`));
        } else {
          this.errors.push(invalid(shownPath(path), typeName, `${msg} evaluating rule: ${ruleText(c.rule)}`));
        }
        continue;
      }
      if (result === true) continue;
      const at = c.fieldPath ? childPath(path, c.fieldPath) : shownPath(path);
      const err = reasonError(at, typeName, this.message(c, bindings), c.rule.reason);
      if (!c.usesOldSelf && unchanged) this.warnings.push(fieldErrorText(err));
      else this.errors.push(err);
    }
  }

  /** The rule's message: messageExpression's result, else message, else "failed rule: <rule>". */
  private message(c: CompiledRule, bindings: Record<string, unknown>): string {
    const fallback = c.rule.message?.trim() ? c.rule.message.trim() : `failed rule: ${ruleText(c.rule)}`;
    if (!c.message) return fallback;
    const r = c.message(bindings);
    if (isCelError(r) || typeof r !== 'string') return fallback;
    const text = r.trim();
    if (!text || text.includes('\n') || text.length > 5 * 1024) return fallback;
    return text;
  }
}

/**
 * Evaluates every rule of `tree` on `obj` (a whole custom resource); `old` is the stored object
 * on update. Errors carry upstream's paths and messages.
 */
export function evaluateRules(tree: RuleTree | undefined, obj: Json, old?: Json): RuleResult {
  const e = new Evaluation();
  if (tree) e.node(tree, '', obj, old, true, old !== undefined);
  return { errors: e.errors, warnings: e.warnings };
}
