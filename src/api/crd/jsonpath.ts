// The JSONPath of additionalPrinterColumns, as client-go's jsonpath evaluates `{<path>}`:
// fields (.a.b, ['a.b']), indexes ([0], [-1]), slices ([1:3]), wildcards ([*], .*), recursive
// descent (..name) and filters ([?(@.type=="Ready")], with ==, !=, <, <=, >, >= and existence).

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'wildcard' }
  | { kind: 'recursive'; name?: string }
  | { kind: 'index'; start?: number; end?: number; single: boolean }
  | { kind: 'filter'; left: Step[]; op?: string; right?: unknown };

export class JsonPathError extends Error {}

function parseLiteral(text: string): unknown {
  const t = text.trim();
  if (/^(['"]).*\1$/.test(t)) return t.slice(1, -1);
  if (t === 'true' || t === 'false') return t === 'true';
  if (t !== '' && !Number.isNaN(Number(t))) return Number(t);
  throw new JsonPathError(`unrecognized filter value ${t}`);
}

/** Parses a path such as ".status.conditions[?(@.type=="Ready")].status". */
export function parseJsonPath(path: string): Step[] {
  const steps: Step[] = [];
  let i = 0;
  const p = path.trim().replace(/^\{|\}$/g, '').replace(/^\$/, '');
  const ident = () => {
    const m = /^[A-Za-z0-9_\-/$]+/.exec(p.slice(i));
    if (!m) throw new JsonPathError(`invalid field name at ${i} in ${path}`);
    i += m[0].length;
    return m[0];
  };
  while (i < p.length) {
    if (p.startsWith('..', i)) {
      i += 2;
      if (p[i] === '*') { i++; steps.push({ kind: 'recursive' }); } else steps.push({ kind: 'recursive', name: ident() });
    } else if (p[i] === '.') {
      i++;
      if (i >= p.length) break;
      if (p[i] === '*') { i++; steps.push({ kind: 'wildcard' }); } else if (p[i] !== '[') steps.push({ kind: 'field', name: ident() });
    } else if (p[i] === '[') {
      const close = matchingBracket(p, i);
      const inner = p.slice(i + 1, close).trim();
      i = close + 1;
      if (inner === '*') steps.push({ kind: 'wildcard' });
      else if (/^['"].*['"]$/.test(inner)) steps.push({ kind: 'field', name: inner.slice(1, -1) });
      else if (inner.startsWith('?(') && inner.endsWith(')')) steps.push(parseFilter(inner.slice(2, -1)));
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: 'index', start: Number(inner), single: true });
      else if (/^-?\d*:-?\d*(:\d*)?$/.test(inner)) {
        const [a, b] = inner.split(':');
        steps.push({ kind: 'index', start: a ? Number(a) : undefined, end: b ? Number(b) : undefined, single: false });
      } else throw new JsonPathError(`invalid array index ${inner}`);
    } else {
      steps.push({ kind: 'field', name: ident() });
    }
  }
  return steps;
}

function matchingBracket(p: string, open: number): number {
  let depth = 0;
  let quote = '';
  for (let j = open; j < p.length; j++) {
    const c = p[j];
    if (quote) { if (c === quote) quote = ''; continue; }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return j;
  }
  throw new JsonPathError(`unterminated array index in ${p}`);
}

function parseFilter(text: string): Step {
  const m = /^\s*@(\S*?)\s*(==|!=|<=|>=|<|>)\s*(.+?)\s*$/.exec(text);
  if (m) return { kind: 'filter', left: parseJsonPath(m[1]), op: m[2], right: parseLiteral(m[3]) };
  const e = /^\s*@(\S*)\s*$/.exec(text);
  if (e) return { kind: 'filter', left: parseJsonPath(e[1]) };
  throw new JsonPathError(`unrecognized filter ${text}`);
}

function compare(a: unknown, op: string, b: unknown): boolean {
  switch (op) {
    case '==': return a === b;
    case '!=': return a !== b;
    case '<': return typeof a === typeof b && (a as number) < (b as number);
    case '<=': return typeof a === typeof b && (a as number) <= (b as number);
    case '>': return typeof a === typeof b && (a as number) > (b as number);
    case '>=': return typeof a === typeof b && (a as number) >= (b as number);
    default: return false;
  }
}

function descend(values: unknown[], name: string | undefined): unknown[] {
  const out: unknown[] = [];
  const walk = (v: unknown) => {
    if (isObj(v)) {
      if (name === undefined) out.push(...Object.values(v));
      else if (Object.hasOwn(v, name)) out.push(v[name]);
      Object.values(v).forEach(walk);
    } else if (Array.isArray(v)) {
      if (name === undefined) out.push(...v);
      v.forEach(walk);
    }
  };
  values.forEach(walk);
  return out;
}

/** Every value `steps` select from `root`. */
export function evaluateJsonPath(steps: Step[], root: unknown): unknown[] {
  let cur: unknown[] = [root];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      switch (step.kind) {
        case 'field':
          if (isObj(v) && Object.hasOwn(v, step.name)) next.push(v[step.name]);
          break;
        case 'wildcard':
          if (isObj(v)) next.push(...Object.values(v));
          else if (Array.isArray(v)) next.push(...v);
          break;
        case 'index': {
          if (!Array.isArray(v)) break;
          const norm = (n: number) => (n < 0 ? n + v.length : n);
          if (step.single) {
            const n = norm(step.start ?? 0);
            if (n >= 0 && n < v.length) next.push(v[n]);
          } else {
            next.push(...v.slice(step.start === undefined ? 0 : norm(step.start), step.end === undefined ? v.length : norm(step.end)));
          }
          break;
        }
        case 'filter': {
          const items = Array.isArray(v) ? v : isObj(v) ? Object.values(v) : [];
          for (const item of items) {
            const found = evaluateJsonPath(step.left, item);
            if (step.op === undefined ? found.length > 0 : found.some((x) => compare(x, step.op!, step.right))) next.push(item);
          }
          break;
        }
        case 'recursive':
          next.push(...descend([v], step.name));
          break;
      }
    }
    cur = next;
  }
  return cur;
}
