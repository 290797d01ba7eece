// EndpointSlice controller: the discovery.k8s.io/v1 EndpointSlices of every Service with a
// selector, with upstream's labels (kubernetes.io/service-name, endpointslice.kubernetes.io/managed-by),
// conditions ready/serving/terminating, at most 100 endpoints per slice, owned by the Service.

import { isApiError } from '../../kube/errors.js';
import type { EndpointSlice, EndpointSliceEndpoint, Pod, Service } from '../../kube/types.js';
import { NAMESPACE_INDEX } from '../../client/factory.js';
import { splitKey, type Informer } from '../../client/informer.js';
import { R } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import { ownerRefTo, type Controller, type ControllerContext } from '../common.js';
import { HEADLESS_LABEL, isHeadless, LAST_CHANGE_TRIGGER, MANAGED_BY_LABEL, podEndpoints, SERVICE_NAME_LABEL, TriggerTimes } from './podendpoints.js';
import { planSlices, portsKey, type DesiredGroup, type SlicePorts } from './slices.js';
import { watchServicePods } from './watch.js';

export const SLICE_CONTROLLER = 'endpointslice-controller.k8s.io';
export const MAX_ENDPOINTS_PER_SLICE = 100;

export class EndpointSliceController implements Controller {
  readonly name = 'endpointslice-controller';
  private readonly queue: WorkQueue;
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly triggers = new TriggerTimes();
  /**
   * Per Service, the slices this controller wrote (name -> resourceVersion, '' for deleted) that
   * its cache may not show yet: reconciling from a stale cache would write duplicates.
   */
  private readonly written = new Map<string, { at: number; slices: Map<string, string> }>();

  constructor(private readonly ctx: ControllerContext, private readonly maxPerSlice = MAX_ENDPOINTS_PER_SLICE) {
    this.queue = new WorkQueue({ name: this.name, log: ctx.log(this.name) });
    this.services = ctx.informers.get<Service>(R.services);
    this.pods = ctx.informers.get<Pod>(R.pods);
    this.slices = ctx.informers.get<EndpointSlice>(R.endpointslices);
    this.slices.addIndex('service', (s) => (s.metadata.labels?.[MANAGED_BY_LABEL] === SLICE_CONTROLLER && s.metadata.labels[SERVICE_NAME_LABEL]
      ? [`${s.metadata.namespace}/${s.metadata.labels[SERVICE_NAME_LABEL]}`] : []));
  }

  start(): void {
    watchServicePods(this.services, this.pods, (key) => {
      this.triggers.changed(key);
      this.queue.add(key);
    });
    // Someone else changed or deleted one of our slices: put it right.
    const sliceChanged = (s: EndpointSlice) => {
      if (s.metadata.labels?.[MANAGED_BY_LABEL] === SLICE_CONTROLLER && s.metadata.labels[SERVICE_NAME_LABEL]) this.queue.add(`${s.metadata.namespace}/${s.metadata.labels[SERVICE_NAME_LABEL]}`);
    };
    this.slices.addHandler({ update: (_o, s) => sliceChanged(s), delete: sliceChanged });
    void Promise.all([this.services.waitForSync(), this.pods.waitForSync(), this.slices.waitForSync()]).then(() => this.queue.run(2, (k) => this.reconcile(k)));
  }

  async stop(): Promise<void> {
    await this.queue.stop();
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.services.get(namespace, name);
    const existing = this.slices.byIndex('service', key);
    if (this.cacheIsStale(key, existing)) {
      this.queue.addAfter(key, 50);
      return;
    }
    if (!svc || !svc.spec.selector || Object.keys(svc.spec.selector).length === 0 || svc.spec.type === 'ExternalName') {
      // The Service went (its slices go with it through their ownerReference) or stopped selecting pods.
      if (svc) for (const s of existing) await this.deleteSlice(s);
      return;
    }
    const groups = new Map<string, DesiredGroup>();
    for (const e of podEndpoints(svc, this.pods.byIndex(NAMESPACE_INDEX, namespace!), true)) {
      if (e.ports.length === 0 && (svc.spec.ports ?? []).length > 0) continue;
      const ports: SlicePorts = e.ports.map((p) => ({ name: p.name ?? '', protocol: p.protocol, port: p.port, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
      const k = portsKey(ports);
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { ports, endpoints: new Map() }));
      const ep: EndpointSliceEndpoint = {
        addresses: [e.ip],
        conditions: { ready: e.ready, serving: e.serving, terminating: e.terminating },
        ...(e.hostname ? { hostname: e.hostname } : {}),
        targetRef: { kind: 'Pod', namespace: e.pod.metadata.namespace, name: e.pod.metadata.name, uid: e.pod.metadata.uid },
        ...(e.pod.spec.nodeName ? { nodeName: e.pod.spec.nodeName } : {}),
      };
      g.endpoints.set(e.ip, ep);
    }
    const desired = groups.size ? [...groups.values()] : [{ ports: [] as SlicePorts, endpoints: new Map<string, EndpointSliceEndpoint>() }];
    const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}), [SERVICE_NAME_LABEL]: name!, [MANAGED_BY_LABEL]: SLICE_CONTROLLER };
    if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
    const plan = planSlices(existing, desired, this.maxPerSlice);
    const labelsChanged = (s: EndpointSlice) => JSON.stringify(s.metadata.labels ?? {}) !== JSON.stringify(labels);
    if (!plan.create.length && !plan.update.length && !plan.delete.length && !plan.unchanged.some(labelsChanged)) return;
    const trigger = this.triggers.take(key);
    const client = this.ctx.client;
    const written = new Map<string, string>();
    this.written.set(key, { at: Date.now(), slices: written });
    const record = (slice: EndpointSlice) => written.set(slice.metadata.name!, slice.metadata.resourceVersion!);
    try {
      for (const c of plan.create) {
        record(await client.create(R.endpointslices, namespace, {
          metadata: { generateName: `${name}-`, namespace, labels, annotations: { [LAST_CHANGE_TRIGGER]: trigger }, ownerReferences: [ownerRefTo(svc, 'v1', 'Service')] },
          addressType: 'IPv4', endpoints: c.endpoints, ports: c.ports,
        } as EndpointSlice));
      }
      for (const u of plan.update) {
        record(await client.update(R.endpointslices, { ...u.slice, metadata: { ...u.slice.metadata, labels, annotations: { ...(u.slice.metadata.annotations ?? {}), [LAST_CHANGE_TRIGGER]: trigger } }, endpoints: u.endpoints }));
      }
      for (const s of plan.unchanged.filter(labelsChanged)) record(await client.update(R.endpointslices, { ...s, metadata: { ...s.metadata, labels } }));
      for (const s of plan.delete) {
        await this.deleteSlice(s);
        written.set(s.metadata.name!, '');
      }
    } catch (err) {
      if (isApiError(err, 'Conflict')) { this.queue.add(key); return; }
      if (isApiError(err, 'Forbidden') || isApiError(err, 'NotFound')) return;
      throw err;
    }
  }

  private cacheIsStale(key: string, cached: EndpointSlice[]): boolean {
    const entry = this.written.get(key);
    // Someone else may have deleted or replaced what we wrote: trust the cache after a while.
    if (!entry || Date.now() - entry.at > 5000) return false;
    const byName = new Map(cached.map((s) => [s.metadata.name!, s]));
    for (const [name, rv] of entry.slices) {
      const c = byName.get(name);
      if (rv === '' ? c !== undefined : !c || Number(c.metadata.resourceVersion) < Number(rv)) return true;
    }
    this.written.delete(key);
    return false;
  }

  private async deleteSlice(s: EndpointSlice): Promise<void> {
    try {
      await this.ctx.client.delete(R.endpointslices, s.metadata.namespace, s.metadata.name!);
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }
}

