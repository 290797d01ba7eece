// OpenAPI v3 documents of the custom resources' group versions ("apis/stable.example.com/v1"),
// as upstream's CRD OpenAPI builder makes them: the operations of every served kind (the same
// builder as the built-in kinds', ../openapi/paths.ts) and components holding the CRD's own
// schema, with apiVersion, kind and an ObjectMeta metadata, and its List. kubectl explain reads
// the descriptions; kubectl's apply/create/edit find fieldValidation on the PATCH operation and
// leave unknown-field checks to the server.

import { componentSchemas, ref, type JsonSchema } from '../openapi/components.js';
import { resourcePaths } from '../openapi/paths.js';
import type { ResourceDef } from '../resource.js';
import { schemaNameOf } from './structs.js';
import type { JSONSchemaProps } from './types.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const API_VERSION = {
  type: 'string',
  description: 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
};
const KIND = {
  type: 'string',
  description: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
};

/** A served custom resource version and the schema its CRD gives it. */
export interface CustomServed {
  def: ResourceDef;
  schema: JSONSchemaProps | undefined;
}

function kindSchema(c: CustomServed): JsonSchema {
  const s = structuredClone(c.schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }) as JsonSchema;
  const props = (s.properties ?? {}) as Record<string, JsonSchema>;
  const metaDescription = 'Standard object\'s metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';
  s.type = 'object';
  s.properties = {
    ...props,
    apiVersion: { ...API_VERSION, ...(props.apiVersion ?? {}) },
    kind: { ...KIND, ...(props.kind ?? {}) },
    metadata: { allOf: [ref(`${META}.ObjectMeta`)], description: metaDescription },
  };
  s['x-kubernetes-group-version-kind'] = [{ group: c.def.group, kind: c.def.kind, version: c.def.version }];
  return s;
}

function listSchema(c: CustomServed, name: string): JsonSchema {
  const listKind = c.def.listKind ?? `${c.def.kind}List`;
  return {
    description: `${listKind} is a list of ${c.def.kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: API_VERSION,
      items: { type: 'array', description: `List of ${c.def.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`, items: ref(name) },
      kind: KIND,
      metadata: { allOf: [ref(`${META}.ListMeta`)], description: 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds' },
    },
    'x-kubernetes-group-version-kind': [{ group: c.def.group, kind: listKind, version: c.def.version }],
  };
}

/** The documents of the served custom resources, keyed "apis/<group>/<version>". */
export function customResourceDocuments(served: CustomServed[], version: string): Map<string, unknown> {
  const byGV = new Map<string, CustomServed[]>();
  for (const c of served) {
    const k = `apis/${c.def.group}/${c.def.version}`;
    byGV.set(k, [...(byGV.get(k) ?? []), c]);
  }
  const out = new Map<string, unknown>();
  for (const [path, cs] of byGV) {
    const uses = new Set<string>();
    const paths: Record<string, unknown> = {};
    for (const c of cs) Object.assign(paths, resourcePaths(c.def, uses));
    // Custom resources take no strategic merge patch: kubectl reads the PATCH operations' media
    // types to choose, and sends a JSON merge patch (client-side apply, edit) when it is missing.
    for (const item of Object.values(paths) as Record<string, { requestBody?: { content?: Record<string, unknown> } }>[]) {
      delete item.patch?.requestBody?.content?.['application/strategic-merge-patch+json'];
    }
    const own = new Map<string, JsonSchema>();
    for (const c of cs) {
      const name = schemaNameOf(c.def.group, c.def.version, c.def.kind);
      own.set(name, kindSchema(c));
      own.set(`${name}List`, listSchema(c, name));
    }
    const { group, version: v } = cs[0].def;
    const gvk = (kind: string) => [{ group, version: v, kind }];
    const builtins = componentSchemas([...uses].filter((u) => !own.has(u)).concat(`${META}.ObjectMeta`, `${META}.ListMeta`), {
      [`${META}.DeleteOptions`]: gvk('DeleteOptions'),
      [`${META}.WatchEvent`]: gvk('WatchEvent'),
    });
    const schemas = Object.fromEntries([...Object.entries(builtins), ...own].sort(([a], [b]) => (a < b ? -1 : 1)));
    out.set(path, {
      openapi: '3.0.0',
      info: { title: 'Kubernetes CRD Swagger', version },
      paths: Object.fromEntries(Object.keys(paths).sort().map((k) => [k, paths[k]])),
      components: {
        schemas,
        securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
      },
      security: [{ BearerToken: [] }],
    });
  }
  return out;
}
