// The built-in images: what each well-known image runs on this machine. Entry point of src/images.

export { resolveImage, combineArgv, execArgv } from './resolve.js';
export { parseImageReference, InvalidImageNameError, type ImageReference } from './reference.js';
export { installBusyboxApplets as prepareImageTools, busyboxDir } from './busybox.js';
export { IMAGES, HOST_PATH, type ImageDef } from './catalog.js';
export { nodeProgram, builtinProgram } from './scripts.js';
export type { ImageContext, ImageNote, GeneratedFile, ResolvedImage } from './types.js';
