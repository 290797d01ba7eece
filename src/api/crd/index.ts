// The crd component: CustomResourceDefinitions' validation, and the custom resources they make
// the API server serve (ResourceDefs built at run time, their schemas, CEL rules, Tables,
// OpenAPI documents).

export { CustomResourceManager, type CustomResourceHost } from './manager.js';
export { customResourceDef, deprecationWarning } from './customresource.js';
export { validateCRD, validateCRDUpdate, defaultCRD } from './crd-validation.js';
export type { CustomResourceDefinition, JSONSchemaProps, ValidationRule } from './types.js';
