// The core/v1 Pod kind (pkg/registry/core/pod/strategy.go): defaults and admission defaults,
// validation, the update and status rules, field selectors and the default grace period.

import { forbidden, invalid, type FieldError } from '../../../kube/errors.js';
import type { ResourceDef } from '../../resource.js';
import type { KubeObject } from '../../../kube/types.js';
import { child, index } from '../../validation/fieldpath.js';
import { list, num, record, str } from '../../validation/values.js';
import { splitStatus } from '../common.js';
import { admitNewPod, podQOSClass, setPodDefaults } from './defaults.js';
import { validatePodSpec } from './podspec.js';
import { validatePodSpecUpdate, validatePodStatusUpdate } from './updates.js';

function validatePod(pod: KubeObject): FieldError[] {
  const errs = validatePodSpec(pod.spec, 'spec', { isPod: true });
  const spec = record(pod.spec);
  for (const f of ['containers', 'initContainers']) {
    list(spec[f]).forEach((c, i) => {
      const image = str(record(c).image);
      if (image.trim().length !== image.length) errs.push(invalid(child(index(`spec.${f}`, i), 'image'), image, 'must not have leading or trailing whitespace'));
    });
  }
  return errs;
}

const firstPodIP = (o: KubeObject): string => {
  const status = record(o.status);
  return str(record(list(status.podIPs)[0]).ip) || str(status.podIP);
};

export function podResource(): ResourceDef {
  return {
    group: '',
    version: 'v1',
    kind: 'Pod',
    plural: 'pods',
    singular: 'pod',
    shortNames: ['po'],
    categories: ['all'],
    namespaced: true,
    subresources: ['status', 'log', 'exec', 'attach', 'portforward', 'binding', 'eviction'],
    hasStatus: true,
    schemaName: 'io.k8s.api.core.v1.Pod',

    defaults: (o) => setPodDefaults(o),
    prepareForCreate(o) {
      admitNewPod(o);
      o.status = { phase: 'Pending', qosClass: podQOSClass(o.spec) };
    },
    // A binding writes spec.nodeName and the PodScheduled condition together.
    prepareForUpdate: (o, old, subresource) => { if (subresource !== 'binding') splitStatus(o, old, subresource); },
    validate(o) {
      const errs = validatePod(o);
      if (list(record(o.spec).ephemeralContainers).length > 0) errs.push(forbidden('spec.ephemeralContainers', 'cannot be set on create'));
      return errs;
    },
    validateUpdate(o, old, subresource) {
      if (subresource === 'status') return validatePodStatusUpdate(o, old);
      // The registry's binding and eviction paths set what they own themselves.
      if (subresource === 'binding' || subresource === 'eviction') return [];
      return [...validatePod(o), ...validatePodSpecUpdate(o, old)];
    },

    fieldSelectors: {
      'spec.nodeName': (o) => str(record(o.spec).nodeName),
      'spec.restartPolicy': (o) => str(record(o.spec).restartPolicy),
      'spec.schedulerName': (o) => str(record(o.spec).schedulerName),
      'spec.serviceAccountName': (o) => str(record(o.spec).serviceAccountName),
      'spec.hostNetwork': (o) => String(record(o.spec).hostNetwork === true),
      'status.phase': (o) => str(record(o.status).phase),
      'status.podIP': firstPodIP,
      'status.nominatedNodeName': (o) => str(record(o.status).nominatedNodeName),
    },
    /** terminationGracePeriodSeconds, but 0 for Pods never scheduled or already finished. */
    defaultGracePeriod(o) {
      const spec = record(o.spec);
      const phase = record(o.status).phase;
      if (!str(spec.nodeName) || phase === 'Succeeded' || phase === 'Failed') return 0;
      return num(spec.terminationGracePeriodSeconds) ?? 0;
    },
  };
}
