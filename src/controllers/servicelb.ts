// ServiceLB: hands out LoadBalancer IPs from a configured pool, the role MetalLB plays on
// premises in the seeds. A Service of type LoadBalancer gets status.loadBalancer.ingress (so
// EXTERNAL-IP shows); with no pool, or the pool exhausted, it stays <pending>.

import { isApiError } from '../kube/errors.js';
import type { Service } from '../kube/types.js';
import { keyOf, splitKey, type Informer } from '../client/informer.js';
import { R } from '../client/resources.js';
import { WorkQueue } from '../client/workqueue.js';
import type { Controller, ControllerContext } from './common.js';

const ipToInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0) >>> 0;
const intToIp = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** Parses "172.18.255.200-172.18.255.250" or "172.18.255.0/28" into the addresses it holds. */
export function parsePool(pool: string): string[] {
  if (!pool.trim()) return [];
  const out: string[] = [];
  for (const part of pool.split(',').map((p) => p.trim()).filter(Boolean)) {
    let first: number;
    let last: number;
    if (part.includes('/')) {
      const [base, bits] = part.split('/');
      const size = 2 ** (32 - Number(bits));
      first = ipToInt(base);
      last = first + size - 1;
      if (size > 2) { first += 1; last -= 1; }
    } else if (part.includes('-')) {
      const [a, b] = part.split('-');
      first = ipToInt(a);
      last = ipToInt(b);
    } else {
      first = last = ipToInt(part);
    }
    if (!(last >= first) || last - first > 65535) throw new Error(`LoadBalancer pool ${JSON.stringify(part)}: expected first-last, a CIDR or an address`);
    for (let i = first; i <= last; i++) out.push(intToIp(i));
  }
  return out;
}

const wantsIP = (s: Service) => s.spec.type === 'LoadBalancer' && !s.spec.loadBalancerClass && !s.metadata.deletionTimestamp;
const assigned = (s: Service) => (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter(Boolean) as string[];

export class ServiceLBController implements Controller {
  readonly name = 'service-lb-controller';
  private readonly queue: WorkQueue;
  private readonly services: Informer<Service>;
  private readonly pool: string[];
  /** Addresses assigned by this controller, ahead of the cache showing them. */
  private readonly recent = new Map<string, string>();

  constructor(private readonly ctx: ControllerContext, pool: string) {
    this.queue = new WorkQueue({ name: this.name, log: ctx.log(this.name) });
    this.services = ctx.informers.get<Service>(R.services);
    this.pool = parsePool(pool);
  }

  start(): void {
    this.services.addHandler({ add: (s) => this.queue.add(keyOf(s)), update: (_o, s) => this.queue.add(keyOf(s)) });
    // A released address may let a pending Service through.
    this.services.addHandler({ delete: () => this.retryPending(), update: (o, s) => { if (wantsIP(o) && !wantsIP(s)) this.retryPending(); } });
    void this.services.waitForSync().then(() => this.queue.run(1, (k) => this.reconcile(k)));
  }

  async stop(): Promise<void> {
    await this.queue.stop();
  }

  private retryPending(): void {
    for (const s of this.services.list()) if (wantsIP(s) && assigned(s).length === 0) this.queue.add(keyOf(s));
  }

  private inUse(except: string): Set<string> {
    const used = new Set<string>();
    for (const s of this.services.list()) if (keyOf(s) !== except && wantsIP(s)) for (const ip of assigned(s)) used.add(ip);
    for (const [k, ip] of this.recent) {
      const s = this.services.getByKey(k);
      if (k !== except && s && wantsIP(s)) used.add(ip);
      else if (!s || !wantsIP(s)) this.recent.delete(k);
    }
    return used;
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.services.get(namespace, name);
    if (!svc) return;
    const have = assigned(svc);
    if (!wantsIP(svc)) {
      if (have.length && !svc.spec.loadBalancerClass) await this.setIngress(svc, []);
      return;
    }
    const used = this.inUse(key);
    const requested = svc.spec.loadBalancerIP || svc.metadata.annotations?.['metallb.universe.tf/loadBalancerIPs'];
    if (have.length && have.every((ip) => this.pool.includes(ip) && !used.has(ip)) && (!requested || have.includes(requested))) return;
    const recorder = this.ctx.recorder(this.name);
    let ip: string | undefined;
    if (requested) {
      if (!this.pool.includes(requested) || used.has(requested)) {
        recorder.event(svc, 'Warning', 'AllocationFailed', `Failed to allocate IP for "${key}": ${this.pool.includes(requested) ? `"${requested}" is already in use` : `"${requested}" is not allowed in config`}`);
        return;
      }
      ip = requested;
    } else {
      ip = this.pool.find((a) => !used.has(a));
    }
    if (!ip) {
      if (this.pool.length) recorder.event(svc, 'Warning', 'AllocationFailed', `Failed to allocate IP for "${key}": no available IPs`);
      return;
    }
    await this.setIngress(svc, [ip]);
    this.recent.set(key, ip);
    recorder.event(svc, 'Normal', 'IPAllocated', `Assigned IP ["${ip}"]`);
  }

  private async setIngress(svc: Service, ips: string[]): Promise<void> {
    try {
      await this.ctx.client.patch(R.services, svc.metadata.namespace, svc.metadata.name!, {
        status: { loadBalancer: ips.length ? { ingress: ips.map((ip) => ({ ip, ipMode: 'VIP' })) } : {} },
      }, 'merge', 'status');
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }
}
