// EndpointSlice mirroring controller: for a Service without a selector, the Endpoints its user
// writes are mirrored into EndpointSlices (managed by endpointslicemirroring-controller.k8s.io,
// owned by the Endpoints), as upstream does, so that everything reading slices sees them.

import { isApiError } from '../../kube/errors.js';
import type { EndpointSlice, EndpointSliceEndpoint, Endpoints, Service } from '../../kube/types.js';
import { splitKey, type Informer } from '../../client/informer.js';
import { R } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import { ownerRefTo, type Controller, type ControllerContext } from '../common.js';
import { LAST_CHANGE_TRIGGER, MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from './podendpoints.js';
import { planSlices, portsKey, type DesiredGroup, type SlicePorts } from './slices.js';
import { MAX_ENDPOINTS_PER_SLICE } from './endpointslice.js';

export const MIRRORING_CONTROLLER = 'endpointslicemirroring-controller.k8s.io';
const SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';

export class EndpointSliceMirroringController implements Controller {
  readonly name = 'endpointslicemirroring-controller';
  private readonly queue: WorkQueue;
  private readonly services: Informer<Service>;
  private readonly endpoints: Informer<Endpoints>;
  private readonly slices: Informer<EndpointSlice>;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue({ name: this.name, log: ctx.log(this.name) });
    this.services = ctx.informers.get<Service>(R.services);
    this.endpoints = ctx.informers.get<Endpoints>(R.endpoints);
    this.slices = ctx.informers.get<EndpointSlice>(R.endpointslices);
    this.slices.addIndex('mirrored', (s) => (s.metadata.labels?.[MANAGED_BY_LABEL] === MIRRORING_CONTROLLER && s.metadata.labels[SERVICE_NAME_LABEL]
      ? [`${s.metadata.namespace}/${s.metadata.labels[SERVICE_NAME_LABEL]}`] : []));
  }

  start(): void {
    const enqueue = (o: { metadata: { namespace?: string; name?: string } }) => this.queue.add(`${o.metadata.namespace}/${o.metadata.name}`);
    this.endpoints.addHandler({ add: enqueue, update: (_o, e) => enqueue(e), delete: enqueue });
    this.services.addHandler({ add: enqueue, update: (_o, s) => enqueue(s), delete: enqueue });
    this.slices.addHandler({
      delete: (s) => { if (s.metadata.labels?.[MANAGED_BY_LABEL] === MIRRORING_CONTROLLER) this.queue.add(`${s.metadata.namespace}/${s.metadata.labels[SERVICE_NAME_LABEL]}`); },
    });
    void Promise.all([this.services.waitForSync(), this.endpoints.waitForSync(), this.slices.waitForSync()]).then(() => this.queue.run(1, (k) => this.reconcile(k)));
  }

  async stop(): Promise<void> {
    await this.queue.stop();
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.services.get(namespace, name);
    const ep = this.endpoints.get(namespace, name);
    const existing = this.slices.byIndex('mirrored', key);
    const mirror = svc && ep && !(svc.spec.selector && Object.keys(svc.spec.selector).length)
      && ep.metadata.labels?.[SKIP_MIRROR] !== 'true';
    if (!mirror) {
      for (const s of existing) await this.remove(s);
      return;
    }
    const groups = new Map<string, DesiredGroup>();
    for (const subset of ep!.subsets ?? []) {
      const ports: SlicePorts = (subset.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
      const k = portsKey(ports);
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { ports, endpoints: new Map() }));
      for (const [list, ready] of [[subset.addresses, true], [subset.notReadyAddresses, false]] as const) {
        for (const a of list ?? []) {
          const e: EndpointSliceEndpoint = { addresses: [a.ip], conditions: { ready, serving: ready, terminating: false } };
          if (a.hostname) e.hostname = a.hostname;
          if (a.nodeName) e.nodeName = a.nodeName;
          if (a.targetRef) e.targetRef = a.targetRef;
          g.endpoints.set(a.ip, e);
        }
      }
    }
    const desired = groups.size ? [...groups.values()] : [{ ports: [] as SlicePorts, endpoints: new Map<string, EndpointSliceEndpoint>() }];
    const plan = planSlices(existing, desired, MAX_ENDPOINTS_PER_SLICE);
    const labels = { ...(ep!.metadata.labels ?? {}), [SERVICE_NAME_LABEL]: name!, [MANAGED_BY_LABEL]: MIRRORING_CONTROLLER };
    const annotations: Record<string, string> = {};
    const trigger = ep!.metadata.annotations?.[LAST_CHANGE_TRIGGER];
    if (trigger) annotations[LAST_CHANGE_TRIGGER] = trigger;
    const client = this.ctx.client;
    try {
      for (const c of plan.create) {
        await client.create(R.endpointslices, namespace, {
          metadata: { generateName: `${name}-`, namespace, labels, annotations, ownerReferences: [ownerRefTo(ep!, 'v1', 'Endpoints')] },
          addressType: 'IPv4', endpoints: c.endpoints, ports: c.ports,
        } as EndpointSlice);
      }
      for (const u of plan.update) await client.update(R.endpointslices, { ...u.slice, metadata: { ...u.slice.metadata, labels, annotations }, endpoints: u.endpoints });
      for (const s of plan.delete) await this.remove(s);
    } catch (err) {
      if (isApiError(err, 'Conflict') || isApiError(err, 'AlreadyExists')) { this.queue.addAfter(key, 50); return; }
      if (isApiError(err, 'Forbidden') || isApiError(err, 'NotFound')) return;
      throw err;
    }
  }

  private async remove(s: EndpointSlice): Promise<void> {
    try {
      await this.ctx.client.delete(R.endpointslices, s.metadata.namespace, s.metadata.name!);
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }
}

