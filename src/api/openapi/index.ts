// The openapi component: the compact schema of the served kinds and the OpenAPI v3 documents.

export { buildOpenApi, withDocuments, serverRelativeURL, type OpenApiBody, type OpenApiOptions, type OpenApiSet } from './document.js';
export { serveOpenApi, type OpenApiResponse } from './serve.js';
export type { ServedResource } from './paths.js';
export {
  structDef, structForKind, structNames, parseTypeRef, goTypeName, type FieldDef, type GroupVersionKind, type Scalar, type StructDef, type TypeRef,
} from './schema.js';
export { OPENAPI_V2_PROTOBUF, serveOpenApiV2 } from './serve-v2.js';
