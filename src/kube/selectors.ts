// Label and field selectors: parsing of the query strings (?labelSelector=, ?fieldSelector=) and
// matching, with upstream's grammar (k8s.io/apimachinery/pkg/labels and pkg/fields) and messages.

import type { LabelSelector } from './types.js';

export type LabelOperator = 'in' | 'notin' | 'exists' | '!' | '=' | '==' | '!=' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

/** A parsed label selector; an empty one matches everything. */
export class LabelSelectorMatcher {
  constructor(readonly requirements: LabelRequirement[]) {}

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  matches(labels: Record<string, string> | undefined): boolean {
    const l = labels ?? {};
    for (const r of this.requirements) {
      const has = Object.prototype.hasOwnProperty.call(l, r.key);
      const v = l[r.key];
      switch (r.operator) {
        case '=': case '==': case 'in':
          if (!has || !r.values.includes(v)) return false;
          break;
        case '!=': case 'notin':
          if (has && r.values.includes(v)) return false;
          break;
        case 'exists':
          if (!has) return false;
          break;
        case '!':
          if (has) return false;
          break;
        case 'gt': case 'lt': {
          if (!has) return false;
          const n = Number(v);
          const bound = Number(r.values[0]);
          if (!Number.isInteger(n)) return false;
          if (r.operator === 'gt' ? !(n > bound) : !(n < bound)) return false;
          break;
        }
      }
    }
    return true;
  }

  toString(): string {
    return this.requirements.map((r) => {
      switch (r.operator) {
        case 'exists': return r.key;
        case '!': return `!${r.key}`;
        case 'in': case 'notin': return `${r.key} ${r.operator} (${r.values.join(',')})`;
        case 'gt': return `${r.key}>${r.values[0]}`;
        case 'lt': return `${r.key}<${r.values[0]}`;
        default: return `${r.key}${r.operator}${r.values[0]}`;
      }
    }).join(',');
  }
}

export class SelectorParseError extends Error {}

const qualifiedNameRe = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const dns1123SubdomainRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const labelValueRe = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Upstream's validateLabelKey messages, reduced to the common cases. */
function checkKey(key: string): void {
  const parts = key.split('/');
  let name = key;
  if (parts.length === 2) {
    const [prefix, n] = parts;
    if (prefix.length === 0) throw new SelectorParseError(`unable to parse requirement: <nil>: Invalid value: ${JSON.stringify(key)}: prefix part must be non-empty`);
    if (prefix.length > 253 || !dns1123SubdomainRe.test(prefix)) {
      throw new SelectorParseError(`unable to parse requirement: <nil>: Invalid value: ${JSON.stringify(key)}: prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`);
    }
    name = n;
  } else if (parts.length > 2) {
    throw new SelectorParseError(`unable to parse requirement: <nil>: Invalid value: ${JSON.stringify(key)}: a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`);
  }
  if (name.length === 0) throw new SelectorParseError(`unable to parse requirement: <nil>: Invalid value: ${JSON.stringify(key)}: name part must be non-empty`);
  if (name.length > 63) throw new SelectorParseError(`unable to parse requirement: <nil>: Invalid value: ${JSON.stringify(key)}: name part must be no more than 63 characters`);
  if (!qualifiedNameRe.test(name)) {
    throw new SelectorParseError(`unable to parse requirement: <nil>: Invalid value: ${JSON.stringify(key)}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`);
  }
}

function checkValue(v: string): void {
  if (v.length > 63) throw new SelectorParseError(`unable to parse requirement: <nil>: Invalid value: ${JSON.stringify(v)}: must be no more than 63 characters`);
  if (!labelValueRe.test(v)) {
    throw new SelectorParseError(`unable to parse requirement: <nil>: Invalid value: ${JSON.stringify(v)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`);
  }
}

type Token = { kind: 'id' | 'op' | 'comma' | 'open' | 'close' | 'not'; text: string };

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t') { i++; continue; }
    if (c === ',') { out.push({ kind: 'comma', text: c }); i++; continue; }
    if (c === '(') { out.push({ kind: 'open', text: c }); i++; continue; }
    if (c === ')') { out.push({ kind: 'close', text: c }); i++; continue; }
    if (c === '!' && s[i + 1] === '=') { out.push({ kind: 'op', text: '!=' }); i += 2; continue; }
    if (c === '!') { out.push({ kind: 'not', text: '!' }); i++; continue; }
    if (c === '=' && s[i + 1] === '=') { out.push({ kind: 'op', text: '==' }); i += 2; continue; }
    if (c === '=' || c === '>' || c === '<') { out.push({ kind: 'op', text: c }); i++; continue; }
    let j = i;
    while (j < s.length && !' \t,()!=<>'.includes(s[j])) j++;
    out.push({ kind: 'id', text: s.slice(i, j) });
    i = j;
  }
  return out;
}

/** Parses "a=b,c!=d,e in (x,y),f notin (z),g,!h,i>3". Throws SelectorParseError with upstream's wording. */
export function parseLabelSelector(s: string | undefined | null): LabelSelectorMatcher {
  if (!s || s.trim() === '') return new LabelSelectorMatcher([]);
  const t = tokenize(s);
  const reqs: LabelRequirement[] = [];
  let p = 0;
  const fail = (msg: string): never => { throw new SelectorParseError(`unable to parse requirement: ${msg}`); };
  while (p < t.length) {
    let negate = false;
    if (t[p].kind === 'not') { negate = true; p++; }
    const keyTok = t[p];
    if (!keyTok || keyTok.kind !== 'id') fail(`found '${keyTok?.text ?? ''}', expected: identifier`);
    const key = keyTok.text;
    checkKey(key);
    p++;
    if (negate) {
      reqs.push({ key, operator: '!', values: [] });
    } else if (p >= t.length || t[p].kind === 'comma') {
      reqs.push({ key, operator: 'exists', values: [] });
    } else if (t[p].kind === 'op') {
      const op = t[p].text;
      p++;
      const v = t[p] && t[p].kind === 'id' ? t[p].text : '';
      if (t[p] && t[p].kind === 'id') p++;
      if (op === '>' || op === '<') {
        if (!/^-?\d+$/.test(v)) fail(`found '${v}', expected: integer`);
        reqs.push({ key, operator: op === '>' ? 'gt' : 'lt', values: [v] });
      } else {
        checkValue(v);
        reqs.push({ key, operator: op as LabelOperator, values: [v] });
      }
    } else if (t[p].kind === 'id' && (t[p].text === 'in' || t[p].text === 'notin')) {
      const op = t[p].text as 'in' | 'notin';
      p++;
      if (!t[p] || t[p].kind !== 'open') fail(`found '${t[p]?.text ?? ''}', expected: '('`);
      p++;
      const values: string[] = [];
      while (p < t.length && t[p].kind !== 'close') {
        if (t[p].kind === 'id') { checkValue(t[p].text); values.push(t[p].text); p++; }
        else if (t[p].kind === 'comma') { p++; }
        else fail(`found '${t[p].text}', expected: ',', ')' or identifier`);
      }
      if (p >= t.length) fail(`found '', expected: ')'`);
      p++;
      if (values.length === 0) values.push('');
      reqs.push({ key, operator: op, values });
    } else {
      fail(`found '${t[p].text}', expected: in, notin, =, ==, !=, gt, lt`);
    }
    if (p < t.length) {
      if (t[p].kind !== 'comma') fail(`found '${t[p].text}', expected: ',' or 'end of string'`);
      p++;
      if (p >= t.length) fail(`found '', expected: !, identifier, or 'end of string'`);
    }
  }
  return new LabelSelectorMatcher(reqs);
}

/** A metav1.LabelSelector as a matcher (nil selector: nothing when nilMatchesNothing, else everything). */
export function labelSelectorFromSpec(sel: LabelSelector | undefined | null, nilMatchesNothing = true): LabelSelectorMatcher | null {
  if (!sel) return nilMatchesNothing ? null : new LabelSelectorMatcher([]);
  const reqs: LabelRequirement[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key: k, operator: '=', values: [v] });
  for (const e of sel.matchExpressions ?? []) {
    const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' } as const)[e.operator];
    reqs.push({ key: e.key, operator: op, values: e.values ?? [] });
  }
  return new LabelSelectorMatcher(reqs);
}

/** A map selector such as a Service's spec.selector: empty or missing selects nothing. */
export function matchesMapSelector(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector)) if (l[k] !== v) return false;
  return true;
}

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

/** Parses "metadata.name=x,status.phase!=Running" (values may escape ',', '=' and '\' with '\'). */
export function parseFieldSelector(s: string | undefined | null): FieldRequirement[] {
  if (!s || s.trim() === '') return [];
  const reqs: FieldRequirement[] = [];
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length) { cur += c + s[i + 1]; i++; continue; }
    if (c === ',') { parts.push(cur); cur = ''; continue; }
    cur += c;
  }
  parts.push(cur);
  for (const part of parts) {
    const m = /^(.*?)(!=|==|=)(.*)$/.exec(part);
    if (!m) throw new SelectorParseError(`invalid selector: '${s}'; can't understand '${part}'`);
    const value = m[3].replace(/\\(.)/g, '$1');
    reqs.push({ field: m[1].trim(), operator: m[2] === '!=' ? '!=' : '=', value });
  }
  return reqs;
}

export function matchesFields(reqs: FieldRequirement[], get: (field: string) => string | undefined): boolean {
  for (const r of reqs) {
    const v = get(r.field) ?? '';
    if (r.operator === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}
