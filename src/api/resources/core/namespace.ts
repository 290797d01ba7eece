// core/v1 Namespace (pkg/registry/core/namespace): status.phase Active on create, the
// `kubernetes` finalizer, and the metadata.name label every namespace carries.

import { invalid, type FieldError } from '../../../kube/errors.js';
import type { ResourceDef } from '../../resource.js';
import { validateFinalizerName } from '../../validation/meta.js';
import { list, record, str } from '../../validation/values.js';
import { ensureObject, splitStatus } from '../common.js';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export function namespaceResource(): ResourceDef {
  return {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    singular: 'namespace',
    shortNames: ['ns'],
    namespaced: false,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: ['status', 'finalize'],
    hasStatus: true,
    schemaName: 'io.k8s.api.core.v1.Namespace',
    nameValidation: 'dns1123Label',

    defaults(o) {
      if (o.metadata?.name) o.metadata.labels = { ...(o.metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: o.metadata.name };
    },
    prepareForCreate(o) {
      o.status = { phase: 'Active' };
      const spec = ensureObject(o, 'spec');
      const finalizers = list<string>(spec.finalizers);
      spec.finalizers = finalizers.includes('kubernetes') ? finalizers : [...finalizers, 'kubernetes'];
    },
    prepareForUpdate(o, old, subresource) {
      splitStatus(o, old, subresource);
      if (subresource === 'status' || subresource === 'finalize') return;
      // spec.finalizers changes only through the finalize subresource.
      const finalizers = record(old.spec).finalizers;
      o.spec = { ...record(o.spec) };
      if (finalizers === undefined) delete o.spec.finalizers;
      else o.spec.finalizers = structuredClone(finalizers);
    },
    validate: (o) => list<unknown>(record(o.spec).finalizers).flatMap((f) => validateFinalizerName(str(f), 'spec.finalizers')),
    validateUpdate(o, _old, subresource) {
      if (subresource !== 'status') return [];
      const phase = str(record(o.status).phase);
      const errs: FieldError[] = [];
      if (!o.metadata?.deletionTimestamp) {
        if (phase !== 'Active') errs.push(invalid('status.Phase', phase, "may only be 'Active' if `deletionTimestamp` is empty"));
      } else if (phase !== 'Terminating') {
        errs.push(invalid('status.Phase', phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
      }
      return errs;
    },
    fieldSelectors: {
      'status.phase': (o) => str(record(o.status).phase),
    },
  };
}
