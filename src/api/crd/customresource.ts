// The ResourceDef of one served version of a CRD, made at run time: upstream's custom resource
// strategy (status split, generation, pruning and defaulting, OpenAPI schema validation,
// list-type uniqueness, x-kubernetes-validations, scale replicas checks) on top of the generic
// registry.

import { errors, type FieldError, invalid } from '../../kube/errors.js';
import type { KubeObject } from '../../kube/types.js';
import { goSprintV } from '../decode/gofmt.js';
import { splitStatus } from '../resources/common.js';
import type { ResourceDef, ScalePaths, Subresource } from '../resource.js';
import { validateFinalizerName } from '../validation/meta.js';
import { evaluateRules } from './cel/evaluate.js';
import { compileRuleTree } from './cel/rules.js';
import { customResourceCodec } from './codec.js';
import { applyDefaults, hasDefaults } from './schema/defaults.js';
import { validateListTypes } from './schema/listtypes.js';
import { pruneNulls, pruneObject } from './schema/prune.js';
import { validateSchema } from './schema/validate.js';
import { schemaNameOf } from './structs.js';
import { customResourceTable } from './table.js';
import type { CRDNames, CRDVersion, CustomResourceDefinition, JSONSchemaProps } from './types.js';
import { compareKubeAwareVersions, sortByPriority } from './versions.js';

const BLOCKING = new Set(['FieldValueNotSupported', 'FieldValueRequired', 'FieldValueTooLong', 'FieldValueTooMany', 'FieldValueTypeInvalid']);
const NOT_CHECKED = 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';
const STANDARD_FINALIZERS = new Set(['orphan', 'foregroundDeletion', 'kubernetes']);

/** upstream's defaultDeprecationWarning: "<group>/<v> <Kind> is deprecated; use <group>/<newer> <Kind>". */
export function deprecationWarning(crd: CustomResourceDefinition, v: CRDVersion): string {
  if (v.deprecationWarning !== undefined) return v.deprecationWarning;
  const { group, names } = crd.spec;
  let msg = `${group}/${v.name} ${names.kind} is deprecated`;
  const newer = sortByPriority(crd.spec.versions.filter((o) => o.served && !o.deprecated && compareKubeAwareVersions(v.name, o.name) < 0).map((o) => o.name));
  if (newer.length) msg += `; use ${group}/${newer[0]} ${names.kind}`;
  return msg;
}

/** The integer at a simple JSON path, as unstructured.NestedInt64 reads it. */
function nestedInt(obj: KubeObject, path: string): { value: number; error?: string } {
  const parts = path.replace(/^\./, '').split('.');
  let cur: unknown = obj;
  for (let i = 0; i < parts.length; i++) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return { value: 0 };
    cur = (cur as Record<string, unknown>)[parts[i]];
    if (cur === undefined) return { value: 0 };
  }
  if (typeof cur !== 'number' || !Number.isInteger(cur)) {
    const type = cur === null ? '<nil>' : typeof cur === 'number' ? 'float64' : typeof cur === 'string' ? 'string' : typeof cur === 'boolean' ? 'bool' : Array.isArray(cur) ? '[]interface {}' : 'map[string]interface {}';
    return { value: 0, error: `${path} accessor error: ${goSprintV(cur)} is of the type ${type}, expected int64` };
  }
  return { value: cur };
}

function replicasErrors(obj: KubeObject, path: string): FieldError[] {
  const r = nestedInt(obj, path);
  if (r.error) return [invalid(path, r.value, r.error)];
  if (r.value < 0) return [invalid(path, r.value, 'should be a non-negative integer')];
  if (r.value > 2 ** 31 - 1) return [invalid(path, r.value, `should be less than or equal to ${2 ** 31 - 1}`)];
  return [];
}

/** upstream's WarningsOnCreate/Update: finalizer names that should be domain-qualified. */
function finalizerWarnings(obj: KubeObject): string[] {
  const out: string[] = [];
  for (const f of obj.metadata?.finalizers ?? []) {
    for (const e of validateFinalizerName(f, 'metadata.finalizers')) out.push(`metadata.finalizers: ${JSON.stringify(f)}: ${e.detail ?? ''}`);
    if (!f.includes('/') && !STANDARD_FINALIZERS.has(f)) {
      out.push(`metadata.finalizers: ${JSON.stringify(f)}: prefer a domain-qualified finalizer name ${f.includes('.') ? 'including a path (/) ' : ''}to avoid accidental conflicts with other finalizer writers`);
    }
  }
  return out;
}

export interface CustomResourceOptions {
  /** True while the CRD is being deleted: creates are refused. */
  terminating(): boolean;
}

/** The ResourceDef serving version `v` of `crd` under its accepted names. */
export function customResourceDef(crd: CustomResourceDefinition, v: CRDVersion, names: Required<Pick<CRDNames, 'plural' | 'singular' | 'kind' | 'listKind'>> & CRDNames, opts: CustomResourceOptions): ResourceDef {
  const group = crd.spec.group;
  const schema: JSONSchemaProps | undefined = v.schema?.openAPIV3Schema;
  const statusSub = v.subresources?.status !== undefined;
  const scaleSub = v.subresources?.scale;
  const scale: ScalePaths | undefined = scaleSub?.specReplicasPath && scaleSub.statusReplicasPath
    ? { specReplicasPath: scaleSub.specReplicasPath, statusReplicasPath: scaleSub.statusReplicasPath, labelSelectorPath: scaleSub.labelSelectorPath }
    : undefined;
  const storageVersion = crd.spec.versions.find((x) => x.storage)?.name;
  const rules = compileRuleTree(schema);
  const statusSchema = schema?.properties?.status;

  const prune = (obj: KubeObject) => {
    pruneObject(obj as Record<string, unknown>, schema);
    pruneNulls(obj, schema);
  };

  const validateObject = (obj: KubeObject, old?: KubeObject, sub?: Subresource): FieldError[] => {
    const errs: FieldError[] = [];
    if (sub === 'status') {
      if (statusSchema && obj.status !== undefined) errs.push(...validateSchema(obj.status, statusSchema, 'status'));
    } else if (schema) {
      errs.push(...validateSchema(obj, schema));
    }
    if (scale) {
      if (sub !== 'status') errs.push(...replicasErrors(obj, scale.specReplicasPath));
      errs.push(...replicasErrors(obj, scale.statusReplicasPath));
    }
    if (!old || validateListTypes(old as Record<string, unknown>, schema).length === 0) errs.push(...validateListTypes(obj as Record<string, unknown>, schema));
    if (rules) {
      if (errs.some((e) => BLOCKING.has(e.type))) errs.push(invalid('<nil>', null, NOT_CHECKED));
      else errs.push(...evaluateRules(rules, obj as Record<string, unknown>, old as Record<string, unknown> | undefined).errors);
    }
    return errs;
  };

  const subresources: Subresource[] = [];
  if (statusSub) subresources.push('status');
  if (scale) subresources.push('scale');

  const def: ResourceDef = {
    group,
    version: v.name,
    kind: names.kind,
    listKind: names.listKind,
    plural: names.plural,
    singular: names.singular,
    shortNames: names.shortNames?.length ? names.shortNames : undefined,
    categories: names.categories?.length ? names.categories : undefined,
    namespaced: crd.spec.scope === 'Namespaced',
    genericMetadata: true,
    subresources,
    hasStatus: statusSub,
    hasGeneration: true,
    generationCountsStatus: !statusSub,
    storageVersion: storageVersion !== v.name ? storageVersion : undefined,
    schemaName: schemaNameOf(group, v.name, names.kind),
    defaults(obj) {
      prune(obj);
      applyDefaults(obj, schema);
    },
    prepareForCreate(obj) {
      if (statusSub) delete obj.status;
    },
    prepareForUpdate(obj, old, sub) {
      if (statusSub) splitStatus(obj, old, sub);
    },
    validate: (obj) => validateObject(obj),
    validateUpdate: (obj, old, sub) => validateObject(obj, old, sub),
    warnings: finalizerWarnings,
    async admitCreate() {
      if (opts.terminating()) {
        const err = errors.methodNotSupported({ group, resource: names.plural }, 'create');
        err.status.message = 'create not allowed while custom resource definition is terminating';
        throw err;
      }
      return undefined;
    },
    table: customResourceTable(v.additionalPrinterColumns),
    scale,
    unstructured: customResourceCodec({ group, version: v.name, kind: names.kind, schema, hasStatus: statusSub }),
  };
  if (v.deprecated) def.requestWarnings = [deprecationWarning(crd, v)];
  // Objects written before a default was added get it when read, as upstream defaults on read.
  if (hasDefaults(schema)) def.fromStorage = (obj) => applyDefaults(obj, schema);
  return def;
}
