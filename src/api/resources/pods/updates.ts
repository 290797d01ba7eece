// What a Pod update may change (pkg/apis/core/validation ValidatePodUpdate) and what a status
// write must satisfy (ValidatePodStatusUpdate), with upstream's messages.

import { duplicate, forbidden, invalid, notSupported, required, type FieldError } from '../../../kube/errors.js';
import { child, index } from '../../validation/fieldpath.js';
import { isValidIP, parseIP } from '../../validation/ip.js';
import { validateImmutableField } from '../../validation/meta.js';
import { inclusiveRangeError, isDNS1123Subdomain, isQualifiedName } from '../../validation/strings.js';
import { deepEqual, isRecord, list, num, record, str } from '../../validation/values.js';

type Obj = Record<string, any>;
const MAX_INT32 = 2147483647;

const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

/** "path: value" for every leaf of a JSON value. */
function flatten(v: unknown, path: string, out: Map<string, string>): void {
  if (Array.isArray(v)) v.forEach((x, i) => flatten(x, `${path}[${i}]`, out));
  else if (isRecord(v)) for (const [k, x] of Object.entries(v)) flatten(x, path ? `${path}.${k}` : k, out);
  else if (v !== undefined) out.set(path, JSON.stringify(v));
}

/** A short -/+ listing of what differs, in place of upstream's cmp.Diff output. */
export function specDiff(oldSpec: unknown, newSpec: unknown): string {
  const a = new Map<string, string>();
  const b = new Map<string, string>();
  flatten(oldSpec, '', a);
  flatten(newSpec, '', b);
  const lines: string[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(k) === b.get(k)) continue;
    if (a.has(k)) lines.push(`-\t${k}: ${a.get(k)}`);
    if (b.has(k)) lines.push(`+\t${k}: ${b.get(k)}`);
  }
  return lines.join('\n');
}

function validateContainerUpdates(next: unknown, prev: unknown, field: string): { errs: FieldError[]; stop: boolean } {
  const n = list<Obj>(next);
  if (n.length !== list(prev).length) return { errs: [forbidden(field, 'pod updates may not add or remove containers')], stop: true };
  const errs: FieldError[] = [];
  n.forEach((c, i) => {
    const image = str(record(c).image);
    if (!image) errs.push(required(child(index(field, i), 'image')));
    if (image.trim().length !== image.length) errs.push(invalid(child(index(field, i), 'image'), image, 'must not have leading or trailing whitespace'));
  });
  return { errs, stop: false };
}

/** Only container images, activeDeadlineSeconds, added tolerations (and a negative grace period raised to 1) may change. */
export function validatePodSpecUpdate(next: Obj, prev: Obj): FieldError[] {
  const spec: Obj = record(next.spec);
  const old: Obj = record(prev.spec);
  const errs: FieldError[] = [];
  for (const f of ['containers', 'initContainers']) {
    const r = validateContainerUpdates(spec[f], old[f], `spec.${f}`);
    errs.push(...r.errs);
    if (r.stop) return errs;
  }
  const ads = spec.activeDeadlineSeconds;
  if (ads != null) {
    const v = num(ads) ?? -1;
    if (v < 0 || v > MAX_INT32) return [...errs, invalid('spec.activeDeadlineSeconds', ads, inclusiveRangeError(0, MAX_INT32))];
    if (old.activeDeadlineSeconds != null && old.activeDeadlineSeconds < v) {
      return [...errs, invalid('spec.activeDeadlineSeconds', v, 'must be less than or equal to previous value')];
    }
  } else if (old.activeDeadlineSeconds != null) {
    errs.push(invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }
  const newTolerations = list<Obj>(spec.tolerations);
  for (const t of list<Obj>(old.tolerations)) {
    const kept = newTolerations.some((n) => deepEqual({ ...record(t), tolerationSeconds: record(n).tolerationSeconds }, n));
    if (!kept) { errs.push(forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds')); break; }
  }
  if (deepEqual(spec, old)) return errs;
  const munged: Obj = structuredClone(spec);
  for (const f of ['containers', 'initContainers']) {
    list<Obj>(munged[f]).forEach((c, i) => { if (isRecord(c)) c.image = record(list(old[f])[i]).image; });
  }
  munged.activeDeadlineSeconds = old.activeDeadlineSeconds;
  munged.tolerations = old.tolerations;
  munged.schedulingGates = old.schedulingGates;
  if ((num(old.terminationGracePeriodSeconds) ?? 0) < 0 && munged.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = old.terminationGracePeriodSeconds;
  if (!deepEqual(munged, old)) {
    errs.push(forbidden('spec', `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}\n${specDiff(old, munged)}`));
  }
  return errs;
}

function validateIPList(ips: unknown, field: string): FieldError[] {
  const entries = list<Obj>(ips);
  const errs = entries.flatMap((e, i) => isValidIP(index(field, i), str(record(e).ip)));
  if (entries.length > 1) {
    const families = entries.map((e) => parseIP(str(record(e).ip))?.family);
    if (entries.length > 2 || families[0] === families[1]) errs.push(invalid(field, entries, 'may specify no more than one IP for each IP family'));
    const seen = new Set<string>();
    entries.forEach((e, i) => {
      const ip = str(record(e).ip);
      if (seen.has(ip)) errs.push(duplicate(index(field, i), e));
      seen.add(ip);
    });
  }
  return errs;
}

function validateStateTransitions(next: unknown, prev: unknown, restartPolicy: unknown, field: string): FieldError[] {
  if (restartPolicy === 'Always') return [];
  const errs: FieldError[] = [];
  list<Obj>(prev).forEach((o, i) => {
    const term = record(record(o).state).terminated;
    if (!isRecord(term)) return;
    if ((num(term.exitCode) ?? 0) !== 0 && restartPolicy === 'OnFailure') return;
    for (const n of list<Obj>(next)) {
      if (record(n).name === o.name && !isRecord(record(record(n).state).terminated)) {
        errs.push(forbidden(child(index(field, i), 'state'), 'may not be transitioned to non-terminated state'));
      }
    }
  });
  return errs;
}

const SYSTEM_CONDITIONS = new Set(['PodScheduled', 'Ready', 'Initialized']);

/** ValidatePodStatusUpdate without metadata. */
export function validatePodStatusUpdate(next: Obj, prev: Obj): FieldError[] {
  const status = record(next.status);
  const old = record(prev.status);
  const errs: FieldError[] = [];
  list<Obj>(status.conditions).forEach((c, i) => {
    const t = str(record(c).type);
    if (!SYSTEM_CONDITIONS.has(t)) errs.push(...isQualifiedName(t).map((m) => invalid(child(index('metadata.conditions', i), 'Type'), t, m)));
  });
  if (str(record(next.spec).nodeName) !== str(record(prev.spec).nodeName)) errs.push(forbidden('status.nodeName', 'may not be changed directly'));
  const nominated = str(status.nominatedNodeName);
  if (nominated && nominated !== str(old.nominatedNodeName)) {
    errs.push(...isDNS1123Subdomain(nominated).map((m) => invalid('status.nominatedNodeName', nominated, m)));
  }
  errs.push(...validateImmutableField(status.qosClass ?? '', old.qosClass ?? '', 'status.qosClass'));
  const restart = record(prev.spec).restartPolicy;
  errs.push(...validateStateTransitions(status.containerStatuses, old.containerStatuses, restart, 'status.containerStatuses'));
  errs.push(...validateStateTransitions(status.initContainerStatuses, old.initContainerStatuses, restart, 'status.initContainerStatuses'));
  errs.push(...validateIPList(status.podIPs, 'status.podIPs'));
  const hostIPs = list<Obj>(status.hostIPs);
  if (hostIPs.length && str(status.hostIP) !== str(record(hostIPs[0]).ip)) {
    errs.push(invalid('status.hostIPs[0].ip', str(record(hostIPs[0]).ip), 'must be equal to `hostIP`'));
  }
  errs.push(...validateIPList(status.hostIPs, 'status.hostIPs'));
  return errs;
}

/** pods/binding: target.kind is Node (or empty) and target.name is set. */
export function validateBinding(binding: unknown): FieldError[] {
  const target = record(record(binding).target);
  const errs: FieldError[] = [];
  if (target.kind && target.kind !== 'Node') errs.push(notSupported('target.kind', target.kind, ['Node', '<empty>']));
  if (!str(target.name)) errs.push(required('target.name'));
  return errs;
}
