// A static estimate of what a rule costs, to refuse at CRD creation the rules upstream refuses
// as too expensive ("estimated rule cost exceeds budget by factor of ..."). @bufbuild/cel has no
// cost model, so this one counts the expression's nodes and multiplies comprehensions by the
// largest size their range may have (maxItems, maxProperties, maxLength; unbounded: as many
// items as a 3 MiB request holds), and the whole by how many times the rule runs (the sizes of the
// lists and maps it sits in). It leaves out the cost of string functions, so it estimates below
// upstream's: a rule it refuses, upstream refuses too; some upstream refuses pass here.

import { additionalPropertiesOf, itemsOf } from '../structural.js';
import type { JSONSchemaProps } from '../types.js';

/** Upstream's StaticEstimatedCostLimit (one rule) and StaticEstimatedCRDCostLimit (a whole schema). */
export const RULE_COST_LIMIT = 10_000_000;
export const CRD_COST_LIMIT = 100_000_000;

const MAX_REQUEST_BYTES = 3 * 1024 * 1024;

/** The smallest JSON an item of `s` takes: what bounds an unbounded list or map. */
function minSize(s: JSONSchemaProps | undefined): number {
  switch (s?.type) {
    case 'boolean': return 4;
    case 'integer': case 'number': return 1;
    default: return 2;
  }
}

/** How many items (or characters) a value of `s` can hold at most. */
export function maxSize(s: JSONSchemaProps | undefined): number {
  if (!s) return 1;
  const unbounded = (item: JSONSchemaProps | undefined) => Math.floor((MAX_REQUEST_BYTES - 2) / (minSize(item) + 1));
  if (s.type === 'array') return s.maxItems ?? unbounded(itemsOf(s));
  if (s.type === 'string') return s.maxLength ?? MAX_REQUEST_BYTES;
  const additional = additionalPropertiesOf(s);
  if (additional) return s.maxProperties ?? unbounded(additional);
  return Math.max(1, Object.keys(s.properties ?? {}).length);
}

interface Expr {
  exprKind?: { case?: string; value?: any };
}

/** The estimated cost of one evaluation of `expr` with `self` of schema `s`. */
export function estimateCost(expr: Expr, s: JSONSchemaProps): number {
  const scope = new Map<string, JSONSchemaProps | undefined>([['self', s], ['oldSelf', s]]);
  const schemaOf = (e: Expr | undefined): JSONSchemaProps | undefined => {
    const k = e?.exprKind;
    if (k?.case === 'identExpr') return scope.get(k.value.name);
    if (k?.case === 'selectExpr') {
      const parent = schemaOf(k.value.operand);
      return parent?.properties?.[k.value.field] ?? (parent ? additionalPropertiesOf(parent) : undefined);
    }
    return undefined;
  };
  const cost = (e: Expr | undefined): number => {
    const k = e?.exprKind;
    if (!k) return 0;
    switch (k.case) {
      case 'constExpr': return 0;
      case 'identExpr': return 1;
      case 'selectExpr': return 1 + cost(k.value.operand);
      case 'callExpr': return 1 + cost(k.value.target) + (k.value.args as Expr[]).reduce((a, x) => a + cost(x), 0);
      case 'listExpr': return 10 + (k.value.elements as Expr[]).reduce((a, x) => a + cost(x), 0);
      case 'structExpr': return 40 + (k.value.entries as { value: Expr; mapKey?: Expr }[]).reduce((a, x) => a + cost(x.value) + cost(x.mapKey), 0);
      case 'comprehensionExpr': {
        const c = k.value;
        const range = schemaOf(c.iterRange);
        const n = range ? maxSize(range) : 1;
        const saved = scope.get(c.iterVar);
        scope.set(c.iterVar, range?.type === 'array' ? itemsOf(range) : undefined);
        const body = cost(c.loopCondition) + cost(c.loopStep);
        if (saved) scope.set(c.iterVar, saved);
        else scope.delete(c.iterVar);
        return cost(c.iterRange) + cost(c.accuInit) + n * body + cost(c.result);
      }
      default: return 1;
    }
  };
  return cost(expr);
}

/** upstream's getCostErrorMessage. */
export function costErrorMessage(what: string, cost: number, limit: number): string {
  const factor = cost / limit;
  const shown = factor > 100 ? 'more than 100x' : factor < 1.5 ? `${factor.toFixed(6)}x` : `${factor.toFixed(1)}x`;
  return `${what} exceeds budget by factor of ${shown} (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)`;
}
