// PodSpec and PodTemplateSpec validation with upstream's messages (pkg/apis/core/validation:
// ValidatePodSpec, ValidatePodTemplateSpec, volumes, DNS, host aliases, tolerations).

import { duplicate, forbidden, invalid, notSupported, required, type FieldError } from '../../../kube/errors.js';
import { child, index } from '../../validation/fieldpath.js';
import { isValidIP } from '../../validation/ip.js';
import { validateAnnotations, validateLabelName, validateLabels } from '../../validation/meta.js';
import { inclusiveRangeError, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../../validation/strings.js';
import { isRecord, list, num, record, str } from '../../validation/values.js';
import { validateContainers, validateInitContainers } from './containers.js';
import { VOLUME_SOURCES } from './defaults.js';

type Obj = Record<string, any>;
const MAX_INT32 = 2147483647;
export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;

function validateVolumeSource(v: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const src of VOLUME_SOURCES) {
    if (v[src] == null) continue;
    const p = child(path, src);
    if (count > 0) { errs.push(forbidden(p, 'may not specify more than 1 volume type')); continue; }
    count++;
    const s = record(v[src]);
    if (src === 'hostPath' && !str(s.path)) errs.push(required(child(p, 'path')));
    if (src === 'configMap' && !str(s.name)) errs.push(required(child(p, 'name')));
    if (src === 'secret' && !str(s.secretName)) errs.push(required(child(p, 'secretName')));
    if (src === 'persistentVolumeClaim' && !str(s.claimName)) errs.push(required(child(p, 'claimName')));
    if ((src === 'configMap' || src === 'secret' || src === 'downwardAPI' || src === 'projected') && s.defaultMode !== undefined) {
      const mode = num(s.defaultMode);
      if (mode === undefined || mode < 0 || mode > 0o777) errs.push(invalid(child(p, 'defaultMode'), s.defaultMode, 'must be a number between 0 and 0777 (octal), both inclusive'));
    }
  }
  if (count === 0) errs.push(required(path, 'must specify a volume type'));
  return errs;
}

/** Validates volumes; returns the names containers may mount. */
function validateVolumes(volumes: unknown, field: string): { names: Set<string>; errs: FieldError[] } {
  const names = new Set<string>();
  const errs: FieldError[] = [];
  list(volumes).forEach((raw, i) => {
    const v = record(raw);
    const path = index(field, i);
    const name = str(v.name);
    const el = validateVolumeSource(v, path);
    if (!name) el.push(required(child(path, 'name')));
    else el.push(...isDNS1123Label(name).map((m) => invalid(child(path, 'name'), name, m)));
    if (names.has(name)) el.push(duplicate(child(path, 'name'), name));
    if (el.length === 0) names.add(name);
    else errs.push(...el);
  });
  return { names, errs };
}

function validateDNSConfig(config: unknown, dnsPolicy: unknown, field: string): FieldError[] {
  if (dnsPolicy === 'None') {
    if (!isRecord(config)) return [required(field, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (list(config.nameservers).length === 0) return [required(child(field, 'nameservers'), 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
  }
  if (!isRecord(config)) return [];
  const errs: FieldError[] = [];
  const nameservers = list<string>(config.nameservers);
  if (nameservers.length > MAX_DNS_NAMESERVERS) errs.push(invalid(child(field, 'nameservers'), nameservers, `must not have more than ${MAX_DNS_NAMESERVERS} nameservers`));
  nameservers.forEach((ns, i) => errs.push(...isValidIP(index(child(field, 'nameservers'), i), str(ns))));
  const searches = list<string>(config.searches);
  if (searches.length > MAX_DNS_SEARCH_PATHS) errs.push(invalid(child(field, 'searches'), searches, `must not have more than ${MAX_DNS_SEARCH_PATHS} search paths`));
  if (searches.map(str).join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) {
    errs.push(invalid(child(field, 'searches'), searches, `must not have more than ${MAX_DNS_SEARCH_LIST_CHARS} characters (including spaces) in the search list`));
  }
  searches.forEach((s, i) => {
    const search = str(s).replace(/\.$/, '');
    errs.push(...isDNS1123Subdomain(search).map((m) => invalid(index(child(field, 'searches'), i), search, m)));
  });
  list(config.options).forEach((o, i) => {
    if (!str(record(o).name)) errs.push(required(index(child(field, 'options'), i), 'must not be empty'));
  });
  return errs;
}

export function validateTolerations(tolerations: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  list(tolerations).forEach((raw, i) => {
    const t: Obj = record(raw);
    const path = index(field, i);
    const k = str(t.key);
    if (k) errs.push(...validateLabelName(k, child(path, 'key')));
    if (!k && t.operator !== 'Exists') {
      errs.push(invalid(child(path, 'operator'), t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds != null && t.effect !== 'NoExecute') {
      errs.push(invalid(child(path, 'effect'), t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    const value = str(t.value);
    if (t.operator === 'Equal' || !t.operator) {
      const msgs = isValidLabelValue(value);
      if (msgs.length) errs.push(invalid(child(path, 'operator'), value, msgs.join(';')));
    } else if (t.operator === 'Exists') {
      if (value) errs.push(invalid(child(path, 'operator'), value, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(notSupported(child(path, 'operator'), t.operator, ['Equal', 'Exists']));
    }
    if (t.effect && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect)) {
      errs.push(notSupported(child(path, 'effect'), t.effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
    }
  });
  return errs;
}

function validateHostAliases(aliases: unknown, field: string): FieldError[] {
  return list(aliases).flatMap((raw, i) => {
    const a = record(raw);
    const path = index(field, i);
    return [
      ...isValidIP(child(path, 'ip'), str(a.ip)),
      ...list(a.hostnames).flatMap((h, j) => isDNS1123Subdomain(str(h)).map((m) => invalid(index(child(path, 'hostnames'), j), str(h), m))),
    ];
  });
}

export interface PodSpecOptions {
  /** A real Pod rather than the template of a workload (host ports must then equal container ports). */
  isPod?: boolean;
}

/** ValidatePodSpec. */
export function validatePodSpec(specIn: unknown, field: string, opts: PodSpecOptions = {}): FieldError[] {
  const spec: Obj = record(specIn);
  const errs: FieldError[] = [];
  const grace = num(spec.terminationGracePeriodSeconds);
  if (spec.terminationGracePeriodSeconds == null) errs.push(required(child(field, 'terminationGracePeriodSeconds')));
  const vols = validateVolumes(spec.volumes, child(field, 'volumes'));
  errs.push(...vols.errs);
  errs.push(...validateContainers(spec.containers, vols.names, grace, child(field, 'containers')));
  errs.push(...validateInitContainers(spec.initContainers, spec.containers, vols.names, grace, child(field, 'initContainers')));
  if (spec.hostNetwork === true) {
    list<Obj>(spec.containers).forEach((c, i) => list<Obj>(record(c).ports).forEach((p, j) => {
      const hp = num(record(p).hostPort) ?? 0;
      if ((opts.isPod || hp !== 0) && hp !== num(record(p).containerPort)) {
        errs.push(invalid(child(index(child(index(child(field, 'containers'), i), 'ports'), j), 'hostPort'), hp, 'must match `containerPort` when `hostNetwork` is true'));
      }
    }));
  }
  const rp = spec.restartPolicy;
  if (!rp) errs.push(required(child(field, 'restartPolicy')));
  else if (!['Always', 'OnFailure', 'Never'].includes(rp)) errs.push(notSupported(child(field, 'restartPolicy'), rp, ['Always', 'OnFailure', 'Never']));
  const dp = spec.dnsPolicy;
  if (!dp) errs.push(required(child(field, 'dnsPolicy')));
  else if (!['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'].includes(dp)) {
    errs.push(notSupported(child(field, 'dnsPolicy'), dp, ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']));
  }
  errs.push(...validateLabels(spec.nodeSelector, child(field, 'nodeSelector')));
  const sc = record(spec.securityContext);
  for (const f of ['runAsUser', 'runAsGroup', 'fsGroup']) {
    const v = num(sc[f]);
    if (v !== undefined && (v < 0 || v > MAX_INT32)) errs.push(invalid(child(field, 'securityContext', f), v, inclusiveRangeError(0, MAX_INT32)));
  }
  list(spec.imagePullSecrets).forEach((s, i) => {
    if (Object.keys(record(s)).some((k) => k !== 'name')) errs.push(invalid(index(child(field, 'imagePullSecrets'), i), s, 'only name may be set'));
  });
  errs.push(...validateDNSConfig(spec.dnsConfig, dp, child(field, 'dnsConfig')));
  list(spec.readinessGates).forEach((g, i) => {
    const t = str(record(g).conditionType);
    errs.push(...isQualifiedName(t).map((m) => invalid(child(index(child(field, 'readinessGates'), i), 'conditionType'), t, m)));
  });
  for (const [f, check] of [['serviceAccountName', isDNS1123Subdomain], ['nodeName', isDNS1123Subdomain], ['priorityClassName', isDNS1123Subdomain]] as const) {
    const v = str(spec[f]);
    if (v) errs.push(...check(v).map((m) => invalid(child(field, f), v, m)));
  }
  if (spec.activeDeadlineSeconds != null) {
    const v = num(spec.activeDeadlineSeconds) ?? 0;
    if (v < 1 || v > MAX_INT32) errs.push(invalid(child(field, 'activeDeadlineSeconds'), v, inclusiveRangeError(1, MAX_INT32)));
  }
  for (const f of ['hostname', 'subdomain']) {
    const v = str(spec[f]);
    if (v) errs.push(...isDNS1123Label(v).map((m) => invalid(child(field, f), v, m)));
  }
  errs.push(...validateTolerations(spec.tolerations, child(field, 'tolerations')));
  errs.push(...validateHostAliases(spec.hostAliases, child(field, 'hostAliases')));
  if (spec.preemptionPolicy != null && !['PreemptLowerPriority', 'Never'].includes(spec.preemptionPolicy)) {
    errs.push(notSupported(child(field, 'preemptionPolicy'), spec.preemptionPolicy, ['PreemptLowerPriority', 'Never']));
  }
  return errs;
}

/** ValidatePodTemplateSpec: labels and annotations (at template.labels, as upstream), then the spec. */
export function validatePodTemplateSpec(template: unknown, field: string): FieldError[] {
  const t = record(template);
  const meta = record(t.metadata);
  const errs = [
    ...validateLabels(meta.labels, child(field, 'labels')),
    ...validateAnnotations(meta.annotations, child(field, 'annotations')),
    ...validatePodSpec(t.spec, child(field, 'spec')),
  ];
  if (list(record(t.spec).ephemeralContainers).length > 0) {
    errs.push(forbidden(child(field, 'spec', 'ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

