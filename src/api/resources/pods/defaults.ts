// Pod and PodSpec defaults (pkg/apis/core/v1/defaults.go), applied to Pods and to the pod
// templates of workloads, plus what upstream's admission plugins add to every new Pod.

import { isRecord, list, record, str } from '../../validation/values.js';

type Obj = Record<string, any>;

const VOLUME_SOURCES = [
  'emptyDir', 'hostPath', 'gitRepo', 'gcePersistentDisk', 'awsElasticBlockStore', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'flocker', 'persistentVolumeClaim', 'rbd', 'cinder', 'cephfs', 'quobyte', 'downwardAPI', 'fc', 'flexVolume', 'configMap',
  'azureFile', 'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk', 'storageos', 'projected', 'scaleIO',
  'csi', 'ephemeral', 'image',
];
export { VOLUME_SOURCES };

/** The tag of an image reference; "latest" when there is none (and no digest). */
export function imageTag(image: string): string {
  const ref = image.split('@')[0];
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > lastSlash) return ref.slice(colon + 1);
  return image.includes('@') ? '' : 'latest';
}

function setProbeDefaults(probe: unknown): void {
  if (!isRecord(probe)) return;
  probe.timeoutSeconds ||= 1;
  probe.periodSeconds ||= 10;
  probe.successThreshold ||= 1;
  probe.failureThreshold ||= 3;
  setHandlerDefaults(probe);
}

function setHandlerDefaults(handler: Obj): void {
  if (isRecord(handler.httpGet)) {
    handler.httpGet.path ||= '/';
    handler.httpGet.scheme ||= 'HTTP';
  }
}

function setEnvDefaults(env: unknown): void {
  for (const e of list<Obj>(env)) {
    const ref = record(record(e).valueFrom).fieldRef;
    if (isRecord(ref) && !ref.apiVersion) ref.apiVersion = 'v1';
  }
}

function setContainerDefaults(c: unknown): void {
  if (!isRecord(c)) return;
  if (!c.imagePullPolicy) c.imagePullPolicy = imageTag(typeof c.image === 'string' ? c.image : '') === 'latest' ? 'Always' : 'IfNotPresent';
  c.terminationMessagePath ||= '/dev/termination-log';
  c.terminationMessagePolicy ||= 'File';
  if (c.resources === undefined) c.resources = {};
  for (const p of list<Obj>(c.ports)) if (isRecord(p) && !p.protocol) p.protocol = 'TCP';
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) setProbeDefaults(c[probe]);
  for (const hook of ['postStart', 'preStop']) {
    const h = record(c.lifecycle)[hook];
    if (isRecord(h)) setHandlerDefaults(h);
  }
  setEnvDefaults(c.env);
}

function setVolumeDefaults(v: unknown): void {
  if (!isRecord(v)) return;
  if (!VOLUME_SOURCES.some((s) => v[s] != null)) v.emptyDir = {};
  for (const src of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    if (isRecord(v[src]) && v[src].defaultMode === undefined) v[src].defaultMode = 420;
  }
  if (isRecord(v.hostPath) && v.hostPath.type === undefined) v.hostPath.type = '';
  for (const item of list<Obj>(record(v.downwardAPI).items)) {
    if (isRecord(item?.fieldRef) && !item.fieldRef.apiVersion) item.fieldRef.apiVersion = 'v1';
  }
  for (const s of list<Obj>(record(v.projected).sources)) {
    if (isRecord(s?.serviceAccountToken) && s.serviceAccountToken.expirationSeconds === undefined) s.serviceAccountToken.expirationSeconds = 3600;
  }
}

/** SetDefaults_PodSpec and the defaults of everything a PodSpec holds (Pods and templates). */
export function setPodSpecDefaults(spec: unknown): void {
  if (!isRecord(spec)) return;
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  if (spec.securityContext === undefined) spec.securityContext = {};
  if (spec.terminationGracePeriodSeconds == null) spec.terminationGracePeriodSeconds = 30;
  spec.schedulerName ||= 'default-scheduler';
  // The deprecated serviceAccount field mirrors serviceAccountName (v1 conversion).
  if (!spec.serviceAccountName && typeof spec.serviceAccount === 'string' && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  for (const c of [...list(spec.containers), ...list(spec.initContainers), ...list(spec.ephemeralContainers)]) setContainerDefaults(c);
  for (const v of list(spec.volumes)) setVolumeDefaults(v);
}

/** SetDefaults_Pod: what only real Pods (not templates) get. */
export function setPodDefaults(pod: Obj): void {
  const spec = record(pod.spec);
  setPodSpecDefaults(spec);
  for (const c of [...list<Obj>(spec.containers), ...list<Obj>(spec.initContainers)]) {
    const res = record(c?.resources);
    if (isRecord(res.limits)) {
      res.requests = { ...res.limits, ...record(res.requests) };
    }
  }
  if (spec.enableServiceLinks == null) spec.enableServiceLinks = true;
  if (spec.hostNetwork === true) {
    for (const c of [...list<Obj>(spec.containers), ...list<Obj>(spec.initContainers)]) {
      for (const p of list<Obj>(c?.ports)) if (isRecord(p) && !p.hostPort) p.hostPort = p.containerPort;
    }
  }
  // The status fields v1 keeps twice (podIP/podIPs, hostIP/hostIPs) say the same thing.
  const status = pod.status;
  if (isRecord(status)) {
    if (status.podIP && list(status.podIPs).length === 0) status.podIPs = [{ ip: status.podIP }];
    if (!status.podIP && isRecord(list(status.podIPs)[0])) status.podIP = list<Obj>(status.podIPs)[0].ip;
    if (status.hostIP && list(status.hostIPs).length === 0) status.hostIPs = [{ ip: status.hostIP }];
    if (!status.hostIP && isRecord(list(status.hostIPs)[0])) status.hostIP = list<Obj>(status.hostIPs)[0].ip;
  }
}

/** The built-in PriorityClasses (other classes are not served: their pods get priority 0). */
const SYSTEM_PRIORITIES: Record<string, number> = { 'system-node-critical': 2000001000, 'system-cluster-critical': 2000000000 };

/**
 * What the default admission plugins add to a new Pod: the `default` ServiceAccount, a priority,
 * and tolerating not-ready/unreachable nodes for 300 s.
 */
export function admitNewPod(pod: Obj): void {
  const spec = record(pod.spec);
  if (!spec.serviceAccountName) spec.serviceAccountName = 'default';
  spec.serviceAccount = spec.serviceAccountName;
  if (spec.priority === undefined) spec.priority = SYSTEM_PRIORITIES[str(spec.priorityClassName)] ?? 0;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  const tolerations = list<Obj>(spec.tolerations);
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    const has = tolerations.some((t) => isRecord(t) && (t.key === key || (!t.key && t.operator === 'Exists')) && (!t.effect || t.effect === 'NoExecute'));
    if (!has) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  spec.tolerations = tolerations;
}

/** upstream's qos.GetPodQOS, on cpu and memory. */
export function podQOSClass(spec: unknown): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...list<Obj>(record(spec).containers), ...list<Obj>(record(spec).initContainers)];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = record(record(c?.resources).requests);
    const lim = record(record(c?.resources).limits);
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined || lim[r] !== undefined) any = true;
      if (lim[r] === undefined || (req[r] !== undefined && String(req[r]) !== String(lim[r]))) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
