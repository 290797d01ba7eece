// applyPatch: a JSON patch, JSON merge patch or strategic merge patch applied to the live object,
// then decoded into the kind's schema, with upstream's answers for each way it can fail.

import { ApiError, errors, goQuote, invalid, statusFailure } from '../../kube/errors.js';
import { interpret, splitApiVersion, targetStruct } from '../decode/decode.js';
import { goSprintV } from '../decode/gofmt.js';
import { directiveOf, type FieldValidation, mediaTypeOf, patchTypeOf, strictWarnings } from '../decode/media.js';
import { parsePatchBody, unsupportedPatchType } from '../decode/patchbody.js';
import { decodeTyped, type TypedStyle } from '../decode/typed.js';
import { structDef } from '../openapi/schema.js';
import type { KubeObject } from '../../kube/types.js';
import { applyJsonPatch, JsonPatchError } from './jsonpatch.js';
import { applyMergePatch } from './mergepatch.js';
import { StrategicPatchError, strategicMergePatch } from './strategic.js';
import { isObject, type JsonObject } from './values.js';

export interface PatchOptions {
  /** ?fieldValidation=; absent means Warn, as upstream. */
  fieldValidation?: FieldValidation | '';
  /** Receives the warnings fieldValidation=Warn produces (for `Warning: 299 - "..."` headers). */
  warnings?: string[];
}

/** upstream's 422 for a patch that cannot be applied: it keeps no detail. */
const rejected = () => new ApiError(statusFailure(422, 'Invalid', 'the server rejected our request due to an error in our request'));

/** upstream's 422 naming the patch: ` "" is invalid: patch: Invalid value: "...": <why>`. */
const invalidPatch = (shown: string, why: string) => errors.invalid('', '', '', [invalid('patch', shown, why)]);

/**
 * Applies a PATCH body of `contentType` (json-patch, merge-patch or strategic-merge-patch; a
 * server-side apply goes through serverSideApply) to `live`, whose schema type is `schemaName`
 * ("io.k8s.api.apps.v1.Deployment"; when empty, the type serving live's apiVersion and kind).
 * Returns the patched object (live is not changed); throws ApiError as upstream answers.
 * managedFields are not touched here: see updateManagedFields.
 */
export function applyPatch(live: KubeObject, patch: Buffer, contentType: string, schemaName: string, options: PatchOptions = {}): KubeObject {
  if (!structDef(schemaName)) {
    schemaName = targetStruct({ ...splitApiVersion(live.apiVersion), kind: live.kind ?? '' }).name;
  }
  const media = mediaTypeOf(contentType);
  const type = patchTypeOf(media);
  if (!type) throw unsupportedPatchType();
  if (type === 'apply') throw errors.internal(new Error('application/apply-patch+yaml is applied by serverSideApply'));
  const directive = directiveOf(options.fieldValidation);
  const parsed = parsePatchBody(patch, media, directive);

  let patched: unknown;
  let shown: () => string;
  let style: TypedStyle = 'json';
  if (type === 'strategic') {
    // The patch is consumed as it is applied; upstream's messages show what is left of it.
    const patchMap = structuredClone(parsed.patch) as JsonObject | null;
    try {
      patched = strategicMergePatch(structuredClone(live) as JsonObject, patchMap, schemaName);
    } catch (e) {
      if (!(e instanceof StrategicPatchError)) throw e;
      if (e.code === 400) throw errors.badRequest(e.message);
      if (e.code === 422) throw rejected();
      throw new ApiError(statusFailure(500, '', e.message));
    }
    shown = () => goSprintV(patchMap ?? {});
    style = 'unstructured';
  } else {
    try {
      patched = type === 'json' ? applyJsonPatch(live, parsed.patch as unknown[]) : applyMergePatch(live, parsed.patch);
    } catch (e) {
      if (e instanceof JsonPatchError) throw rejected();
      throw e;
    }
    shown = () => JSON.stringify(patched);
  }

  if (!isObject(patched)) throw invalidPatch(shown(), String(interpret(patched)));
  const typed = decodeTyped(patched, schemaName, style);
  if (typed.error) throw invalidPatch(shown(), typed.error);
  const strictErrors = [...parsed.strictErrors, ...typed.unknownFields.map((p) => `unknown field ${goQuote(p)}`)];
  if (strictErrors.length && directive === 'Strict') throw invalidPatch(shown(), `strict decoding error: ${strictErrors.join(', ')}`);
  if (directive === 'Warn') options.warnings?.push(...strictWarnings(strictErrors));
  // The object keeps its kind: the codec writes apiVersion and kind, whatever the patch did to them.
  const { apiVersion: _a, kind: _k, metadata, ...rest } = typed.value;
  return { apiVersion: live.apiVersion, kind: live.kind, metadata: (metadata ?? {}) as KubeObject['metadata'], ...rest };
}
