// apps/v1 ControllerRevision: the saved templates of StatefulSets and DaemonSets.

import { required, type FieldError } from '../../../kube/errors.js';
import type { ResourceDef } from '../../resource.js';
import type { KubeObject } from '../../../kube/types.js';
import { validateImmutableField, validateNonnegativeField } from '../../validation/meta.js';
import { num } from '../../validation/values.js';

function validateRevision(o: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (o.data == null) errs.push(required('data', 'data is mandatory'));
  return errs.concat(validateNonnegativeField(num(o.revision) ?? 0, 'revision'));
}

export function controllerRevisionResource(): ResourceDef {
  return {
    group: 'apps',
    version: 'v1',
    kind: 'ControllerRevision',
    plural: 'controllerrevisions',
    singular: 'controllerrevision',
    namespaced: true,
    schemaName: 'io.k8s.api.apps.v1.ControllerRevision',
    validate: validateRevision,
    validateUpdate: (o, old) => [...validateRevision(o), ...validateImmutableField(o.data, old.data, 'data')],
  };
}
