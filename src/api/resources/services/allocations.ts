// Cluster IPs, node ports and health check node ports of Services (pkg/registry/core/service/
// storage/alloc.go). Every write gets a Reservation: what it newly took is given back on
// rollback; what it no longer needs is given back only on commit, so a failed update loses nothing.

import { errors, invalid, type FieldError } from '../../../kube/errors.js';
import type { Reservation } from '../../resource.js';
import type { Service } from '../../../kube/types.js';
import { index } from '../../validation/fieldpath.js';
import { isRecord, list, record } from '../../validation/values.js';
import { AllocationError, ClusterIPAllocator } from './ip-allocator.js';
import { NodePortAllocator } from './port-allocator.js';
import { isHeadless, needsHealthCheck, needsNodePort, shouldAllocateNodePorts, specOf } from './strategy.js';

export interface ServiceAllocatorOptions {
  /** e.g. "10.96.0.0/12". */
  serviceCIDR: string;
  /** e.g. [30000, 32767] or "30000-32767". */
  nodePortRange: string | [number, number];
  /** Addresses handed out only when asked for by name (the `kubernetes` and DNS Service IPs). */
  reservedIPs?: string[];
}

const nodePortsOf = (svc: Service): number[] =>
  list<Record<string, unknown>>(specOf(svc).ports).map((p) => record(p).nodePort).filter((n): n is number => typeof n === 'number' && n !== 0);

const clusterIPsOf = (svc: Service): string[] =>
  specOf(svc).type === 'ExternalName' || isHeadless(svc) ? [] : list<string>(specOf(svc).clusterIPs).filter((ip) => typeof ip === 'string' && ip !== '' && ip !== 'None');

function invalidService(svc: Service, errs: FieldError[]) {
  return errors.invalid('', 'Service', svc.metadata?.name ?? '', errs);
}

/** One write's allocations: taken now, given back on rollback; releases wait for commit. */
class ServiceReservation implements Reservation {
  private done = false;
  private readonly takenIPs: string[] = [];
  private readonly takenPorts: number[] = [];
  private readonly freeIPs: string[] = [];
  private readonly freePorts: number[] = [];

  constructor(private readonly ips: ClusterIPAllocator, private readonly ports: NodePortAllocator) {}

  allocateIP(ip: string): void { this.ips.allocate(ip); this.takenIPs.push(ip); }
  allocateNextIP(): string { const ip = this.ips.allocateNext(); this.takenIPs.push(ip); return ip; }
  allocatePort(port: number): void { this.ports.allocate(port); this.takenPorts.push(port); }
  allocateNextPort(): number { const p = this.ports.allocateNext(); this.takenPorts.push(p); return p; }
  releaseIPOnCommit(ip: string): void { this.freeIPs.push(ip); }
  releasePortOnCommit(port: number): void { this.freePorts.push(port); }

  commit(): void {
    if (this.done) return;
    this.done = true;
    for (const ip of this.freeIPs) this.ips.release(ip);
    for (const p of this.freePorts) this.ports.release(p);
  }

  rollback(): void {
    if (this.done) return;
    this.done = true;
    for (const ip of this.takenIPs) this.ips.release(ip);
    for (const p of this.takenPorts) this.ports.release(p);
  }
}

export class ServiceAllocations {
  readonly ips: ClusterIPAllocator;
  readonly ports: NodePortAllocator;

  constructor(options: ServiceAllocatorOptions) {
    this.ips = new ClusterIPAllocator(options.serviceCIDR, options.reservedIPs ?? []);
    this.ports = new NodePortAllocator(options.nodePortRange);
  }

  /** Allocates what a new Service needs, filling in spec.clusterIP(s), node ports and healthCheckNodePort. */
  allocateCreate(svc: Service): Reservation {
    const r = new ServiceReservation(this.ips, this.ports);
    try {
      this.allocClusterIPs(svc, r);
      if (needsNodePort(svc)) this.initNodePorts(svc, r);
      if (needsHealthCheck(svc)) this.allocHealthCheckNodePort(svc, r);
    } catch (err) {
      r.rollback();
      throw err;
    }
    return r;
  }

  /** Allocates and releases what a change of type, ports or traffic policy needs. */
  allocateUpdate(svc: Service, old: Service): Reservation {
    const r = new ServiceReservation(this.ips, this.ports);
    const s = specOf(svc);
    const o = specOf(old);
    try {
      if (o.type === 'ExternalName' && s.type !== 'ExternalName') this.allocClusterIPs(svc, r);
      else if (o.type !== 'ExternalName' && s.type === 'ExternalName') clusterIPsOf(old).forEach((ip) => r.releaseIPOnCommit(ip));

      if (needsNodePort(old) && !needsNodePort(svc)) nodePortsOf(old).forEach((p) => r.releasePortOnCommit(p));
      if (needsNodePort(svc)) this.updateNodePorts(svc, old, r);

      if (!needsHealthCheck(old) && needsHealthCheck(svc)) this.allocHealthCheckNodePort(svc, r);
      else if (needsHealthCheck(old) && !needsHealthCheck(svc) && o.healthCheckNodePort) r.releasePortOnCommit(o.healthCheckNodePort);
    } catch (err) {
      r.rollback();
      throw err;
    }
    return r;
  }

  /** After a Service left the store: everything it held. */
  release(svc: Service): void {
    clusterIPsOf(svc).forEach((ip) => this.ips.release(ip));
    nodePortsOf(svc).forEach((p) => this.ports.release(p));
    const hc = specOf(svc).healthCheckNodePort;
    if (needsHealthCheck(svc) && hc) this.ports.release(hc);
  }

  /** Rebuilds the allocations from stored Services (at start). Values outside the ranges are ignored. */
  restore(services: Service[]): void {
    this.ips.reset();
    this.ports.reset();
    const tryTake = (fn: () => void) => {
      try { fn(); } catch (err) { if (!(err instanceof AllocationError)) throw err; }
    };
    for (const svc of services) {
      if (!isRecord(svc?.spec)) continue;
      clusterIPsOf(svc).forEach((ip) => tryTake(() => this.ips.allocate(ip)));
      nodePortsOf(svc).forEach((p) => tryTake(() => this.ports.allocate(p)));
      const hc = specOf(svc).healthCheckNodePort;
      if (needsHealthCheck(svc) && hc) tryTake(() => this.ports.allocate(hc));
    }
  }

  private allocClusterIPs(svc: Service, r: ServiceReservation): void {
    const s = specOf(svc);
    if (s.type === 'ExternalName' || isHeadless(svc)) return;
    const families = list<string>(s.ipFamilies).length ? list<string>(s.ipFamilies) : [this.ips.family];
    const requested = [...list<string>(s.clusterIPs)];
    const result = [...requested];
    families.forEach((family, i) => {
      if (family !== this.ips.family) return;
      const ip = requested[i] ?? '';
      if (ip === '') {
        try {
          result[i] = r.allocateNextIP();
        } catch (err) {
          throw errors.internal(new Error(`failed to allocate a serviceIP: ${(err as Error).message}`));
        }
      } else {
        try {
          r.allocateIP(ip);
        } catch (err) {
          if (!(err instanceof AllocationError)) throw err;
          throw invalidService(svc, [invalid('spec.clusterIPs', requested, `failed to allocate IP ${ip}: ${err.message}`)]);
        }
      }
    });
    s.clusterIPs = result;
    s.clusterIP = result[0];
  }

  /** Ports that share a port number (TCP and UDP 53, say) share a node port. */
  private initNodePorts(svc: Service, r: ServiceReservation): void {
    const ports = list<Record<string, unknown>>(specOf(svc).ports).filter(isRecord);
    const byPort = new Map<unknown, number>();
    ports.forEach((p, i) => {
      const requested = typeof p.nodePort === 'number' ? p.nodePort : 0;
      if (requested === 0 && !shouldAllocateNodePorts(svc)) return;
      const shared = byPort.get(p.port) ?? 0;
      if (shared === 0) {
        const np = ports.find((q) => q.port === p.port && typeof q.nodePort === 'number' && q.nodePort !== 0)?.nodePort as number | undefined;
        if (np) {
          this.takePort(svc, r, np, i);
          p.nodePort = np;
          byPort.set(p.port, np);
        } else {
          p.nodePort = this.nextPort(r);
          byPort.set(p.port, p.nodePort as number);
        }
      } else if (requested !== shared) {
        if (requested === 0) p.nodePort = shared;
        else this.takePort(svc, r, requested, i);
      }
    });
  }

  private updateNodePorts(svc: Service, old: Service, r: ServiceReservation): void {
    const oldPorts = nodePortsOf(old);
    const taken = new Set<number>();
    list<Record<string, unknown>>(specOf(svc).ports).forEach((p, i) => {
      if (!isRecord(p)) return;
      const np = typeof p.nodePort === 'number' ? p.nodePort : 0;
      if (np === 0 && !shouldAllocateNodePorts(svc)) return;
      if (np !== 0) {
        if (!oldPorts.includes(np) && !taken.has(np)) {
          this.takePort(svc, r, np, i);
          taken.add(np);
        }
      } else {
        p.nodePort = this.nextPort(r);
      }
    });
    const newPorts = nodePortsOf(svc);
    for (const p of oldPorts) if (!newPorts.includes(p)) r.releasePortOnCommit(p);
  }

  private allocHealthCheckNodePort(svc: Service, r: ServiceReservation): void {
    const s = specOf(svc);
    const hc = s.healthCheckNodePort ?? 0;
    try {
      if (hc) r.allocatePort(hc);
      else s.healthCheckNodePort = r.allocateNextPort();
    } catch (err) {
      if (!(err instanceof AllocationError)) throw err;
      throw errors.internal(new Error(hc
        ? `failed to allocate requested HealthCheck NodePort ${hc}: ${err.message}`
        : `failed to allocate a HealthCheck NodePort ${hc}: ${err.message}`));
    }
  }

  private takePort(svc: Service, r: ServiceReservation, port: number, i: number): void {
    try {
      r.allocatePort(port);
    } catch (err) {
      if (!(err instanceof AllocationError)) throw err;
      throw invalidService(svc, [invalid(`${index('spec.ports', i)}.nodePort`, port, err.message)]);
    }
  }

  private nextPort(r: ServiceReservation): number {
    try {
      return r.allocateNextPort();
    } catch (err) {
      throw errors.internal(new Error(`failed to allocate a nodePort: ${(err as Error).message}`));
    }
  }
}
