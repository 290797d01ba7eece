// Strategy pieces several kinds share: the spec/status split of upstream's status strategies.

import { invalid, type FieldError } from '../../kube/errors.js';
import type { Subresource } from '../resource.js';
import type { KubeObject } from '../../kube/types.js';
import { parseIP } from '../validation/ip.js';
import { isDNS1123Subdomain } from '../validation/strings.js';
import { isRecord } from '../validation/values.js';

const OWN_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'status']);

/**
 * A write to /status changes only status; a write to the main resource never changes status
 * (upstream's PrepareForUpdate of kinds with a status subresource). Copies, so later hooks may
 * change obj without touching old.
 */
export function splitStatus(obj: KubeObject, old: KubeObject, subresource?: Subresource): void {
  if (subresource === 'status') {
    for (const k of Object.keys(obj)) if (!OWN_FIELDS.has(k)) delete obj[k];
    for (const k of Object.keys(old)) if (!OWN_FIELDS.has(k)) obj[k] = structuredClone(old[k]);
  } else if (old.status === undefined) {
    delete obj.status;
  } else {
    obj.status = structuredClone(old.status);
  }
}

/** A field selector value for a boolean field, as upstream prints it. */
export const boolField = (v: unknown): string => String(v === true);

/** parent[key] as an object, created (replacing anything else) when it is not one: for defaulting. */
export function ensureObject(parent: Record<string, any>, key: string): Record<string, any> {
  if (!isRecord(parent[key])) parent[key] = {};
  return parent[key];
}

/** A load-balancer ingress hostname (Service and Ingress status): a DNS name, not an address. */
export function validateLoadBalancerHostname(hostname: string, field: string): FieldError[] {
  const errs = isDNS1123Subdomain(hostname).map((m) => invalid(field, hostname, m));
  if (parseIP(hostname)) errs.push(invalid(field, hostname, 'must be a DNS name, not an IP address'));
  return errs;
}
