// Container validation with upstream's messages (pkg/apis/core/validation: validateContainers,
// validateInitContainers, container ports, env, envFrom, probes, lifecycle, volume mounts).

import { duplicate, forbidden, invalid, notFound, notSupported, required, type FieldError } from '../../../kube/errors.js';
import { child, index } from '../../validation/fieldpath.js';
import { validateNonnegativeField } from '../../validation/meta.js';
import { isValidPortName, isValidPortNum, validatePortNumOrName, validateProtocol } from '../../validation/ports.js';
import { inclusiveRangeError, isConfigMapKey, isDNS1123Label, isDNS1123Subdomain, isEnvVarName, isHTTPHeaderName, isQualifiedName } from '../../validation/strings.js';
import { isRecord, list, num, record, str } from '../../validation/values.js';
import { validateResourceRequirements } from './resources.js';

type Obj = Record<string, any>;
const MAX_INT32 = 2147483647;

function validateContainerPorts(ports: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list(ports).forEach((raw, i) => {
    const p = record(raw);
    const path = index(field, i);
    const name = str(p.name);
    if (name) {
      const msgs = isValidPortName(name);
      if (msgs.length) errs.push(...msgs.map((m) => invalid(child(path, 'name'), name, m)));
      else if (names.has(name)) errs.push(duplicate(child(path, 'name'), name));
      else names.add(name);
    }
    const cp = num(p.containerPort) ?? 0;
    if (cp === 0) errs.push(required(child(path, 'containerPort')));
    else errs.push(...isValidPortNum(cp).map((m) => invalid(child(path, 'containerPort'), cp, m)));
    const hp = num(p.hostPort) ?? 0;
    if (hp !== 0) errs.push(...isValidPortNum(hp).map((m) => invalid(child(path, 'hostPort'), hp, m)));
    errs.push(...validateProtocol(child(path, 'protocol'), p.protocol));
  });
  return errs;
}

/** metadata.name and friends that the downward API may put into an env var (v1). */
const ENV_FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName',
  'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'].sort();
/** Field labels v1 converts at all (others fail conversion before the list above is consulted). */
const CONVERTIBLE_FIELD_PATHS = new Set([...ENV_FIELD_PATHS, 'metadata.annotations', 'metadata.labels', 'spec.restartPolicy', 'spec.schedulerName', 'status.phase']);
const RESOURCE_FIELD_PATHS = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];

function validateObjectFieldSelector(ref: Obj, field: string): FieldError[] {
  if (!str(ref.apiVersion)) return [required(child(field, 'apiVersion'))];
  const fieldPath = str(ref.fieldPath);
  if (!fieldPath) return [required(child(field, 'fieldPath'))];
  const sub = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(fieldPath);
  const base = sub ? sub[1] : fieldPath;
  if (!CONVERTIBLE_FIELD_PATHS.has(base)) {
    return [invalid(child(field, 'fieldPath'), fieldPath, `error converting fieldPath: field label not supported: ${fieldPath}`)];
  }
  if (sub) {
    const k = base === 'metadata.annotations' ? sub[2].toLowerCase() : sub[2];
    return isQualifiedName(k).map((m) => invalid(field, k, m));
  }
  return ENV_FIELD_PATHS.includes(fieldPath) ? [] : [notSupported(child(field, 'fieldPath'), fieldPath, ENV_FIELD_PATHS)];
}

function validateKeySelector(ref: Obj, field: string): FieldError[] {
  const name = str(ref.name);
  const errs = isDNS1123Subdomain(name).map((m) => invalid(child(field, 'name'), name, m));
  const k = str(ref.key);
  if (!k) errs.push(required(child(field, 'key')));
  else errs.push(...isConfigMapKey(k).map((m) => invalid(child(field, 'key'), k, m)));
  return errs;
}

function validateEnv(env: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  list(env).forEach((raw, i) => {
    const e = record(raw);
    const path = index(field, i);
    const name = str(e.name);
    if (!name) errs.push(required(child(path, 'name')));
    else errs.push(...isEnvVarName(name).map((m) => invalid(child(path, 'name'), name, m)));
    if (!isRecord(e.valueFrom)) return;
    const from = e.valueFrom;
    const fromPath = child(path, 'valueFrom');
    let sources = 0;
    if (isRecord(from.fieldRef)) { sources++; errs.push(...validateObjectFieldSelector(from.fieldRef, child(fromPath, 'fieldRef'))); }
    if (isRecord(from.resourceFieldRef)) {
      sources++;
      const res = str(from.resourceFieldRef.resource);
      const p = child(fromPath, 'resourceFieldRef');
      if (!res) errs.push(required(child(p, 'resource')));
      else if (!RESOURCE_FIELD_PATHS.includes(res) && !/^(requests|limits)\.hugepages-/.test(res)) errs.push(notSupported(child(p, 'resource'), res, RESOURCE_FIELD_PATHS));
    }
    if (isRecord(from.configMapKeyRef)) { sources++; errs.push(...validateKeySelector(from.configMapKeyRef, child(fromPath, 'configMapKeyRef'))); }
    if (isRecord(from.secretKeyRef)) { sources++; errs.push(...validateKeySelector(from.secretKeyRef, child(fromPath, 'secretKeyRef'))); }
    if (sources === 0) errs.push(invalid(fromPath, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (str(e.value)) errs.push(invalid(fromPath, '', 'may not be specified when `value` is not empty'));
    else if (sources > 1) errs.push(invalid(fromPath, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateEnvFrom(envFrom: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  list(envFrom).forEach((raw, i) => {
    const e = record(raw);
    const path = index(field, i);
    const prefix = str(e.prefix);
    if (prefix) errs.push(...isEnvVarName(prefix).map((m) => invalid(child(path, 'prefix'), prefix, m)));
    let sources = 0;
    for (const kind of ['configMapRef', 'secretRef']) {
      if (!isRecord(e[kind])) continue;
      sources++;
      const name = str(e[kind].name);
      if (!name) errs.push(required(child(path, kind, 'name')));
      else errs.push(...isDNS1123Subdomain(name).map((m) => invalid(child(path, kind, 'name'), name, m)));
    }
    if (sources === 0) errs.push(invalid(field, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (sources > 1) errs.push(invalid(field, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

/** A probe or lifecycle handler: exactly one of exec, httpGet, tcpSocket, grpc (sleep for hooks). */
function validateHandler(h: Obj, field: string, kinds: string[], gracePeriod: number | undefined): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const kind of kinds) {
    if (h[kind] == null) continue;
    const path = child(field, kind);
    if (count > 0) { errs.push(forbidden(path, 'may not specify more than 1 handler type')); continue; }
    count++;
    const a = record(h[kind]);
    if (kind === 'exec' && list(a.command).length === 0) errs.push(required(child(path, 'command')));
    if (kind === 'httpGet') {
      if (!str(a.path)) errs.push(required(child(path, 'path')));
      errs.push(...validatePortNumOrName(child(path, 'port'), a.port));
      if (a.scheme !== 'HTTP' && a.scheme !== 'HTTPS') errs.push(notSupported(child(path, 'scheme'), a.scheme ?? '', ['HTTP', 'HTTPS']));
      for (const hdr of list<Obj>(a.httpHeaders)) {
        errs.push(...isHTTPHeaderName(str(record(hdr).name)).map((m) => invalid(child(path, 'httpHeaders'), str(record(hdr).name), m)));
      }
    }
    if (kind === 'tcpSocket' || kind === 'grpc') errs.push(...validatePortNumOrName(child(path, 'port'), a.port));
    if (kind === 'sleep' && gracePeriod !== undefined) {
      const s = num(a.seconds) ?? 0;
      if (s <= 0 || s > gracePeriod) {
        errs.push(invalid(path, s, `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod}). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep.`));
      }
    }
  }
  if (count === 0) errs.push(required(field, 'must specify a handler type'));
  return errs;
}

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];

function validateProbe(probe: unknown, which: 'livenessProbe' | 'readinessProbe' | 'startupProbe', field: string): FieldError[] {
  if (probe == null) return [];
  const p = record(probe);
  const errs = validateHandler(p, field, PROBE_HANDLERS, undefined);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    errs.push(...validateNonnegativeField(num(p[f]) ?? 0, child(field, f)));
  }
  const tgp = p.terminationGracePeriodSeconds;
  if (tgp != null && (num(tgp) ?? 0) <= 0) errs.push(invalid(child(field, 'terminationGracePeriodSeconds'), tgp, 'must be greater than 0'));
  if (which !== 'readinessProbe' && (num(p.successThreshold) ?? 0) !== 1) errs.push(invalid(child(field, 'successThreshold'), p.successThreshold ?? 0, 'must be 1'));
  if (which === 'readinessProbe' && tgp != null) {
    errs.push(invalid(child(field, 'terminationGracePeriodSeconds'), tgp, 'must not be set for readinessProbes'));
  }
  return errs;
}

function validateVolumeMounts(mounts: unknown, volumes: Set<string>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  list(mounts).forEach((raw, i) => {
    const m = record(raw);
    const path = index(field, i);
    const name = str(m.name);
    const mountPath = str(m.mountPath);
    if (!name) errs.push(required(child(path, 'name')));
    if (!volumes.has(name)) errs.push(notFound(child(path, 'name'), name));
    if (!mountPath) errs.push(required(child(path, 'mountPath')));
    if (paths.has(mountPath)) errs.push(invalid(child(path, 'mountPath'), mountPath, 'must be unique'));
    paths.add(mountPath);
    const sub = str(m.subPath);
    if (sub && (sub.startsWith('/') || sub.split('/').includes('..'))) {
      errs.push(invalid(child(field, 'subPath'), sub, sub.startsWith('/') ? 'must be a relative path' : "must not contain '..'"));
    }
  });
  return errs;
}

function validateSecurityContext(sc: unknown, field: string): FieldError[] {
  const s = record(sc);
  const errs: FieldError[] = [];
  for (const f of ['runAsUser', 'runAsGroup']) {
    const v = num(s[f]);
    if (v !== undefined && (v < 0 || v > MAX_INT32)) errs.push(invalid(child(field, f), v, inclusiveRangeError(0, MAX_INT32)));
  }
  if (s.allowPrivilegeEscalation === false && s.privileged === true) {
    errs.push(invalid(field, s, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
  }
  return errs;
}

/** What every kind of container must satisfy. */
function validateContainerCommon(c: Obj, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(c.name);
  if (!name) errs.push(required(child(path, 'name')));
  else errs.push(...isDNS1123Label(name).map((m) => invalid(child(path, 'name'), name, m)));
  if (!str(c.image)) errs.push(required(child(path, 'image')));
  const tmp = c.terminationMessagePolicy;
  if (!tmp) errs.push(required(child(path, 'terminationMessagePolicy')));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError') errs.push(notSupported(child(path, 'terminationMessagePolicy'), tmp, ['File', 'FallbackToLogsOnError']));
  errs.push(...validateContainerPorts(c.ports, child(path, 'ports')));
  errs.push(...validateEnv(c.env, child(path, 'env')));
  errs.push(...validateEnvFrom(c.envFrom, child(path, 'envFrom')));
  errs.push(...validateVolumeMounts(c.volumeMounts, volumes, child(path, 'volumeMounts')));
  const pull = c.imagePullPolicy;
  if (!pull) errs.push(required(child(path, 'imagePullPolicy')));
  else if (!['Always', 'IfNotPresent', 'Never'].includes(pull)) errs.push(notSupported(child(path, 'imagePullPolicy'), pull, ['Always', 'IfNotPresent', 'Never']));
  errs.push(...validateResourceRequirements(c.resources, child(path, 'resources')));
  errs.push(...validateSecurityContext(c.securityContext, child(path, 'securityContext')));
  return errs;
}

function validateLifecycle(lc: unknown, gracePeriod: number | undefined, field: string): FieldError[] {
  const l = record(lc);
  return ['postStart', 'preStop'].flatMap((hook) =>
    isRecord(l[hook]) ? validateHandler(l[hook], child(field, hook), [...PROBE_HANDLERS.filter((k) => k !== 'grpc'), 'sleep'], gracePeriod) : []);
}

/** Host ports must not collide within one set of containers that run together. */
function checkHostPortConflicts(containers: Obj[], field: string): FieldError[] {
  const seen = new Set<string>();
  const errs: FieldError[] = [];
  containers.forEach((c, ci) => list<Obj>(c?.ports).forEach((p, pi) => {
    const hp = num(record(p).hostPort) ?? 0;
    if (!hp) return;
    const k = `${str(p.protocol)}/${str(p.hostIP)}/${hp}`;
    if (seen.has(k)) errs.push(duplicate(child(index(child(index(field, ci), 'ports'), pi), 'hostPort'), k));
    seen.add(k);
  }));
  return errs;
}

export function validateContainers(containers: unknown, volumes: Set<string>, gracePeriod: number | undefined, field: string): FieldError[] {
  const list_ = list<Obj>(containers);
  if (list_.length === 0) return [required(field)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list_.forEach((raw, i) => {
    const c = record(raw);
    const path = index(field, i);
    errs.push(...validateContainerCommon(c, volumes, path));
    if (names.has(str(c.name))) errs.push(duplicate(child(path, 'name'), str(c.name)));
    else names.add(str(c.name));
    if (c.lifecycle != null) errs.push(...validateLifecycle(c.lifecycle, gracePeriod, child(path, 'lifecycle')));
    errs.push(...validateProbe(c.livenessProbe, 'livenessProbe', child(path, 'livenessProbe')));
    errs.push(...validateProbe(c.readinessProbe, 'readinessProbe', child(path, 'readinessProbe')));
    errs.push(...validateProbe(c.startupProbe, 'startupProbe', child(path, 'startupProbe')));
    if (c.restartPolicy != null) errs.push(forbidden(child(path, 'restartPolicy'), 'may not be set for non-init containers'));
  });
  return errs.concat(checkHostPortConflicts(list_.map(record), field));
}

export function validateInitContainers(inits: unknown, regular: unknown, volumes: Set<string>, gracePeriod: number | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set(list<Obj>(regular).map((c) => str(record(c).name)));
  list(inits).forEach((raw, i) => {
    const c = record(raw);
    const path = index(field, i);
    errs.push(...validateContainerCommon(c, volumes, path));
    let sidecar = false;
    if (c.restartPolicy != null) {
      if (c.restartPolicy !== 'Always') errs.push(notSupported(child(path, 'restartPolicy'), c.restartPolicy, ['Always']));
      sidecar = c.restartPolicy === 'Always';
    }
    const name = str(c.name);
    if (names.has(name)) errs.push(duplicate(child(path, 'name'), name));
    else if (name) names.add(name);
    errs.push(...checkHostPortConflicts([c], field));
    if (sidecar) {
      if (c.lifecycle != null) errs.push(...validateLifecycle(c.lifecycle, gracePeriod, child(path, 'lifecycle')));
      errs.push(...validateProbe(c.livenessProbe, 'livenessProbe', child(path, 'livenessProbe')));
      errs.push(...validateProbe(c.readinessProbe, 'readinessProbe', child(path, 'readinessProbe')));
      errs.push(...validateProbe(c.startupProbe, 'startupProbe', child(path, 'startupProbe')));
    } else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (c[f] != null) errs.push(forbidden(child(path, f), 'may not be set for init containers without restartPolicy=Always'));
      }
    }
  });
  return errs;
}
