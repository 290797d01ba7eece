// core/v1 Event: the legacy event rules (pkg/apis/core/validation/events.go) and upstream's
// field selectors.

import { invalid, required, type FieldError } from '../../../kube/errors.js';
import type { ResourceDef } from '../../resource.js';
import type { KubeObject } from '../../../kube/types.js';
import { isDNS1123Subdomain, isQualifiedName } from '../../validation/strings.js';
import { record, str } from '../../validation/values.js';

const LIMITS: Array<[string, number]> = [['reportingInstance', 128], ['action', 128], ['reason', 128], ['message', 1024]];

export function validateEvent(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const involved = record(o.involvedObject);
  const ns = str(o.metadata?.namespace);
  const involvedNs = str(involved.namespace);
  if (!o.eventTime) {
    // Old-style events: the namespace must be the involved object's (or default for cluster objects).
    if (!involvedNs ? ns !== '' && ns !== 'default' : ns !== involvedNs) {
      errs.push(invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    }
  } else {
    if (!involvedNs && ns !== 'default' && ns !== 'kube-system') errs.push(invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    const controller = str(o.reportingComponent);
    if (!controller) errs.push(required('reportingController'));
    errs.push(...isQualifiedName(controller).map((m) => invalid('reportingController', controller, m)));
    for (const f of ['reportingInstance', 'action', 'reason']) if (!str(o[f])) errs.push(required(f));
    for (const [f, max] of LIMITS) {
      if (Buffer.byteLength(str(o[f])) > max) errs.push(invalid(f, '', `can have at most ${max} characters`));
    }
  }
  errs.push(...isDNS1123Subdomain(ns).map((m) => invalid('namespace', ns, m)));
  return errs;
}

export function eventResource(): ResourceDef {
  return {
    group: '',
    version: 'v1',
    kind: 'Event',
    plural: 'events',
    singular: 'event',
    shortNames: ['ev'],
    namespaced: true,
    schemaName: 'io.k8s.api.core.v1.Event',
    validate: validateEvent,
    validateUpdate: (o) => validateEvent(o),
    fieldSelectors: {
      'involvedObject.kind': (o) => str(record(o.involvedObject).kind),
      'involvedObject.namespace': (o) => str(record(o.involvedObject).namespace),
      'involvedObject.name': (o) => str(record(o.involvedObject).name),
      'involvedObject.uid': (o) => str(record(o.involvedObject).uid),
      'involvedObject.apiVersion': (o) => str(record(o.involvedObject).apiVersion),
      'involvedObject.resourceVersion': (o) => str(record(o.involvedObject).resourceVersion),
      'involvedObject.fieldPath': (o) => str(record(o.involvedObject).fieldPath),
      reason: (o) => str(o.reason),
      reportingComponent: (o) => str(o.reportingComponent),
      source: (o) => str(record(o.source).component),
      type: (o) => str(o.type),
    },
  };
}
