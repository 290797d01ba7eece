// For tests: runs a ResourceDef's hooks in the order the registry runs them on a write
// (defaults, prepare, metadata and kind validation, admission, then commit or rollback), without a
// store. A write that fails validation throws the ApiError the API server would answer with.

import { errors } from '../../kube/errors.js';
import type { ResourceDef, Subresource, WriteContext } from '../resource.js';
import type { KubeObject } from '../../kube/types.js';
import { validateMetadata } from '../validation/meta.js';

const ctxOf = (dryRun: boolean): WriteContext => ({
  dryRun, user: 'test', fieldManager: 'test', get: async () => undefined,
});

function check(def: ResourceDef, obj: KubeObject, errs: ReturnType<typeof validateMetadata>): void {
  if (errs.length) throw errors.invalid(def.group, def.kind, obj.metadata?.name ?? '', errs);
}

/** Creates obj as the registry would; returns the object as it would be stored. storeFails: the store refuses it (AlreadyExists, say). */
export async function createObject(def: ResourceDef, input: KubeObject, opts: { dryRun?: boolean; storeFails?: boolean } = {}): Promise<KubeObject> {
  const obj = structuredClone(input);
  obj.metadata ??= {};
  obj.metadata.uid ??= 'uid-' + (obj.metadata.name ?? '');
  obj.metadata.creationTimestamp ??= '2024-01-01T00:00:00Z';
  def.defaults?.(obj);
  def.prepareForCreate?.(obj);
  check(def, obj, [...validateMetadata(obj, def), ...(def.validate?.(obj) ?? [])]);
  const reservation = await def.admitCreate?.(obj, ctxOf(!!opts.dryRun));
  if (opts.dryRun || opts.storeFails) {
    reservation?.rollback();
    if (opts.storeFails) throw new Error('store refused the write');
  } else {
    reservation?.commit();
  }
  obj.metadata.resourceVersion ??= '1';
  return obj;
}

/** Updates old to input as the registry would; storeFails simulates a write the store refuses. */
export async function updateObject(def: ResourceDef, old: KubeObject, input: KubeObject, opts: { dryRun?: boolean; subresource?: Subresource; storeFails?: boolean } = {}): Promise<KubeObject> {
  const obj = structuredClone(input);
  obj.metadata = { ...old.metadata, ...(obj.metadata ?? {}) };
  if (opts.subresource === 'status') obj.metadata = structuredClone(old.metadata);
  def.defaults?.(obj);
  def.prepareForUpdate?.(obj, old, opts.subresource);
  check(def, obj, [...validateMetadata(obj, def, old), ...(def.validateUpdate?.(obj, old, opts.subresource) ?? [])]);
  const reservation = await def.admitUpdate?.(obj, old, ctxOf(!!opts.dryRun));
  if (opts.dryRun || opts.storeFails) {
    reservation?.rollback();
    if (opts.storeFails) throw new Error('store refused the write');
  } else {
    reservation?.commit();
  }
  return obj;
}

/** The "Kind \"name\" is invalid: ..." text of a refused write, or undefined when it succeeds. */
export async function createError(def: ResourceDef, input: KubeObject): Promise<string | undefined> {
  try {
    await createObject(def, input);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export async function updateError(def: ResourceDef, old: KubeObject, input: KubeObject, subresource?: Subresource): Promise<string | undefined> {
  try {
    await updateObject(def, old, input, { subresource });
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
