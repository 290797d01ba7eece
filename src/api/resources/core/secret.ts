// core/v1 Secret (pkg/apis/core/validation ValidateSecret): type Opaque by default, stringData
// written into data, per-type required keys, 1 MiB of data, immutable type.

import { forbidden, invalid, required, tooLong, type FieldError } from '../../../kube/errors.js';
import type { ResourceDef } from '../../resource.js';
import type { KubeObject } from '../../../kube/types.js';
import { key } from '../../validation/fieldpath.js';
import { validateImmutableField } from '../../validation/meta.js';
import { isConfigMapKey } from '../../validation/strings.js';
import { deepEqual, isRecord, record, str } from '../../validation/values.js';
import { ensureObject } from '../common.js';

export const MAX_SECRET_SIZE = 1024 * 1024;

const decodedLength = (v: unknown): number => Buffer.from(str(v), 'base64').length;

/** The keys each well-known Secret type must hold. */
function validateSecretType(o: KubeObject, data: Record<string, unknown>): FieldError[] {
  const has = (k: string) => Object.prototype.hasOwnProperty.call(data, k);
  switch (o.type) {
    case 'kubernetes.io/service-account-token':
      return str(record(o.metadata?.annotations)['kubernetes.io/service-account.name'])
        ? [] : [required(key('metadata.annotations', 'kubernetes.io/service-account.name'))];
    case 'kubernetes.io/dockercfg':
      return has('.dockercfg') ? validateJSONKey(data, '.dockercfg') : [required(key('data', '.dockercfg'))];
    case 'kubernetes.io/dockerconfigjson':
      return has('.dockerconfigjson') ? validateJSONKey(data, '.dockerconfigjson') : [required(key('data', '.dockerconfigjson'))];
    case 'kubernetes.io/basic-auth':
      return has('username') || has('password') ? [] : [required(key('data', 'username')), required(key('data', 'password'))];
    case 'kubernetes.io/ssh-auth':
      return decodedLength(data['ssh-privatekey']) > 0 ? [] : [required(key('data', 'ssh-privatekey'))];
    case 'kubernetes.io/tls':
      return [
        ...(has('tls.crt') ? [] : [required(key('data', 'tls.crt'))]),
        ...(has('tls.key') ? [] : [required(key('data', 'tls.key'))]),
      ];
    default:
      return [];
  }
}

function validateJSONKey(data: Record<string, unknown>, k: string): FieldError[] {
  try {
    JSON.parse(Buffer.from(str(data[k]), 'base64').toString('utf8'));
    return [];
  } catch (err) {
    return [invalid(key('data', k), '<secret contents redacted>', (err as Error).message)];
  }
}

export function validateSecret(o: KubeObject): FieldError[] {
  const data = record(o.data);
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    errs.push(...isConfigMapKey(k).map((m) => invalid(key('data', k), k, m)));
    size += decodedLength(v);
  }
  if (size > MAX_SECRET_SIZE) errs.push(tooLong('data', '', MAX_SECRET_SIZE));
  return errs.concat(validateSecretType(o, data));
}

export function validateSecretUpdate(o: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateImmutableField(o.type, old.type, 'type');
  if (old.immutable === true) {
    if (o.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
    if (!deepEqual(o.data ?? {}, old.data ?? {})) errs.push(forbidden('data', 'field is immutable when `immutable` is set'));
  }
  return errs.concat(validateSecret(o));
}

export function secretResource(): ResourceDef {
  return {
    group: '',
    version: 'v1',
    kind: 'Secret',
    plural: 'secrets',
    singular: 'secret',
    namespaced: true,
    schemaName: 'io.k8s.api.core.v1.Secret',
    defaults(o) {
      if (!o.type) o.type = 'Opaque';
      // stringData is write-only: it lands in data, base64-encoded, overriding keys of the same name.
      if (isRecord(o.stringData)) {
        const data = ensureObject(o, 'data');
        for (const [k, v] of Object.entries(o.stringData)) data[k] = Buffer.from(str(v), 'utf8').toString('base64');
      }
      delete o.stringData;
    },
    validate: validateSecret,
    validateUpdate: (o, old) => validateSecretUpdate(o, old),
    fieldSelectors: {
      type: (o) => str(o.type),
    },
  };
}
