// Sets of field paths, as server-side apply tracks ownership (structured-merge-diff's fieldpath
// package): path elements are `f:<field>`, `k:<json of list-map keys>`, `v:<json of a set item>`
// and `i:<index>`; sets serialize to metadata.managedFields' FieldsV1 format, where a node that
// is itself a member and has children carries "." .

import { smdValueString } from '../decode/typed.js';
import { isObject, type JsonObject } from './values.js';

export type Path = string[];

interface Node {
  member: boolean;
  children: Map<string, Node>;
}

const newNode = (): Node => ({ member: false, children: new Map() });

/** Order of path elements in FieldsV1: fields, then keys, then values, then indices. */
function comparePE(a: string, b: string): number {
  const rank = (pe: string) => 'fkvi'.indexOf(pe[0]);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (a[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

export class FieldSet {
  private readonly root: Node = newNode();

  static of(paths: Iterable<Path>): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(path: Path): void {
    let node = this.root;
    for (const pe of path) {
      let next = node.children.get(pe);
      if (!next) node.children.set(pe, (next = newNode()));
      node = next;
    }
    node.member = true;
  }

  has(path: Path): boolean {
    return this.node(path)?.member ?? false;
  }

  /** True when a member lies at or below `path`. */
  hasUnder(path: Path): boolean {
    const n = this.node(path);
    return n !== undefined && (n.member || [...this.walk(n, [])].length > 0);
  }

  private node(path: Path): Node | undefined {
    let node: Node | undefined = this.root;
    for (const pe of path) node = node?.children.get(pe);
    return node;
  }

  private *walk(node: Node, prefix: Path): Generator<Path> {
    for (const pe of [...node.children.keys()].sort(comparePE)) {
      const child = node.children.get(pe)!;
      const path = [...prefix, pe];
      if (child.member) yield path;
      yield* this.walk(child, path);
    }
  }

  /** Every member path, parents before children, siblings in FieldsV1 order. */
  paths(): Path[] {
    return [...this.walk(this.root, [])];
  }

  empty(): boolean {
    return this.paths().length === 0;
  }

  union(other: FieldSet): FieldSet {
    return FieldSet.of([...this.paths(), ...other.paths()]);
  }

  difference(other: FieldSet): FieldSet {
    return FieldSet.of(this.paths().filter((p) => !other.has(p)));
  }

  intersection(other: FieldSet): FieldSet {
    return FieldSet.of(this.paths().filter((p) => other.has(p)));
  }

  /** The FieldsV1 form: {"f:metadata":{"f:labels":{".":{},"f:app":{}}}}. */
  toFieldsV1(): JsonObject {
    const encode = (node: Node): JsonObject => {
      const out: JsonObject = {};
      if (node.member && node.children.size) out['.'] = {};
      for (const pe of [...node.children.keys()].sort(comparePE)) out[pe] = encode(node.children.get(pe)!);
      return out;
    };
    return encode(this.root);
  }

  static fromFieldsV1(fields: unknown): FieldSet {
    const s = new FieldSet();
    const decode = (obj: unknown, prefix: Path) => {
      if (!isObject(obj)) return;
      for (const [pe, child] of Object.entries(obj)) {
        if (pe === '.') {
          s.insert(prefix);
          continue;
        }
        const path = [...prefix, pe];
        if (isObject(child) && Object.keys(child).length === 0) s.insert(path);
        else decode(child, path);
      }
    };
    decode(fields, []);
    return s;
  }
}

/** A path as conflict messages print it: .spec.containers[name="nginx"].image */
export function pathString(path: Path): string {
  return path.map((pe) => {
    const body = pe.slice(2);
    switch (pe[0]) {
      case 'f': return `.${body}`;
      case 'k': return `[${Object.entries(JSON.parse(body) as JsonObject).map(([k, v]) => `${k}=${smdValueString(v)}`).join(',')}]`;
      case 'v': return `[=${smdValueString(JSON.parse(body))}]`;
      default: return `[${body}]`;
    }
  }).join('');
}
