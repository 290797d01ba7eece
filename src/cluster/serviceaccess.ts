// Reaching Services from outside the cluster: the underlay routes each LoadBalancer IP to the
// nodes that should take it (all ready nodes, or with externalTrafficPolicy Local only those with
// a ready local endpoint, as a cloud load balancer's health checks would find), and the host
// relays 127.0.0.1:<nodePort> to a node (TCP and UDP), as Docker Desktop does for the seeds'
// `curl http://localhost:30080`.

import dgram from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { EndpointSlice, Node, Service } from '../kube/types.js';
import type { InformerFactory } from '../client/factory.js';
import { keyOf } from '../client/informer.js';
import { R } from '../client/resources.js';
import type { NetnsBroker } from '../platform/index.js';
import { loadBalancerRoutes, routeLoadBalancerIP, unrouteLoadBalancerIP } from './topology/index.js';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

interface Relay {
  key: string;
  close(): void;
}

const nodeReady = (n: Node) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const internalIP = (n: Node) => n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;

export class ServiceAccess {
  private readonly relays = new Map<string, Relay>();
  private readonly lbRoutes = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private syncing = false;
  private pending = false;
  private stopped = false;
  private next = 0;

  constructor(
    private readonly clusterName: string,
    private readonly informers: InformerFactory,
    private readonly broker: NetnsBroker,
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    const kick = () => this.schedule();
    for (const ref of [R.services, R.endpointslices, R.nodes]) {
      this.informers.get(ref).addHandler({ add: kick, update: kick, delete: kick });
    }
    void loadBalancerRoutes(this.clusterName).then((routes) => {
      for (const [ip, nodes] of routes) this.lbRoutes.set(ip, nodes.join(','));
      this.schedule();
    }).catch((err) => this.log(`service access: reading LoadBalancer routes: ${(err as Error).message}`));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const r of this.relays.values()) r.close();
    this.relays.clear();
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    // Coalesce bursts of changes into one sync.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sync();
    }, 20);
  }

  private readyNodeIPs(): string[] {
    return this.informers.get<Node>(R.nodes).list().filter(nodeReady).map(internalIP).filter(Boolean) as string[];
  }

  /** Nodes that should take external traffic for svc. */
  private targets(svc: Service): string[] {
    const ready = this.informers.get<Node>(R.nodes).list().filter(nodeReady);
    if (svc.spec.externalTrafficPolicy !== 'Local') return ready.map(internalIP).filter(Boolean) as string[];
    const local = new Set<string>();
    for (const s of this.informers.get<EndpointSlice>(R.endpointslices).list()) {
      if (s.metadata.namespace !== svc.metadata.namespace || s.metadata.labels?.[SERVICE_NAME_LABEL] !== svc.metadata.name) continue;
      for (const e of s.endpoints ?? []) if (e.conditions?.ready !== false && e.nodeName) local.add(e.nodeName);
    }
    return ready.filter((n) => local.has(n.metadata.name!)).map(internalIP).filter(Boolean) as string[];
  }

  private async sync(): Promise<void> {
    if (this.syncing) { this.pending = true; return; }
    this.syncing = true;
    try {
      const services = this.informers.get<Service>(R.services).list();
      await this.syncLoadBalancers(services);
      this.syncRelays(services);
    } catch (err) {
      this.log(`service access: ${(err as Error).message}`);
    } finally {
      this.syncing = false;
      if (this.pending) { this.pending = false; this.schedule(); }
    }
  }

  private async syncLoadBalancers(services: Service[]): Promise<void> {
    const want = new Map<string, string[]>();
    for (const svc of services) {
      if (svc.spec.type !== 'LoadBalancer') continue;
      for (const ing of svc.status?.loadBalancer?.ingress ?? []) if (ing.ip) want.set(ing.ip, this.targets(svc).sort());
    }
    for (const [ip, nodes] of want) {
      const joined = nodes.join(',');
      if (this.lbRoutes.get(ip) === joined) continue;
      await routeLoadBalancerIP(this.clusterName, ip, nodes);
      this.lbRoutes.set(ip, joined);
    }
    for (const ip of [...this.lbRoutes.keys()]) {
      if (want.has(ip)) continue;
      await unrouteLoadBalancerIP(this.clusterName, ip);
      this.lbRoutes.delete(ip);
    }
  }

  private syncRelays(services: Service[]): void {
    const want = new Map<string, { svc: Service; port: number; protocol: string }>();
    for (const svc of services) {
      if (svc.spec.type !== 'NodePort' && svc.spec.type !== 'LoadBalancer') continue;
      for (const p of svc.spec.ports ?? []) {
        if (!p.nodePort || (p.protocol ?? 'TCP') === 'SCTP') continue;
        want.set(`${(p.protocol ?? 'TCP').toLowerCase()}/${p.nodePort}`, { svc, port: p.nodePort, protocol: p.protocol ?? 'TCP' });
      }
    }
    for (const [k, relay] of this.relays) {
      if (!want.has(k)) { relay.close(); this.relays.delete(k); }
    }
    for (const [k, w] of want) {
      if (this.relays.has(k)) continue;
      const svcKey = keyOf(w.svc);
      const pick = () => {
        const svc = this.informers.get<Service>(R.services).getByKey(svcKey);
        const nodes = svc ? this.targets(svc) : this.readyNodeIPs();
        return nodes.length ? nodes[this.next++ % nodes.length] : undefined;
      };
      this.relays.set(k, w.protocol === 'UDP' ? this.udpRelay(k, w.port, pick) : this.tcpRelay(k, w.port, pick));
    }
  }

  private tcpRelay(key: string, port: number, pick: () => string | undefined): Relay {
    const server: Server = createServer((client: Socket) => {
      const node = pick();
      if (!node) { client.destroy(); return; }
      client.pause();
      this.broker.connectTcp(node, port, { timeoutMs: 5000 }).then((upstream) => {
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
        const close = () => { client.destroy(); upstream.destroy(); };
        client.on('error', close);
        upstream.on('error', close);
        client.on('close', close);
        upstream.on('close', close);
      }, () => client.destroy());
    });
    server.on('error', (err) => this.log(`relay 127.0.0.1:${port}/TCP: ${err.message} (the port is taken on this host; the Service is still reachable at every node IP)`));
    server.listen(port, '127.0.0.1');
    return { key, close: () => server.close() };
  }

  private udpRelay(key: string, port: number, pick: () => string | undefined): Relay {
    const socket = dgram.createSocket('udp4');
    const sessions = new Map<string, { upstream: Promise<dgram.Socket>; node: string; idle: NodeJS.Timeout }>();
    const endSession = (id: string) => {
      const s = sessions.get(id);
      if (!s) return;
      sessions.delete(id);
      clearTimeout(s.idle);
      void s.upstream.then((u) => u.close(), () => undefined);
    };
    socket.on('message', (msg, rinfo) => {
      const id = `${rinfo.address}:${rinfo.port}`;
      let s = sessions.get(id);
      if (!s) {
        const node = pick();
        if (!node) return;
        const upstream = this.broker.bindUdp('0.0.0.0', 0).then((u) => {
          u.on('message', (reply) => socket.send(reply, rinfo.port, rinfo.address));
          return u;
        });
        s = { upstream, node, idle: setTimeout(() => endSession(id), 30_000) };
        sessions.set(id, s);
      }
      s.idle.refresh();
      const { node } = s;
      void s.upstream.then((u) => u.send(msg, port, node), () => endSession(id));
    });
    socket.on('error', (err) => this.log(`relay 127.0.0.1:${port}/UDP: ${err.message}`));
    socket.bind(port, '127.0.0.1');
    return {
      key,
      close: () => {
        for (const id of [...sessions.keys()]) endSession(id);
        socket.close();
      },
    };
  }
}
