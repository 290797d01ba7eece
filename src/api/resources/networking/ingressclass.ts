// networking.k8s.io/v1 IngressClass (cluster-scoped): which controller serves an Ingress class.

import { forbidden, invalid, notSupported, required, tooLong, type FieldError } from '../../../kube/errors.js';
import type { ResourceDef } from '../../resource.js';
import type { KubeObject } from '../../../kube/types.js';
import { validateImmutableField, nameValidators } from '../../validation/meta.js';
import { isDNS1123Subdomain, isDomainPrefixedPath, isValidPathSegmentName } from '../../validation/strings.js';
import { isRecord, record, str } from '../../validation/values.js';

const MAX_CONTROLLER_LENGTH = 250;

function validateIngressClass(o: KubeObject): FieldError[] {
  const spec = record(o.spec);
  const errs: FieldError[] = [];
  const controller = str(spec.controller);
  if (!controller) errs.push(required('spec.controller'));
  else {
    if (Buffer.byteLength(controller) > MAX_CONTROLLER_LENGTH) errs.push(tooLong('spec.controller', '', MAX_CONTROLLER_LENGTH));
    errs.push(...isDomainPrefixedPath(controller).map(([v, m]) => invalid('spec.controller', v, m)));
  }
  if (isRecord(spec.parameters)) {
    const p = spec.parameters;
    const path = 'spec.parameters';
    if (p.apiGroup != null) errs.push(...isDNS1123Subdomain(str(p.apiGroup)).map((m) => invalid(`${path}.apiGroup`, str(p.apiGroup), m)));
    for (const f of ['kind', 'name']) {
      if (!str(p[f])) errs.push(required(`${path}.${f}`));
      else errs.push(...isValidPathSegmentName(str(p[f])).map((m) => invalid(`${path}.${f}`, str(p[f]), m)));
    }
    if (p.scope == null) {
      errs.push(required(`${path}.scope`));
    } else if (p.scope !== 'Cluster' && p.scope !== 'Namespace') {
      errs.push(notSupported(`${path}.scope`, p.scope, ['Cluster', 'Namespace']));
    } else if (p.scope === 'Namespace') {
      if (p.namespace == null) errs.push(required(`${path}.namespace`, "`parameters.scope` is set to 'Namespace'"));
      else errs.push(...nameValidators.dns1123Label(str(p.namespace), false).map((m) => invalid(`${path}.namespace`, str(p.namespace), m)));
    } else if (p.namespace != null) {
      errs.push(forbidden(`${path}.namespace`, "`parameters.scope` is set to 'Cluster'"));
    }
  }
  return errs;
}

export function ingressClassResource(): ResourceDef {
  return {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'IngressClass',
    plural: 'ingressclasses',
    singular: 'ingressclass',
    namespaced: false,
    hasGeneration: true,
    schemaName: 'io.k8s.api.networking.v1.IngressClass',
    defaults(o) {
      const p = record(o.spec).parameters;
      if (isRecord(p) && (p.scope == null)) p.scope = 'Cluster';
    },
    validate: validateIngressClass,
    validateUpdate: (o, old) => [...validateImmutableField(record(o.spec).controller, record(old.spec).controller, 'spec.controller'), ...validateIngressClass(o)],
  };
}
