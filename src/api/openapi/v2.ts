// The OpenAPI v2 (Swagger 2.0) document at /openapi/v2, as kube-apiserver serves it: one document
// for every group version, with all paths and all definitions. It is derived from the OpenAPI v3
// documents (so whatever they hold, it holds): `$ref`s move from #/components/schemas to
// #/definitions, `allOf: [{$ref}]` becomes the `$ref` itself, IntOrString and Quantity become the
// strings v2 has them as (v2 has no oneOf), request bodies become `in: body` parameters, response
// content a schema, and the meta kinds every group registers (DeleteOptions, WatchEvent) list every
// group version in x-kubernetes-group-version-kind.
//
// kubectl reads it (in protobuf, v2-proto.ts) for client-side validation, which it still uses for
// `kind: List` manifests: each item's kind is looked up by x-kubernetes-group-version-kind and its
// fields checked against the definitions.

type Json = Record<string, any>;

const V3_REF = '#/components/schemas/';
const V2_REF = '#/definitions/';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];
/** Schema keywords Swagger 2.0 has no place for. */
const V3_ONLY = new Set(['oneOf', 'anyOf', 'not', 'nullable', 'x-kubernetes-int-or-string']);

/** A v3 schema as v2 writes it. */
export function v2Schema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(v2Schema);
  if (!s || typeof s !== 'object') return s;
  const schema = s as Json;
  // allOf holding one reference is v3's way to put siblings (default, description) next to a $ref.
  if (Array.isArray(schema.allOf) && schema.allOf.length === 1 && schema.allOf[0]?.$ref) {
    const { allOf, ...rest } = schema;
    return v2Schema({ ...rest, $ref: allOf[0].$ref });
  }
  const out: Json = {};
  if (schema.oneOf) {
    // IntOrString (format int-or-string) and Quantity are strings in v2, as upstream's document has them.
    out.type = 'string';
  }
  for (const [k, v] of Object.entries(schema)) {
    if (V3_ONLY.has(k)) continue;
    if (k === '$ref' && typeof v === 'string') out.$ref = v.startsWith(V3_REF) ? V2_REF + v.slice(V3_REF.length) : v;
    else if (k === 'properties' || k === 'definitions') out[k] = Object.fromEntries(Object.entries(v as Json).map(([name, p]) => [name, v2Schema(p)]));
    else if (k === 'items' || k === 'additionalProperties' || k === 'allOf') out[k] = typeof v === 'boolean' ? v : v2Schema(v);
    else out[k] = v;
  }
  return out;
}

/** A v3 parameter as a v2 non-body parameter: the schema's type and its facets inline. */
function v2Parameter(p: Json): Json {
  if (p.$ref) return { $ref: p.$ref };
  const { schema, ...rest } = p;
  return { ...rest, ...(v2Schema(schema ?? {}) as Json) };
}

function mediaTypes(content: Json | undefined): string[] {
  return Object.keys(content ?? {});
}

function v2Operation(op: Json): { operation: Json; consumes: string[]; produces: string[] } {
  const { requestBody, responses, parameters, ...rest } = op;
  const params: Json[] = [];
  const consumes = mediaTypes(requestBody?.content);
  if (requestBody) {
    const schema = (Object.values(requestBody.content ?? {})[0] as Json | undefined)?.schema ?? {};
    params.push({ name: 'body', in: 'body', ...(requestBody.required ? { required: true } : {}), schema: v2Schema(schema) });
  }
  for (const p of parameters ?? []) params.push(v2Parameter(p));
  const produces = new Set<string>();
  const v2Responses: Json = {};
  for (const [code, r] of Object.entries((responses ?? {}) as Json)) {
    const response = r as Json;
    for (const t of mediaTypes(response.content)) produces.add(t);
    const schema = (Object.values(response.content ?? {})[0] as Json | undefined)?.schema;
    v2Responses[code] = { description: response.description ?? '', ...(schema ? { schema: v2Schema(schema) } : {}) };
  }
  const operation: Json = {
    ...(consumes.length ? { consumes } : {}),
    ...(produces.size ? { produces: [...produces] } : {}),
    schemes: ['https'],
    ...rest,
    ...(params.length ? { parameters: params } : {}),
    responses: v2Responses,
  };
  // Key order as upstream's: description, consumes, produces, schemes, tags, operationId, parameters, responses, x-*.
  const order = ['description', 'consumes', 'produces', 'schemes', 'tags', 'operationId', 'parameters', 'responses'];
  const sorted: Json = {};
  for (const k of order) if (k in operation) sorted[k] = operation[k];
  for (const [k, v] of Object.entries(operation)) if (!(k in sorted)) sorted[k] = v;
  return { operation: sorted, consumes, produces: [...produces] };
}

function v2PathItem(item: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(item)) {
    if (METHODS.includes(k)) out[k] = v2Operation(v as Json).operation;
    else if (k === 'parameters') out.parameters = (v as Json[]).map(v2Parameter);
    else out[k] = v;
  }
  return out;
}

const gvkKey = (g: Json) => `${g.group}/${g.version}/${g.kind}`;

/** Joins the same definition from several documents: the meta kinds list every group version. */
function mergeDefinition(a: Json, b: Json): Json {
  const ga = a['x-kubernetes-group-version-kind'];
  const gb = b['x-kubernetes-group-version-kind'];
  if (!Array.isArray(ga) || !Array.isArray(gb)) return a;
  const seen = new Map<string, Json>();
  for (const g of [...ga, ...gb]) seen.set(gvkKey(g), g);
  const all = [...seen.values()].sort((x, y) => (gvkKey(x) < gvkKey(y) ? -1 : 1));
  return { ...a, 'x-kubernetes-group-version-kind': all };
}

const sortKeys = (o: Json): Json => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));

/** The Swagger 2.0 document of these OpenAPI v3 documents (the values of /openapi/v3/<gv>). */
export function openApiV2(v3Documents: Json[], version: string): Json {
  const paths: Json = {};
  const definitions: Json = {};
  for (const doc of v3Documents) {
    for (const [path, item] of Object.entries((doc.paths ?? {}) as Json)) paths[path] = v2PathItem(item as Json);
    for (const [name, schema] of Object.entries((doc.components?.schemas ?? {}) as Json)) {
      const converted = v2Schema(schema) as Json;
      definitions[name] = definitions[name] ? mergeDefinition(definitions[name], converted) : converted;
    }
  }
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version },
    paths: sortKeys(paths),
    definitions: sortKeys(definitions),
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } },
    security: [{ BearerToken: [] }],
  };
}
