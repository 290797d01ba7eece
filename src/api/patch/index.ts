// The patch component: JSON patch, JSON merge patch, strategic merge patch, server-side apply and
// the managedFields bookkeeping every write does.

export { applyPatch, type PatchOptions } from './patch.js';
export { serverSideApply, type ApplyOptions, type ApplyResult } from './apply.js';
export { updateManagedFields, type FieldManagerOptions } from './managedfields.js';
export { applyJsonPatch, JsonPatchError } from './jsonpatch.js';
export { applyMergePatch, createMergePatch } from './mergepatch.js';
export { strategicMergePatch, StrategicPatchError } from './strategic.js';
export { FieldSet } from './fieldset.js';
