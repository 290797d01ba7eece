// x-kubernetes-validations compiled once per schema: each rule parsed and planned with
// @bufbuild/cel, checked for what the parser alone cannot see (fields the schema does not
// declare, the use of oldSelf), and mirrored in a tree beside the schema so that evaluation
// walks only where rules are.

import { parse, plan, type CelResult } from '@bufbuild/cel';
import { forbidden, GoValue, type FieldError, invalid } from '../../../kube/errors.js';
import { child, index } from '../paths.js';
import { additionalPropertiesOf, itemsOf } from '../structural.js';
import type { JSONSchemaProps, ValidationRule } from '../types.js';
import { unescapeProperty } from './escaping.js';
import { costErrorMessage, estimateCost, RULE_COST_LIMIT } from './cost.js';
import { celEnvironment } from './library.js';

export type Program = (bindings: Record<string, unknown>) => CelResult;

export interface CompiledRule {
  rule: ValidationRule;
  program?: Program;
  message?: Program;
  usesOldSelf: boolean;
  /** Why the rule does not compile ("compilation failed: ERROR: ..."). */
  error?: string;
  messageError?: string;
  /** rule.fieldPath as a field path suffix ("spec.replicas"). */
  fieldPath?: string;
  /** The estimated cost of one evaluation (./cost.ts). */
  cost: number;
}

/** The schema with its compiled rules, only as deep as rules go. */
export interface RuleTree {
  schema: JSONSchemaProps;
  rules: CompiledRule[];
  properties?: Map<string, RuleTree>;
  additional?: RuleTree;
  items?: RuleTree;
  allOf?: RuleTree[];
}

interface AstNode {
  id?: bigint;
  exprKind?: { case?: string; value?: any };
}

/** "a.b", "['a'].b" or ".a" as upstream's normalized field path ("a.b"). */
export function normalizeFieldPath(p: string): string {
  return p.trim().replace(/\[['"]([^'"]*)['"]\]/g, '.$1').replace(/^\./, '');
}

/** Does the expression read the identifier `name`? */
function usesIdent(node: unknown, name: string): boolean {
  if (!node || typeof node !== 'object') return false;
  const k = (node as AstNode).exprKind;
  if (k?.case === 'identExpr' && k.value?.name === name) return true;
  for (const v of Object.values(node)) {
    if (typeof v === 'object' && v !== null && usesIdent(v, name)) return true;
  }
  return false;
}

/** Fields selected from self (or a comprehension variable over self's lists) that the schema does not declare. */
function undefinedFields(expr: AstNode, schema: JSONSchemaProps, root: boolean, positions: Record<string, number>): string | undefined {
  const scope = new Map<string, { s?: JSONSchemaProps; root: boolean }>([['self', { s: schema, root }], ['oldSelf', { s: schema, root }]]);
  const open = (s: JSONSchemaProps | undefined) => !s || !s.properties || s['x-kubernetes-preserve-unknown-fields'] === true || s.additionalProperties !== undefined;
  let found: string | undefined;
  const resolve = (e: AstNode | undefined): { s?: JSONSchemaProps; root: boolean } | undefined => {
    const k = e?.exprKind;
    if (!k) return undefined;
    if (k.case === 'identExpr') return scope.get(k.value.name);
    if (k.case === 'selectExpr') {
      const parent = resolve(k.value.operand);
      if (!parent || open(parent.s)) return undefined;
      const field = unescapeProperty(k.value.field as string);
      if (parent.root && (field === 'metadata' || field === 'apiVersion' || field === 'kind')) return undefined;
      const sub = parent.s!.properties![field];
      if (!sub && !found) {
        const at = positions[String(e!.id)];
        found = `compilation failed: ERROR: <input>:1:${at === undefined ? 1 : at + 1}: undefined field '${k.value.field}'`;
      }
      return sub ? { s: sub, root: false } : undefined;
    }
    return undefined;
  };
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object' || found) return;
    const k = (node as AstNode).exprKind;
    if (k?.case === 'selectExpr') {
      resolve(node as AstNode);
      visit(k.value.operand);
      return;
    }
    if (k?.case === 'comprehensionExpr') {
      const c = k.value;
      visit(c.iterRange);
      const range = resolve(c.iterRange);
      const bound = range?.s?.type === 'array' ? { s: itemsOf(range.s), root: false } : undefined;
      const saved = scope.get(c.iterVar);
      if (bound) scope.set(c.iterVar, bound);
      else scope.delete(c.iterVar);
      for (const part of [c.accuInit, c.loopCondition, c.loopStep, c.result]) visit(part);
      if (saved) scope.set(c.iterVar, saved);
      else scope.delete(c.iterVar);
      return;
    }
    for (const v of Object.values(node)) if (typeof v === 'object' && v !== null) visit(v);
  };
  visit(expr);
  return found;
}

function compileOne(expression: string, schema: JSONSchemaProps, root: boolean): { program?: Program; ast?: AstNode; error?: string } {
  let parsed;
  try {
    parsed = parse(expression);
  } catch (e) {
    return { error: `compilation failed: ERROR: ${(e as Error).message}` };
  }
  const undefinedField = undefinedFields(parsed.expr as AstNode, schema, root, (parsed.sourceInfo?.positions ?? {}) as Record<string, number>);
  if (undefinedField) return { error: undefinedField };
  try {
    return { program: plan(celEnvironment(), parsed) as Program, ast: parsed.expr as AstNode };
  } catch (e) {
    return { error: `compilation failed: ERROR: ${(e as Error).message}` };
  }
}

/** Compiles the rules of one schema node. */
export function compileNodeRules(schema: JSONSchemaProps, root: boolean): CompiledRule[] {
  return (schema['x-kubernetes-validations'] ?? []).map((rule) => {
    const out: CompiledRule = { rule, usesOldSelf: false, cost: 0 };
    if (rule.fieldPath) out.fieldPath = normalizeFieldPath(rule.fieldPath);
    if (!rule.rule?.trim()) return out;
    const r = compileOne(rule.rule, schema, root);
    if (r.error) out.error = r.error;
    else {
      out.program = r.program;
      out.usesOldSelf = usesIdent(r.ast, 'oldSelf');
      out.cost = r.ast ? estimateCost(r.ast, schema) : 0;
    }
    if (rule.messageExpression?.trim()) {
      const m = compileOne(rule.messageExpression, schema, root);
      if (m.error) out.messageError = `messageExpression ${m.error}`;
      else out.message = m.program;
    }
    return out;
  });
}

/** The rule tree of `schema`, or undefined when it has no rules anywhere. */
export function compileRuleTree(schema: JSONSchemaProps | undefined, root = true): RuleTree | undefined {
  if (!schema) return undefined;
  const tree: RuleTree = { schema, rules: compileNodeRules(schema, root || schema['x-kubernetes-embedded-resource'] === true) };
  let any = tree.rules.length > 0;
  for (const [k, v] of Object.entries(schema.properties ?? {})) {
    const sub = compileRuleTree(v, false);
    if (sub) {
      (tree.properties ??= new Map()).set(k, sub);
      any = true;
    }
  }
  const additional = compileRuleTree(additionalPropertiesOf(schema), false);
  if (additional) { tree.additional = additional; any = true; }
  const items = compileRuleTree(itemsOf(schema), false);
  if (items) { tree.items = items; any = true; }
  for (const a of schema.allOf ?? []) {
    const sub = compileRuleTree({ ...a, type: schema.type, properties: a.properties }, false);
    if (sub) { (tree.allOf ??= []).push(sub); any = true; }
  }
  return any ? tree : undefined;
}

/** Go's %#v of the internal ValidationRule, as upstream prints it in compile errors. */
export function ruleGoValue(r: ValidationRule): GoValue {
  const q = (s: string | undefined) => JSON.stringify(s ?? '');
  const reason = r.reason ? '(*apiextensions.FieldValueErrorReason)(0xc000000000)' : '(*apiextensions.FieldValueErrorReason)(nil)';
  const optional = r.optionalOldSelf === undefined ? '(*bool)(nil)' : '(*bool)(0xc000000000)';
  return new GoValue(`apiextensions.ValidationRule{Rule:${q(r.rule)}, Message:${q(r.message)}, MessageExpression:${q(r.messageExpression)}, Reason:${reason}, FieldPath:${q(r.fieldPath)}, OptionalOldSelf:${optional}}`);
}

/** The estimated costs of a schema's rules, summed over the whole schema (and how often the current node's rules run). */
export interface CostTally {
  /** How many times a rule at the current node runs at most (the sizes of the lists and maps around it). */
  cardinality: number;
  total: number;
  rules: { path: string; cost: number }[];
}

/**
 * The compile errors of every rule in `schema` (for CRD validation), at
 * `<path>.x-kubernetes-validations[i].rule` (or `.messageExpression`). `uncorrelatable` is the
 * path of the nearest enclosing list or map whose items oldSelf cannot reach, if any.
 */
export function ruleCompileErrors(schema: JSONSchemaProps, path: string, root: boolean, uncorrelatable?: string, cost?: CostTally): FieldError[] {
  const errs: FieldError[] = [];
  compileNodeRules(schema, root).forEach((c, i) => {
    const at = index(child(path, 'x-kubernetes-validations'), i);
    const total = c.cost * (cost?.cardinality ?? 1);
    if (total > RULE_COST_LIMIT) errs.push(forbidden(child(at, 'rule'), costErrorMessage('estimated rule cost', total, RULE_COST_LIMIT)));
    if (cost) {
      cost.total += total;
      cost.rules.push({ path: child(at, 'rule'), cost: total });
    }
    if (c.error) errs.push(invalid(child(at, 'rule'), ruleGoValue(c.rule), c.error));
    if (c.messageError) errs.push(invalid(child(at, 'messageExpression'), ruleGoValue(c.rule), c.messageError));
    if (c.usesOldSelf && uncorrelatable !== undefined) {
      errs.push(invalid(child(at, 'rule'), c.rule.rule, `oldSelf cannot be used on the uncorrelatable portion of the schema within ${uncorrelatable}`));
    } else if (!c.usesOldSelf && !c.error && c.rule.optionalOldSelf !== undefined) {
      errs.push(invalid(child(at, 'optionalOldSelf'), c.rule.optionalOldSelf, 'may not be set if oldSelf is not used in rule'));
    }
  });
  return errs;
}

