// What both endpoint controllers compute first: for a Service with a selector, each selected
// pod's address, readiness and the port every Service port resolves to on that pod (named
// targetPorts are looked up per pod: pods may name the same port differently).

import type { EndpointPort, Pod, Service, ServicePort } from '../../kube/types.js';
import { matchesMapSelector } from '../../kube/selectors.js';
import { isPodReady } from '../common.js';
import { metaTime } from '../../common/time.js';

export interface PodEndpoint {
  pod: Pod;
  ip: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  hostname?: string;
  /** One entry per Service port that resolves on this pod, in Service port order. */
  ports: EndpointPort[];
}

/** The container port a Service port targets on pod, or undefined when a named port is missing. */
export function resolveTargetPort(sp: ServicePort, pod: Pod): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = sp.protocol ?? 'TCP';
  for (const c of pod.spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/** Upstream's ShouldPodBeInEndpoints: an IP, not finished, and (unless published anyway) not terminating. */
function belongs(pod: Pod, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP) return false;
  if (pod.status.phase === 'Failed' || pod.status.phase === 'Succeeded') return false;
  if (pod.metadata.deletionTimestamp && !includeTerminating) return false;
  return true;
}

/**
 * The endpoints of svc among pods (pods of its namespace). includeTerminating: keep terminating
 * pods (EndpointSlices report them with terminating: true; Endpoints leave them out).
 */
export function podEndpoints(svc: Service, pods: Pod[], includeTerminating: boolean): PodEndpoint[] {
  const selector = svc.spec.selector;
  const publish = svc.spec.publishNotReadyAddresses === true;
  const out: PodEndpoint[] = [];
  for (const pod of pods) {
    if (pod.metadata.namespace !== svc.metadata.namespace) continue;
    if (!matchesMapSelector(selector, pod.metadata.labels)) continue;
    if (!belongs(pod, includeTerminating || publish)) continue;
    const terminating = !!pod.metadata.deletionTimestamp;
    const podReady = isPodReady(pod);
    const ports: EndpointPort[] = [];
    for (const sp of svc.spec.ports ?? []) {
      const port = resolveTargetPort(sp, pod);
      if (port === undefined) continue;
      const ep: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
      if (sp.name) ep.name = sp.name;
      if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
      ports.push(ep);
    }
    const e: PodEndpoint = {
      pod, ip: pod.status!.podIP!,
      ready: publish || (podReady && !terminating),
      serving: publish || podReady,
      terminating, ports,
    };
    if (pod.spec.hostname && pod.spec.subdomain === svc.metadata.name) e.hostname = pod.spec.hostname;
    out.push(e);
  }
  return out;
}

export function isHeadless(svc: Service): boolean {
  return svc.spec.clusterIP === 'None';
}

export const LAST_CHANGE_TRIGGER = 'endpoints.kubernetes.io/last-change-trigger-time';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/**
 * When the changes a sync reflects happened: the earliest change of a service or its pods not yet
 * written, as upstream's TriggerTimeTracker reports in endpoints.kubernetes.io/last-change-trigger-time.
 */
export class TriggerTimes {
  private readonly pending = new Map<string, number>();

  changed(serviceKey: string, at = Date.now()): void {
    const cur = this.pending.get(serviceKey);
    if (cur === undefined || at < cur) this.pending.set(serviceKey, at);
  }

  /** The trigger time for serviceKey as RFC 3339 (now when nothing was recorded), and forget it. */
  take(serviceKey: string): string {
    const at = this.pending.get(serviceKey) ?? Date.now();
    this.pending.delete(serviceKey);
    return metaTime(at);
  }
}
