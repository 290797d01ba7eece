// The CEL environment of x-kubernetes-validations: @bufbuild/cel's standard library and its
// strings extension (charAt, indexOf, lowerAscii, replace, split, join, format, ...), plus the
// Kubernetes functions CRDs use most: lists (isSorted, sum, min, max, indexOf, lastIndexOf),
// regex (find, findAll), isIP, isCIDR, isURL. Missing ones (ip(), cidr(), quantity(), url()
// objects, optionals, authz) are listed in ../README.md.

import { celEnv, celFunc, celMethod, CelScalar, isCelList, listType, type CelEnv, type CelFunc } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { RE2JS } from '@bufbuild/re2';
import { parseCIDR, parseIP } from '../../validation/ip.js';

const { DYN, STRING, BOOL, INT } = CelScalar;
const LIST_DYN = listType(DYN);

type Item = unknown;

function items(list: unknown): Item[] {
  if (isCelList(list)) return [...list];
  return Array.isArray(list) ? list : [];
}

function compare(a: Item, b: Item): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    return Number(a) < Number(b) ? -1 : Number(a) > Number(b) ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  throw new Error('no such overload');
}

function sum(list: unknown): unknown {
  const xs = items(list);
  if (xs.length === 0) return 0n;
  if (xs.every((x) => typeof x === 'bigint')) return (xs as bigint[]).reduce((a, b) => a + b, 0n);
  return xs.reduce((a: number, b) => a + Number(b), 0);
}

function extreme(list: unknown, sign: 1 | -1): unknown {
  const xs = items(list);
  if (xs.length === 0) throw new Error('min called on empty list');
  return xs.reduce((a, b) => (compare(b, a) * sign > 0 ? b : a));
}

function equal(a: Item, b: Item): boolean {
  try {
    return compare(a, b) === 0;
  } catch {
    return JSON.stringify(a) === JSON.stringify(b);
  }
}

/**
 * All non-overlapping matches of pattern in s, at most limit (< 0: all). @bufbuild/re2 only
 * tests for a match, so matches are found with JavaScript's engine once RE2 accepts the pattern.
 */
function findAll(s: string, pattern: string, limit: number): string[] {
  RE2JS.compile(pattern);
  const out: string[] = [];
  for (const m of s.matchAll(new RegExp(pattern, 'gu'))) {
    if (limit >= 0 && out.length >= limit) break;
    out.push(m[0]);
  }
  return out;
}

const isIPText = (s: string) => parseIP(s) !== undefined && !s.includes('%');
const isCIDRText = (s: string) => parseCIDR(s) !== undefined;
function isURL(s: string): boolean {
  try {
    return s.length > 0 && new URL(s).protocol.length > 1;
  } catch {
    return s.startsWith('/');
  }
}

const KUBERNETES: CelFunc[] = [
  celMethod('isSorted', LIST_DYN, [], BOOL, function () {
    const xs = items(this);
    return xs.every((x, i) => i === 0 || compare(xs[i - 1], x) <= 0);
  }),
  celMethod('sum', LIST_DYN, [], DYN, function () { return sum(this) as never; }),
  celMethod('min', LIST_DYN, [], DYN, function () { return extreme(this, -1) as never; }),
  celMethod('max', LIST_DYN, [], DYN, function () { return extreme(this, 1) as never; }),
  celMethod('indexOf', LIST_DYN, [DYN], INT, function (v) { return BigInt(items(this).findIndex((x) => equal(x, v))); }),
  celMethod('lastIndexOf', LIST_DYN, [DYN], INT, function (v) {
    const xs = items(this);
    for (let i = xs.length - 1; i >= 0; i--) if (equal(xs[i], v)) return BigInt(i);
    return -1n;
  }),
  celMethod('find', STRING, [STRING], STRING, function (pattern) { return findAll(this, pattern, 1)[0] ?? ''; }),
  celMethod('findAll', STRING, [STRING], listType(STRING), function (pattern) { return findAll(this, pattern, -1); }),
  celMethod('findAll', STRING, [STRING, INT], listType(STRING), function (pattern, limit) { return findAll(this, pattern, Number(limit)); }),
  celFunc('isIP', [STRING], BOOL, isIPText),
  celFunc('isCIDR', [STRING], BOOL, isCIDRText),
  celFunc('isURL', [STRING], BOOL, isURL),
];

let env: CelEnv | undefined;

/** The shared environment (functions only; variables come with each evaluation). */
export function celEnvironment(): CelEnv {
  env ??= celEnv({ funcs: [...strings, ...KUBERNETES] });
  return env;
}
