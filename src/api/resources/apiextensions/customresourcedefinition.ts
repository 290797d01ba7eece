// apiextensions.k8s.io/v1 CustomResourceDefinition (cluster-scoped): its defaults, validation and
// strategy. What a CRD makes the API server serve is src/api/crd's work; this is the kind itself.

import { metaTime } from '../../../common/time.js';
import {
  CLEANUP_FINALIZER, defaultCRD, prepareCRDForCreate, prepareCRDForUpdate, validateCRD, validateCRDStatus, validateCRDUpdate,
} from '../../crd/crd-validation.js';
import { setCondition } from '../../crd/names.js';
import type { CRDCondition } from '../../crd/types.js';
import type { ResourceDef } from '../../resource.js';
import { splitStatus } from '../common.js';

export function customResourceDefinitionResource(): ResourceDef {
  return {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    kind: 'CustomResourceDefinition',
    plural: 'customresourcedefinitions',
    singular: 'customresourcedefinition',
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    namespaced: false,
    genericMetadata: true,
    subresources: ['status'],
    hasStatus: true,
    hasGeneration: true,
    schemaName: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
    defaults: defaultCRD,
    prepareForCreate: prepareCRDForCreate,
    prepareForUpdate(o, old, sub) {
      if (sub === 'status') splitStatus(o, old, sub);
      else prepareCRDForUpdate(o, old);
    },
    validate: validateCRD,
    validateUpdate: (o, old, sub) => (sub === 'status' ? validateCRDStatus(o) : validateCRDUpdate(o, old)),
    // The first delete marks the CRD Terminating; the custom resource cleanup removes the
    // finalizer once every custom resource is gone, and the CRD goes with it.
    prepareForDelete(o) {
      const finalizers = o.metadata.finalizers ?? [];
      if (!finalizers.includes(CLEANUP_FINALIZER)) o.metadata.finalizers = [...finalizers, CLEANUP_FINALIZER];
      const terminating: CRDCondition = {
        type: 'Terminating', status: 'True', reason: 'InstanceDeletionPending',
        message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon',
      };
      o.status = { ...(o.status ?? {}), conditions: setCondition(o.status?.conditions ?? [], terminating, metaTime()) };
    },
  };
}
