// Request bodies of custom resources, as upstream's CRD handler decodes them: JSON or YAML only
// (no protobuf, no strategic merge patch), unstructured, then pruned against the version's
// schema; what pruning drops is what fieldValidation=Strict refuses
// (`CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: unknown field "spec.foo"`)
// and Warn reports.

import { ApiError, errors, goQuote, invalid, statusFailure } from '../../kube/errors.js';
import type { KubeObject } from '../../kube/types.js';
import { groupVersionString, interpret, parseJsonOrYaml } from '../decode/decode.js';
import { cannotHandle, directiveOf, mediaTypeOf, strictWarnings, unrecognizedBody } from '../decode/media.js';
import { parsePatchBody } from '../decode/patchbody.js';
import { applyJsonPatch, applyMergePatch, JsonPatchError, serverSideApply } from '../patch/index.js';
import type { UnstructuredCodec } from '../resource.js';
import { metaTime } from '../../common/time.js';
import { pruneObject } from './schema/prune.js';
import type { JSONSchemaProps } from './types.js';

export interface CustomKind {
  group: string;
  version: string;
  kind: string;
  schema: JSONSchemaProps | undefined;
  /** Status is written through /status only (the main resource's apply leaves it alone). */
  hasStatus: boolean;
}

const BODY_TYPES = ['application/json', 'application/yaml'];
const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];

const unsupported = (types: string[]) => new ApiError(statusFailure(415, 'UnsupportedMediaType',
  `the body of the request was in an unknown format - accepted media types include: ${types.join(', ')}`));

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Prunes obj (in place) and returns the strict complaints about what was dropped. */
function pruned(k: CustomKind, obj: Record<string, unknown>): string[] {
  return pruneObject(obj, k.schema).sort().map((p) => `unknown field ${goQuote(p)}`);
}

export function customResourceCodec(k: CustomKind): UnstructuredCodec {
  const gvk = { group: k.group, version: k.version, kind: k.kind };
  return {
    decode(raw, contentType, fieldValidation) {
      const media = mediaTypeOf(contentType);
      if (!BODY_TYPES.includes(media)) throw unsupported(BODY_TYPES);
      const directive = directiveOf(fieldValidation);
      const { value, strictErrors } = parseJsonOrYaml(raw, media, k.kind);
      const probed = interpret(value);
      if (typeof probed === 'string') throw unrecognizedBody(k.kind, probed, raw);
      const obj = (isObj(value) ? value : {}) as KubeObject;
      obj.apiVersion ??= groupVersionString(gvk);
      obj.kind ??= k.kind;
      if (obj.metadata === null || obj.metadata === undefined) obj.metadata = {};
      strictErrors.push(...pruned(k, obj));
      if (directive === 'Strict' && strictErrors.length) {
        throw cannotHandle({ version: probed.version || k.version, kind: probed.kind || k.kind }, k.kind, `strict decoding error: ${strictErrors.join(', ')}`);
      }
      return { object: obj, warnings: directive === 'Warn' ? strictWarnings(strictErrors) : [] };
    },

    patch(live, raw, contentType, fieldValidation) {
      const media = mediaTypeOf(contentType);
      if (media !== PATCH_TYPES[0] && media !== PATCH_TYPES[1]) throw unsupported(PATCH_TYPES);
      const directive = directiveOf(fieldValidation);
      const parsed = parsePatchBody(raw, media, directive);
      let patched: unknown;
      try {
        patched = parsed.type === 'json' ? applyJsonPatch(live, parsed.patch as unknown[]) : applyMergePatch(live, parsed.patch);
      } catch (e) {
        if (e instanceof JsonPatchError) throw new ApiError(statusFailure(422, 'Invalid', 'the server rejected our request due to an error in our request'));
        throw e;
      }
      if (!isObj(patched)) throw errors.invalid('', '', '', [invalid('patch', JSON.stringify(patched), String(interpret(patched)))]);
      const shown = JSON.stringify(patched);
      const obj = patched as KubeObject;
      obj.metadata ??= {};
      const strictErrors = [...parsed.strictErrors, ...pruned(k, obj)];
      if (directive === 'Strict' && strictErrors.length) {
        throw errors.invalid('', '', '', [invalid('patch', shown, `strict decoding error: ${strictErrors.join(', ')}`)]);
      }
      // The object keeps its kind: the registry writes apiVersion and kind.
      return { object: { ...obj, apiVersion: live.apiVersion, kind: live.kind }, warnings: directive === 'Warn' ? strictWarnings(strictErrors) : [] };
    },

    apply(live, raw, opts) {
      const r = serverSideApply(live, raw, {
        gvk, manager: opts.fieldManager, force: opts.force, fieldValidation: opts.fieldValidation, time: metaTime(),
        ignoredFields: k.hasStatus ? ['status'] : undefined,
      });
      pruneObject(r.object as Record<string, unknown>, k.schema);
      return { object: r.object, warnings: r.warnings };
    },
  };
}

