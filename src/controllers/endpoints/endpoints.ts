// Endpoints controller: the core/v1 Endpoints of every Service with a selector, as upstream
// writes them: ready pods in addresses, the others in notReadyAddresses (all in addresses with
// publishNotReadyAddresses), subsets grouped by port set, at most 1000 addresses.
// Services without a selector keep the Endpoints their users write.

import { isApiError } from '../../kube/errors.js';
import type { EndpointAddress, EndpointPort, Endpoints, EndpointSubset, Pod, Service } from '../../kube/types.js';
import { NAMESPACE_INDEX } from '../../client/factory.js';
import { splitKey, type Informer } from '../../client/informer.js';
import { R } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import { canonicalJson, type Controller, type ControllerContext } from '../common.js';
import { HEADLESS_LABEL, isHeadless, LAST_CHANGE_TRIGGER, podEndpoints, TriggerTimes } from './podendpoints.js';
import { watchServicePods } from './watch.js';

const MAX_ADDRESSES = 1000;
const OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';

const ipKey = (ip: string) => ip.split('.').map((o) => o.padStart(3, '0')).join('.');

/** Groups addresses by identical port sets and sorts everything, as upstream's RepackSubsets. */
export function buildSubsets(entries: { address: EndpointAddress; ready: boolean; ports: EndpointPort[] }[]): EndpointSubset[] {
  const groups = new Map<string, EndpointSubset>();
  for (const e of entries) {
    const ports = [...e.ports].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port);
    const key = canonicalJson(ports);
    let subset = groups.get(key);
    if (!subset) groups.set(key, (subset = { ports }));
    const list = e.ready ? (subset.addresses ??= []) : (subset.notReadyAddresses ??= []);
    list.push(e.address);
  }
  const subsets = [...groups.values()];
  for (const s of subsets) {
    s.addresses?.sort((a, b) => ipKey(a.ip).localeCompare(ipKey(b.ip)));
    s.notReadyAddresses?.sort((a, b) => ipKey(a.ip).localeCompare(ipKey(b.ip)));
  }
  return subsets.sort((a, b) => canonicalJson(a.ports).localeCompare(canonicalJson(b.ports)));
}

export class EndpointsController implements Controller {
  readonly name = 'endpoint-controller';
  private readonly queue: WorkQueue;
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly endpoints: Informer<Endpoints>;
  private readonly triggers = new TriggerTimes();

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue({ name: this.name, log: ctx.log(this.name) });
    this.services = ctx.informers.get<Service>(R.services);
    this.pods = ctx.informers.get<Pod>(R.pods);
    this.endpoints = ctx.informers.get<Endpoints>(R.endpoints);
  }

  start(): void {
    watchServicePods(this.services, this.pods, (key) => {
      this.triggers.changed(key);
      this.queue.add(key);
    });
    void Promise.all([this.services.waitForSync(), this.pods.waitForSync(), this.endpoints.waitForSync()]).then(() => {
      this.queue.run(2, (k) => this.reconcile(k));
      // Endpoints left behind by Services deleted while the controller was down.
      for (const ep of this.endpoints.list()) if (!this.services.get(ep.metadata.namespace, ep.metadata.name!)) this.queue.add(`${ep.metadata.namespace}/${ep.metadata.name}`);
    });
  }

  async stop(): Promise<void> {
    await this.queue.stop();
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.services.get(namespace, name);
    const current = this.endpoints.get(namespace, name);
    const client = this.ctx.client;
    if (!svc) {
      if (current && !current.metadata.labels?.['endpointslice.kubernetes.io/skip-mirror']) {
        // Only Endpoints this controller manages go with their Service: those of a selector Service.
        try { await client.delete(R.endpoints, namespace, name); } catch (err) { if (!isApiError(err, 'NotFound')) throw err; }
      }
      return;
    }
    if (!svc.spec.selector || Object.keys(svc.spec.selector).length === 0) return;
    const eps = podEndpoints(svc, this.pods.byIndex(NAMESPACE_INDEX, namespace!), false);
    const entries = eps.filter((e) => e.ports.length > 0 || (svc.spec.ports ?? []).length === 0 && isHeadless(svc)).map((e) => {
      const address: EndpointAddress = { ip: e.ip };
      if (e.hostname) address.hostname = e.hostname;
      if (e.pod.spec.nodeName) address.nodeName = e.pod.spec.nodeName;
      address.targetRef = { kind: 'Pod', namespace: e.pod.metadata.namespace, name: e.pod.metadata.name, uid: e.pod.metadata.uid };
      return { address, ready: e.ready, ports: e.ports };
    });
    let subsets = buildSubsets(entries);
    let truncated = false;
    const total = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
    if (total > MAX_ADDRESSES) {
      truncated = true;
      let budget = MAX_ADDRESSES;
      subsets = subsets.map((s) => {
        const a = (s.addresses ?? []).slice(0, budget);
        budget -= a.length;
        const nr = (s.notReadyAddresses ?? []).slice(0, Math.max(budget, 0));
        budget -= nr.length;
        return { ...s, addresses: a.length ? a : undefined, notReadyAddresses: nr.length ? nr : undefined };
      }).filter((s) => s.addresses || s.notReadyAddresses);
    }

    const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
    if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
    const same = current && canonicalJson(current.subsets ?? []) === canonicalJson(subsets)
      && canonicalJson(current.metadata.labels ?? {}) === canonicalJson(labels)
      && (current.metadata.annotations?.[OVER_CAPACITY] === 'truncated') === truncated;
    if (same) return;
    const annotations: Record<string, string> = { ...(current?.metadata.annotations ?? {}) };
    annotations[LAST_CHANGE_TRIGGER] = this.triggers.take(key);
    if (truncated) annotations[OVER_CAPACITY] = 'truncated';
    else delete annotations[OVER_CAPACITY];
    const desired: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, labels, annotations }, subsets };
    try {
      if (current) await client.update(R.endpoints, { ...desired, metadata: { ...current.metadata, labels, annotations } });
      else await client.create(R.endpoints, namespace, desired);
    } catch (err) {
      if (isApiError(err, 'Conflict') || isApiError(err, 'AlreadyExists')) { this.queue.add(key); return; }
      if (isApiError(err, 'Forbidden') || isApiError(err, 'NotFound')) return; // the namespace is going away
      throw err;
    }
  }
}
