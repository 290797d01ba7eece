// JSON Patch (RFC 6902) as the API server applies it (gopkg.in/evanphx/json-patch.v4), with that
// library's leniencies (negative array indices count from the end, `replace` of a missing object
// key adds it, `add` without a value adds null) and its error texts.

export class JsonPatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPatchError';
  }
}

import { jsonKind } from '../decode/gofmt.js';
import { deepEqual, isObject, setOwn } from './values.js';

type Container = Record<string, unknown> | unknown[];

const MISSING = 'missing value';
const INVALID_INDEX = 'invalid index referenced';
const fail = (...parts: string[]): never => {
  throw new JsonPatchError(parts.join(': '));
};

/** RFC 6901 reference token unescaping. */
const decodeKey = (k: string) => k.replace(/~1/g, '/').replace(/~0/g, '~');

/** Go's strconv.Atoi: optional sign and decimal digits, nothing else. */
function atoi(key: string): number {
  if (!/^[+-]?\d+$/.test(key)) fail(`strconv.Atoi: parsing ${JSON.stringify(key)}`, 'invalid syntax');
  return Number(key);
}

/** An index into an array of `length` (negative counts from the end), or an error. */
function arrayIndex(key: string, length: number): number {
  const idx = atoi(key);
  if (idx < 0) {
    if (idx < -length) fail(`Unable to access invalid index: ${idx}`, INVALID_INDEX);
    return idx + length;
  }
  if (idx >= length) fail(`Unable to access invalid index: ${idx}`, INVALID_INDEX);
  return idx;
}

function get(con: Container, key: string): unknown {
  if (Array.isArray(con)) return con[arrayIndex(key, con.length)];
  return Object.hasOwn(con, key) ? con[key] : undefined;
}

function add(con: Container, key: string, value: unknown): void {
  if (!Array.isArray(con)) {
    setOwn(con, key, value);
    return;
  }
  if (key === '-') {
    con.push(value);
    return;
  }
  let idx: number;
  try {
    idx = atoi(key);
  } catch (e) {
    return fail(`value was not a proper array index: '${key}'`, (e as Error).message);
  }
  if (idx > con.length || idx < -(con.length + 1)) fail(`Unable to access invalid index: ${idx}`, INVALID_INDEX);
  if (idx < 0) idx += con.length + 1;
  con.splice(idx, 0, value);
}

function remove(con: Container, key: string): void {
  if (Array.isArray(con)) {
    con.splice(arrayIndex(key, con.length), 1);
    return;
  }
  if (!Object.hasOwn(con, key)) fail(`Unable to remove nonexistent key: ${key}`, MISSING);
  delete con[key];
}

/** The container holding the last token of `path`, and that token; undefined when a step is missing. */
function findObject(doc: Container, path: string): { con: Container; key: string } | undefined {
  const split = path.split('/');
  if (split.length < 2) return undefined;
  let cur: Container = doc;
  for (const part of split.slice(1, -1)) {
    let next: unknown;
    try {
      next = get(cur, decodeKey(part));
    } catch {
      return undefined;
    }
    if (!isObject(next) && !Array.isArray(next)) return undefined;
    cur = next;
  }
  return { con: cur, key: decodeKey(split[split.length - 1]) };
}

/** A string member of an operation, or why it cannot be read (the library's wording). */
function member(op: Record<string, unknown>, name: 'path' | 'from'): string | { error: string } {
  const v = op[name];
  if (v === undefined || v === null) {
    return { error: name === 'path' ? `operation missing path field: ${MISSING}` : `operation, missing from field: ${MISSING}` };
  }
  if (typeof v !== 'string') return { error: `json: cannot unmarshal ${jsonKind(v)} into Go value of type string` };
  return v;
}

/** Applies `ops` to a copy of `doc`; throws JsonPatchError with the library's message. */
export function applyJsonPatch(doc: unknown, ops: unknown[]): unknown {
  let root = structuredClone(doc) as Container;
  for (const raw of ops) {
    const op = (isObject(raw) ? raw : {}) as Record<string, unknown>;
    const kind = typeof op.op === 'string' ? op.op : 'unknown';
    const value = op.value === undefined ? null : structuredClone(op.value);
    const path = member(op, 'path');
    switch (kind) {
      case 'add': {
        if (typeof path !== 'string') fail('add operation failed to decode path', MISSING);
        const p = path as string;
        const target = findObject(root, p) ?? fail(`add operation does not apply: doc is missing path: "${p}"`, MISSING);
        try {
          add(target.con, target.key, value);
        } catch (e) {
          fail(`error in add for path: '${p}'`, (e as Error).message);
        }
        break;
      }
      case 'remove': {
        if (typeof path !== 'string') fail('remove operation failed to decode path', MISSING);
        const p = path as string;
        const target = findObject(root, p) ?? fail(`remove operation does not apply: doc is missing path: "${p}"`, MISSING);
        try {
          remove(target.con, target.key);
        } catch (e) {
          fail(`error in remove for path: '${p}'`, (e as Error).message);
        }
        break;
      }
      case 'replace': {
        if (typeof path !== 'string') fail('replace operation failed to decode path', path.error);
        const p = path as string;
        if (p === '') {
          // The whole document; a scalar value is silently ignored by the library.
          if (isObject(value) || Array.isArray(value)) root = value;
          break;
        }
        const target = findObject(root, p) ?? fail(`replace operation does not apply: doc is missing path: ${p}`, MISSING);
        try {
          get(target.con, target.key);
        } catch {
          fail(`replace operation does not apply: doc is missing key: ${p}`, MISSING);
        }
        if (Array.isArray(target.con)) target.con[arrayIndex(target.key, target.con.length)] = value;
        else add(target.con, target.key, value);
        break;
      }
      case 'move': case 'copy': {
        const from = member(op, 'from');
        if (typeof from !== 'string') fail(`${kind} operation failed to decode from`, from.error);
        const f = from as string;
        const source = findObject(root, f) ?? fail(`${kind} operation does not apply: doc is missing from path: ${f}`, MISSING);
        let val: unknown;
        try {
          val = get(source.con, source.key);
          if (kind === 'move') remove(source.con, source.key);
        } catch (e) {
          fail(kind === 'move' ? `error in move for path: '${source.key}'` : `error in copy for from: '${f}'`, (e as Error).message);
        }
        if (typeof path !== 'string') fail(`${kind} operation failed to decode path`, kind === 'move' ? path.error : MISSING);
        const p = path as string;
        const dest = findObject(root, p) ?? fail(`${kind} operation does not apply: doc is missing destination path: ${p}`, MISSING);
        try {
          add(dest.con, dest.key, kind === 'copy' ? structuredClone(val ?? null) : val ?? null);
        } catch (e) {
          fail(kind === 'move' ? `error in move for path: '${p}'` : 'error while adding value during copy', (e as Error).message);
        }
        break;
      }
      case 'test': {
        if (typeof path !== 'string') fail('test operation failed to decode path', path.error);
        const p = path as string;
        let actual: unknown = root;
        if (p !== '') {
          const target = findObject(root, p) ?? fail(`test operation does not apply: is missing path: ${p}`, MISSING);
          try {
            actual = get(target.con, target.key);
          } catch (e) {
            fail(`error in test for path: '${p}'`, (e as Error).message);
          }
        }
        // A missing member matches only a null value.
        if (!(actual === undefined ? value === null : deepEqual(actual, value))) fail(`testing value ${p} failed`, 'test failed');
        break;
      }
      default:
        fail(`Unexpected kind: ${kind}`);
    }
  }
  return root;
}
