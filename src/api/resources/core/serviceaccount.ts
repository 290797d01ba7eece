// core/v1 ServiceAccount: metadata only; tokens come from the token subresource.

import type { ResourceDef } from '../../resource.js';

export function serviceAccountResource(): ResourceDef {
  return {
    group: '',
    version: 'v1',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    singular: 'serviceaccount',
    shortNames: ['sa'],
    namespaced: true,
    subresources: ['token'],
    schemaName: 'io.k8s.api.core.v1.ServiceAccount',
  };
}
