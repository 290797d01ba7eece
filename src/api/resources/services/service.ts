// The core/v1 Service kind: defaults, validation, the write-time field juggling and the ClusterIP
// and node port allocations of one API server.

import type { ResourceDef } from '../../resource.js';
import type { KubeObject, Service } from '../../../kube/types.js';
import { record } from '../../validation/values.js';
import { splitStatus } from '../common.js';
import type { ServiceAllocations } from './allocations.js';
import {
  defaultIPFamilyFields, dropExternalNameTrafficPolicy, dropTypeDependentFields, normalizeClusterIPs, patchAllocatedValues,
  setServiceDefaults,
} from './strategy.js';
import { validateIPFamilyFields, validateService, validateServiceStatusUpdate, validateServiceUpdate } from './validation.js';

export function serviceResource(alloc: ServiceAllocations): ResourceDef {
  const family = alloc.ips.family;
  const svc = (o: KubeObject) => o as Service;
  return {
    group: '',
    version: 'v1',
    kind: 'Service',
    plural: 'services',
    singular: 'service',
    shortNames: ['svc'],
    categories: ['all'],
    namespaced: true,
    subresources: ['status'],
    hasStatus: true,
    schemaName: 'io.k8s.api.core.v1.Service',
    nameValidation: 'dns1035Label',

    defaults: (o) => setServiceDefaults(svc(o)),
    prepareForCreate(o) {
      o.status = { loadBalancer: {} };
      normalizeClusterIPs(svc(o));
      defaultIPFamilyFields(svc(o), undefined, family);
      dropExternalNameTrafficPolicy(svc(o));
    },
    prepareForUpdate(o, old, subresource) {
      splitStatus(o, old, subresource);
      if (subresource === 'status') return;
      patchAllocatedValues(svc(o), svc(old));
      normalizeClusterIPs(svc(o), svc(old));
      defaultIPFamilyFields(svc(o), svc(old), family);
      dropTypeDependentFields(svc(o), svc(old));
      dropExternalNameTrafficPolicy(svc(o));
    },
    validate: (o) => [...validateService(svc(o)), ...validateIPFamilyFields(svc(o), undefined, family)],
    validateUpdate(o, old, subresource) {
      if (subresource === 'status') return validateServiceStatusUpdate(svc(o));
      return [...validateServiceUpdate(svc(o), svc(old)), ...validateIPFamilyFields(svc(o), svc(old), family)];
    },
    admitCreate: async (o) => alloc.allocateCreate(svc(o)),
    admitUpdate: async (o, old) => alloc.allocateUpdate(svc(o), svc(old)),
    afterDelete: (o) => alloc.release(svc(o)),
    restore: (objects) => alloc.restore(objects as Service[]),

    fieldSelectors: {
      'spec.clusterIP': (o) => String(record(o.spec).clusterIP ?? ''),
      'spec.type': (o) => String(record(o.spec).type ?? ''),
    },
  };
}
