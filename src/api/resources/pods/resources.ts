// Container resource requirements: resource names, quantities and requests <= limits, with
// upstream's messages (pkg/apis/core/validation validateResourceRequirements).

import { forbidden, invalid, required, type FieldError } from '../../../kube/errors.js';
import { child, key } from '../../validation/fieldpath.js';
import { IS_NEGATIVE } from '../../validation/meta.js';
import { isQualifiedName } from '../../validation/strings.js';
import { record } from '../../validation/values.js';

const QUANTITY_RE = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const QUANTITY_MSG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const SUFFIX: Record<string, number> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The value of a Kubernetes quantity ("500m", "1Gi", "1e3", 2), or undefined when it is not one. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = QUANTITY_RE.exec(q);
  if (!m || !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(m[1])) return undefined;
  const n = Number(m[1]);
  const suffix = m[2];
  if (suffix in SUFFIX) return n * SUFFIX[suffix];
  const exp = /^[eE]([-+]?\d+)$/.exec(suffix);
  return exp ? n * 10 ** Number(exp[1]) : undefined;
}

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const STANDARD_RESOURCES = new Set([...STANDARD_CONTAINER_RESOURCES, 'storage', 'pods', 'services', 'replicationcontrollers',
  'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims', 'requests.cpu', 'requests.memory', 'requests.storage',
  'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage']);
const isHugePages = (name: string) => name.startsWith('hugepages-');
/** Resources that may be requested below their limit. */
const overcommitAllowed = (name: string) => STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePages(name);

function validateContainerResourceName(name: string, field: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => invalid(field, name, m));
  if (errs.length) return errs;
  if (!name.includes('/')) {
    if (!STANDARD_RESOURCES.has(name) && !isHugePages(name)) errs.push(invalid(field, name, 'must be a standard resource type or fully qualified'));
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !isHugePages(name)) errs.push(invalid(field, name, 'must be a standard resource for containers'));
  } else if (name.startsWith('kubernetes.io/') || name.includes('.kubernetes.io/') || name.startsWith('requests.')) {
    errs.push(invalid(field, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** Extended resources (example.com/gpu) come in whole units. */
const isExtended = (name: string) => name.includes('/') && !name.startsWith('kubernetes.io/') && !name.includes('.kubernetes.io/');

function validateQuantity(name: string, q: unknown, field: string): FieldError[] {
  const v = parseQuantity(q);
  if (v === undefined) return [invalid(field, q ?? null, QUANTITY_MSG)];
  if (v < 0) return [invalid(field, String(q), IS_NEGATIVE)];
  return isExtended(name) && !Number.isInteger(v) ? [invalid(field, String(q), 'must be an integer')] : [];
}

export function validateResourceRequirements(resources: unknown, field: string): FieldError[] {
  const res = record(resources);
  const limits = record(res.limits);
  const requests = record(res.requests);
  const limPath = child(field, 'limits');
  const reqPath = child(field, 'requests');
  const errs: FieldError[] = [];
  let cpuOrMemory = false;
  let hugePages = false;
  for (const [name, q] of Object.entries(limits)) {
    errs.push(...validateContainerResourceName(name, key(limPath, name)), ...validateQuantity(name, q, key(limPath, name)));
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
    if (isHugePages(name)) hugePages = true;
  }
  for (const [name, q] of Object.entries(requests)) {
    errs.push(...validateContainerResourceName(name, key(reqPath, name)), ...validateQuantity(name, q, key(reqPath, name)));
    if (name === 'cpu' || name === 'memory') cpuOrMemory = true;
    if (isHugePages(name)) hugePages = true;
    const reqVal = parseQuantity(q);
    const limVal = parseQuantity(limits[name]);
    if (name in limits) {
      if (reqVal === undefined || limVal === undefined) continue;
      if (!overcommitAllowed(name) && reqVal !== limVal) {
        errs.push(invalid(reqPath, String(q), `must be equal to ${name} limit of ${String(limits[name])}`));
      } else if (reqVal > limVal) {
        errs.push(invalid(reqPath, String(q), `must be less than or equal to ${name} limit of ${String(limits[name])}`));
      }
    } else if (!overcommitAllowed(name)) {
      errs.push(required(limPath, 'Limit must be set for non overcommitable resources'));
    }
  }
  if (hugePages && !cpuOrMemory) errs.push(forbidden(field, 'HugePages require cpu or memory'));
  return errs;
}
