// The decode component: request bodies into objects, as upstream's API server decodes them.

export { decodeBody, type DecodeOptions, type Decoded } from './decode.js';
export { parsePatchBody, unsupportedPatchType, type ParsedPatch } from './patchbody.js';
export { decodeTyped, pruneUnknownFields, type TypedResult, type TypedStyle } from './typed.js';
export { directiveOf, mediaTypeOf, patchTypeOf, PATCH_MEDIA_TYPES, strictWarnings, type FieldValidation, type PatchType } from './media.js';
export { parseGoJson, JsonSyntaxError } from './json.js';
export { parseYaml, YamlError } from './yaml.js';
export { decodeDeleteOptions, type DeleteOptionsBody } from './deleteoptions.js';
