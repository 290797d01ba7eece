// core/v1 ConfigMap (pkg/apis/core/validation ValidateConfigMap).

import { forbidden, invalid, tooLong, type FieldError } from '../../../kube/errors.js';
import type { ResourceDef } from '../../resource.js';
import type { KubeObject } from '../../../kube/types.js';
import { key } from '../../validation/fieldpath.js';
import { isConfigMapKey } from '../../validation/strings.js';
import { deepEqual, record, str } from '../../validation/values.js';
import { MAX_SECRET_SIZE } from './secret.js';

export function validateConfigMap(o: KubeObject): FieldError[] {
  const data = record(o.data);
  const binary = record(o.binaryData);
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    errs.push(...isConfigMapKey(k).map((m) => invalid(key('data', k), k, m)));
    if (Object.prototype.hasOwnProperty.call(binary, k)) errs.push(invalid(key('data', k), k, 'duplicate of key present in binaryData'));
    size += Buffer.byteLength(str(v));
  }
  for (const [k, v] of Object.entries(binary)) {
    errs.push(...isConfigMapKey(k).map((m) => invalid(key('binaryData', k), k, m)));
    size += Buffer.from(str(v), 'base64').length;
  }
  if (size > MAX_SECRET_SIZE) errs.push(tooLong('', '', MAX_SECRET_SIZE));
  return errs;
}

function validateConfigMapUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (old.immutable === true) {
    if (o.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
    if (!deepEqual(o.data ?? {}, old.data ?? {})) errs.push(forbidden('data', 'field is immutable when `immutable` is set'));
    if (!deepEqual(o.binaryData ?? {}, old.binaryData ?? {})) errs.push(forbidden('binaryData', 'field is immutable when `immutable` is set'));
  }
  return errs.concat(validateConfigMap(o));
}

export function configMapResource(): ResourceDef {
  return {
    group: '',
    version: 'v1',
    kind: 'ConfigMap',
    plural: 'configmaps',
    singular: 'configmap',
    shortNames: ['cm'],
    namespaced: true,
    schemaName: 'io.k8s.api.core.v1.ConfigMap',
    validate: validateConfigMap,
    validateUpdate: (o, old) => validateConfigMapUpdate(o, old),
  };
}
