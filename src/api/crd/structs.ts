// A custom resource version's schema in the compact form the rest of the API server reads
// (../openapi/schema.ts): server-side apply, managedFields and the OpenAPI operations find the
// kind there once its structs are registered. Named as upstream names CRD schemas:
// "com.example.stable.v1.CronTab" for stable.example.com/v1 CronTab; nested objects get the
// path below it ("com.example.stable.v1.CronTab.spec").

import type { FieldDef, StructDef, TypeRef } from '../openapi/schema.js';
import { additionalPropertiesOf, itemsOf } from './structural.js';
import type { JSONSchemaProps } from './types.js';

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const LIST_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';

/** upstream's ToRESTFriendlyName of group/version/kind: the group reversed, then version and kind. */
export function schemaNameOf(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

class Builder {
  readonly structs: StructDef[] = [];

  typeOf(s: JSONSchemaProps | undefined, name: string): TypeRef {
    if (!s) return { kind: 'scalar', scalar: 'object' };
    if (s['x-kubernetes-int-or-string']) return { kind: 'scalar', scalar: 'int-or-string' };
    switch (s.type) {
      case 'integer': return { kind: 'scalar', scalar: 'int64' };
      case 'number': return { kind: 'scalar', scalar: 'double' };
      case 'boolean': return { kind: 'scalar', scalar: 'boolean' };
      case 'string': return { kind: 'scalar', scalar: 'string' };
      case 'array': return { kind: 'list', items: this.typeOf(itemsOf(s), `${name}.items`) };
      case 'object': case undefined: {
        const additional = additionalPropertiesOf(s);
        if (s['x-kubernetes-embedded-resource']) return this.struct(s, name, true);
        if (s.properties && Object.keys(s.properties).length) return this.struct(s, name, false);
        if (additional) return { kind: 'map', values: this.typeOf(additional, `${name}.additionalProperties`) };
        return { kind: 'scalar', scalar: 'object' };
      }
      default: return { kind: 'scalar', scalar: 'object' };
    }
  }

  private field(name: string, s: JSONSchemaProps | undefined, structName: string): FieldDef {
    const f: FieldDef = { name, type: this.typeOf(s, `${structName}.${name}`) };
    const listType = s?.['x-kubernetes-list-type'];
    if (listType === 'atomic' || listType === 'set' || listType === 'map') f.listType = listType;
    if (s?.['x-kubernetes-list-map-keys']?.length) f.listMapKeys = s['x-kubernetes-list-map-keys'];
    const mapType = s?.['x-kubernetes-map-type'];
    if (mapType === 'atomic' || mapType === 'granular') f.mapType = mapType;
    if (s && (typeof s.default === 'string' || typeof s.default === 'number')) f.default = String(s.default);
    return f;
  }

  /** A struct for an object schema; `resource` adds apiVersion, kind and metadata (a resource root). */
  struct(s: JSONSchemaProps, name: string, resource: boolean, gvk?: { group: string; version: string; kind: string }): TypeRef {
    const fields = new Map<string, FieldDef>();
    if (resource) {
      fields.set('apiVersion', { name: 'apiVersion', type: { kind: 'scalar', scalar: 'string' } });
      fields.set('kind', { name: 'kind', type: { kind: 'scalar', scalar: 'string' } });
      fields.set('metadata', { name: 'metadata', type: { kind: 'struct', name: OBJECT_META } });
    }
    for (const [k, v] of Object.entries(s.properties ?? {})) {
      if (resource && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
      fields.set(k, this.field(k, v, name));
    }
    this.structs.push({
      name, gvk: gvk ? [gvk] : undefined, required: s.required ?? [], atomic: s['x-kubernetes-map-type'] === 'atomic',
      open: s['x-kubernetes-preserve-unknown-fields'] === true, fields,
    });
    return { kind: 'struct', name };
  }
}

/** The structs of one served version: the kind, its list, and every nested object. */
export function structsFor(group: string, version: string, kind: string, listKind: string, schema: JSONSchemaProps | undefined): StructDef[] {
  const b = new Builder();
  const name = schemaNameOf(group, version, kind);
  b.struct(schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, name, true, { group, version, kind });
  b.structs.push({
    name: `${name}List`, gvk: [{ group, version, kind: listKind }], required: ['items'], atomic: false,
    fields: new Map<string, FieldDef>([
      ['apiVersion', { name: 'apiVersion', type: { kind: 'scalar', scalar: 'string' } }],
      ['items', { name: 'items', type: { kind: 'list', items: { kind: 'struct', name } } }],
      ['kind', { name: 'kind', type: { kind: 'scalar', scalar: 'string' } }],
      ['metadata', { name: 'metadata', type: { kind: 'struct', name: LIST_META } }],
    ]),
  });
  return b.structs;
}
