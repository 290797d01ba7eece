// components.schemas of an OpenAPI v3 document, built from the compact schema: one object schema
// per struct with the extensions kubectl reads (x-kubernetes-group-version-kind to find a kind,
// x-kubernetes-patch-strategy/-merge-key to compute strategic merge patches, list and map types
// for server-side apply), plus the shared scalar types (Time, IntOrString, Quantity, Patch).

import { type FieldDef, type TypeRef, structDef } from './schema.js';

export type JsonSchema = Record<string, unknown>;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
export const TIME = `${META}.Time`;
export const MICRO_TIME = `${META}.MicroTime`;
export const PATCH = `${META}.Patch`;
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

/** The non-struct components, as upstream's v3 documents define them. */
const SCALAR_COMPONENTS: Record<string, JsonSchema> = {
  [TIME]: { type: 'string', format: 'date-time' },
  [MICRO_TIME]: { type: 'string', format: 'date-time' },
  [INT_OR_STRING]: { format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true },
  [QUANTITY]: { oneOf: [{ type: 'string' }, { type: 'number' }] },
  [PATCH]: { type: 'object' },
};

export const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/** The schema of a value of type `t`; `uses` collects the components it refers to. */
function typeSchema(t: TypeRef, uses: Set<string>): JsonSchema {
  const named = (name: string) => {
    uses.add(name);
    return { allOf: [ref(name)] };
  };
  switch (t.kind) {
    case 'struct': return named(t.name);
    case 'list': return { type: 'array', items: typeSchema(t.items, uses) };
    case 'map': return { type: 'object', additionalProperties: typeSchema(t.values, uses) };
    case 'scalar':
      switch (t.scalar) {
        case 'string': return { type: 'string' };
        case 'byte': return { type: 'string', format: 'byte' };
        case 'boolean': return { type: 'boolean' };
        case 'int32': case 'int64': return { type: 'integer', format: t.scalar };
        case 'double': return { type: 'number', format: 'double' };
        case 'object': return { type: 'object' };
        case 'date-time': return named(TIME);
        case 'micro-time': return named(MICRO_TIME);
        case 'int-or-string': return named(INT_OR_STRING);
        case 'quantity': return named(QUANTITY);
      }
  }
}

function fieldSchema(f: FieldDef, uses: Set<string>): JsonSchema {
  const s = typeSchema(f.type, uses);
  if (f.default !== undefined) s.default = f.default;
  if (f.listType) s['x-kubernetes-list-type'] = f.listType;
  if (f.listMapKeys) s['x-kubernetes-list-map-keys'] = f.listMapKeys;
  if (f.mapType) s['x-kubernetes-map-type'] = f.mapType;
  if (f.patchMergeKey) s['x-kubernetes-patch-merge-key'] = f.patchMergeKey;
  if (f.patchStrategy) s['x-kubernetes-patch-strategy'] = f.patchStrategy;
  return s;
}

/** The schema of one struct; `uses` collects the components it refers to. */
function structSchema(name: string, uses: Set<string>, gvks?: { group: string; version: string; kind: string }[]): JsonSchema {
  const def = structDef(name);
  if (!def) throw new Error(`openapi: unknown type ${name}`);
  const properties: Record<string, JsonSchema> = {};
  for (const f of def.fields.values()) properties[f.name] = fieldSchema(f, uses);
  const s: JsonSchema = { type: 'object', properties };
  if (def.required.length) s.required = def.required;
  const gvk = gvks ?? def.gvk;
  if (gvk?.length) s['x-kubernetes-group-version-kind'] = gvk.map((g) => ({ group: g.group, kind: g.kind, version: g.version }));
  if (def.atomic) s['x-kubernetes-map-type'] = 'atomic';
  return s;
}

/**
 * The components.schemas holding `roots` and everything they refer to, sorted by name.
 * `gvkOverrides` replaces a schema's x-kubernetes-group-version-kind (meta types list the
 * document's own group version).
 */
export function componentSchemas(roots: string[], gvkOverrides: Record<string, { group: string; version: string; kind: string }[]> = {}): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  const pending = [...roots];
  while (pending.length) {
    const name = pending.pop()!;
    if (out[name]) continue;
    if (SCALAR_COMPONENTS[name]) {
      out[name] = SCALAR_COMPONENTS[name];
      continue;
    }
    const uses = new Set<string>();
    out[name] = structSchema(name, uses, gvkOverrides[name]);
    pending.push(...uses);
  }
  return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]]));
}
