// YAML request bodies, converted to JSON values the way sigs.k8s.io/yaml (go-yaml v2) does:
// YAML 1.1 scalars (yes/no/on/off are booleans, 0777 is octal), the first document only, keys
// turned into strings, and errors and duplicate keys reported in go-yaml's words.

import { type Document, isScalar, LineCounter, parseAllDocuments, type Scalar as YamlScalar, type ScalarTag, visit } from 'yaml';
import { setOwn } from './json.js';

export class YamlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'YamlError';
  }
}

export interface ParsedYaml {
  value: unknown;
  /** go-yaml's strict complaint about duplicate keys ("yaml: unmarshal errors:\n  line 5: key \"a\" already set in map"), if any. */
  duplicateError?: string;
}

// go-yaml v2 has no sexagesimal numbers and keeps timestamps as strings in JSON.
const dropTags = (tags: unknown[]) =>
  tags.filter((t) => {
    const tag = t as ScalarTag;
    return tag.format !== 'TIME' && tag.tag !== 'tag:yaml.org,2002:timestamp' && tag.tag !== 'tag:yaml.org,2002:binary';
  }) as ScalarTag[];

/** go-yaml's wording for the yaml library's most common errors. */
const GO_YAML_MESSAGES: Record<string, string> = {
  BLOCK_AS_IMPLICIT_KEY: 'mapping values are not allowed in this context',
  TAB_AS_INDENT: 'found character that cannot start any token',
  BAD_INDENT: 'did not find expected key',
  MISSING_CHAR: 'found unexpected end of stream',
  UNEXPECTED_TOKEN: 'did not find expected node content',
  MULTILINE_IMPLICIT_KEY: 'could not find expected \':\'',
};

function goPrintKey(key: unknown): string {
  return typeof key === 'string' ? JSON.stringify(key) : String(key);
}

/** go-yaml's duplicate-key complaints, in document order. */
function duplicateKeys(doc: Document, lines: LineCounter): string[] {
  const out: { line: number; text: string }[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = (pair.key as YamlScalar).value;
        const id = JSON.stringify(key);
        if (seen.has(id)) {
          const line = lines.linePos((pair.key as YamlScalar).range![0]).line;
          out.push({ line, text: `line ${line}: key ${goPrintKey(key)} already set in map` });
        }
        seen.add(id);
      }
    },
  });
  return out.sort((a, b) => a.line - b.line).map((d) => d.text);
}

/** Converts YAML to a JSON value; throws YamlError ("error converting YAML to JSON: yaml: line 3: ..."). */
export function parseYaml(input: Buffer | string): ParsedYaml {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { version: '1.1', uniqueKeys: false, merge: true, lineCounter: lines, customTags: dropTags });
  const doc = Array.isArray(docs) ? docs[0] : undefined;
  if (!doc) return { value: null };
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0].line ?? 1;
    const message = GO_YAML_MESSAGES[err.code] ?? err.message.split(' at line ')[0].toLowerCase();
    throw new YamlError(`error converting YAML to JSON: yaml: line ${line}: ${message}`);
  }
  const dups = duplicateKeys(doc, lines);
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: 10000 });
  } catch (e) {
    // An alias whose anchor was never defined ("*a"): go-yaml's words.
    const anchor = /Unresolved alias[^:]*: \*?([^\s]+)/i.exec((e as Error).message)?.[1];
    if (anchor) throw new YamlError(`error converting YAML to JSON: yaml: unknown anchor '${anchor.replace(/^\*/, '')}' referenced`);
    throw new YamlError(`error converting YAML to JSON: yaml: ${(e as Error).message}`);
  }
  const value = stringifyKeys(js);
  return {
    value,
    duplicateError: dups.length ? `error converting YAML to JSON: yaml: unmarshal errors:\n  ${dups.join('\n  ')}` : undefined,
  };
}

/** Plain JSON values: objects with own keys (even "__proto__"), no Infinity or NaN. */
function stringifyKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stringifyKeys);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) setOwn(out, k, stringifyKeys(x));
    return out;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}
