// Helpers for the DNS tests and benchmark: Kubernetes objects in a line, a small DNS client, and
// an upstream resolver on loopback that answers from a table and counts what it is asked (tests
// forward to it, never to the host's configured nameserver).

import dgram from 'node:dgram';
import net from 'node:net';
import type { EndpointSlice, Service } from '../kube/types.js';
import { decodeMessage } from './wire/decode.js';
import { encodeMessage } from './wire/encode.js';
import { emptyMessage, type Edns, type Message, type ResourceRecord } from './wire/types.js';

export function clusterIPService(ns: string, name: string, ip: string | string[], ports: { name?: string; port: number; protocol?: 'TCP' | 'UDP' }[] = [{ port: 80 }]): Service {
  const ips = Array.isArray(ip) ? ip : [ip];
  return { metadata: { name, namespace: ns }, spec: { type: 'ClusterIP', clusterIP: ips[0], clusterIPs: ips, ports: ports.map((p) => ({ protocol: 'TCP', ...p })) } };
}

export function headlessService(ns: string, name: string, ports: { name?: string; port: number }[] = []): Service {
  return { metadata: { name, namespace: ns }, spec: { clusterIP: 'None', clusterIPs: ['None'], ports: ports.map((p) => ({ protocol: 'TCP' as const, ...p })) } };
}

export function externalNameService(ns: string, name: string, target: string): Service {
  return { metadata: { name, namespace: ns }, spec: { type: 'ExternalName', externalName: target } };
}

export interface SliceEndpoint { ip: string; hostname?: string; ready?: boolean; pod?: string }

export function endpointSlice(ns: string, service: string, endpoints: SliceEndpoint[], ports: { name?: string; port: number; protocol?: string }[] = [{ port: 80 }], name = `${service}-abcde`): EndpointSlice {
  return {
    metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': service } },
    addressType: endpoints[0]?.ip.includes(':') ? 'IPv6' : 'IPv4',
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      ...(e.hostname ? { hostname: e.hostname } : {}),
      ...(e.ready === undefined ? {} : { conditions: { ready: e.ready } }),
      ...(e.pod ? { targetRef: { kind: 'Pod', namespace: ns, name: e.pod } } : {}),
    })),
    ports: ports.map((p) => ({ protocol: 'TCP', ...p })),
  };
}

let nextId = 1;

/** A query message: recursion desired, optional EDNS0. */
export function query(name: string, type: number, opts: { edns?: Partial<Edns>; cls?: number; id?: number } = {}): Message {
  const m = emptyMessage(opts.id ?? (nextId++ & 0xffff));
  m.rd = true;
  m.questions = [{ name, type, class: opts.cls ?? 1 }];
  if (opts.edns) m.edns = { udpSize: 1232, version: 0, dnssecOk: false, options: [], ...opts.edns };
  return m;
}

/** Sends raw bytes over UDP and returns the first datagram back (rejects after `timeoutMs`). */
export function udpExchange(port: number, packet: Buffer, timeoutMs = 3000, host = '127.0.0.1'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => { s.close(); reject(new Error('no UDP reply')); }, timeoutMs);
    s.on('message', (m) => { clearTimeout(timer); s.close(); resolve(m); });
    s.send(packet, port, host);
  });
}

/** Sends each query over one TCP connection and returns the replies in arrival order. */
export function tcpExchange(port: number, packets: Buffer[], host = '127.0.0.1'): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const out: Buffer[] = [];
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`only ${out.length} TCP replies`)); }, 5000);
    sock.on('connect', () => {
      for (const p of packets) {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(p.length);
        sock.write(Buffer.concat([len, p]));
      }
    });
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        out.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
      if (out.length === packets.length) { clearTimeout(timer); sock.destroy(); resolve(out); }
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

export async function ask(port: number, m: Message, proto: 'udp' | 'tcp' = 'udp'): Promise<Message> {
  const bytes = encodeMessage(m);
  const reply = proto === 'udp' ? await udpExchange(port, bytes) : (await tcpExchange(port, [bytes]))[0];
  return decodeMessage(reply);
}

export interface UpstreamAnswer {
  rcode?: number;
  answers?: ResourceRecord[];
  authorities?: ResourceRecord[];
  /** Never answer (to test timeouts and failover). */
  silent?: boolean;
}

/**
 * A resolver on 127.0.0.1 (UDP and TCP, same port) answering from `table`, keyed by
 * "name TYPE" in lower case, else NXDOMAIN with an SOA. Over UDP it truncates to 512 octets.
 */
export class StubUpstream {
  readonly asked: { name: string; type: number; proto: 'udp' | 'tcp' }[] = [];
  private udp = dgram.createSocket('udp4');
  private tcp = net.createServer((c) => this.serveTcp(c));
  private readonly conns = new Set<net.Socket>();

  constructor(public table: Map<string, UpstreamAnswer> = new Map()) {}

  get port(): number { return (this.udp.address() as net.AddressInfo).port; }

  async start(): Promise<this> {
    for (;;) {
      await new Promise<void>((r) => this.udp.bind(0, '127.0.0.1', () => r()));
      const ok = await new Promise<boolean>((r) => {
        this.tcp.once('error', () => r(false));
        this.tcp.listen(this.port, '127.0.0.1', () => r(true));
      });
      if (ok) break;
      await new Promise<void>((r) => this.udp.close(() => r()));
      this.udp = dgram.createSocket('udp4');
    }
    this.udp.on('message', (m, rinfo) => {
      const out = this.answer(m, 'udp', 512);
      if (out) this.udp.send(out, rinfo.port, rinfo.address);
    });
    return this;
  }

  private answer(packet: Buffer, proto: 'udp' | 'tcp', maxSize: number): Buffer | null {
    const q = decodeMessage(packet);
    const question = q.questions[0];
    this.asked.push({ name: question.name, type: question.type, proto });
    const entry = this.table.get(`${question.name.toLowerCase()} ${question.type}`);
    if (entry?.silent) return null;
    const r: Message = { ...emptyMessage(q.id), qr: true, rd: q.rd, ra: true, questions: q.questions, ...(q.edns ? { edns: { udpSize: 1232, version: 0, dnssecOk: false, options: [] } } : {}) };
    if (entry) {
      r.rcode = entry.rcode ?? 0;
      r.answers = entry.answers ?? [];
      r.authorities = entry.authorities ?? [];
    } else {
      r.rcode = 3;
      r.authorities = [{ name: '.', type: 6, class: 1, ttl: 60, mname: 'a.root-servers.net.', rname: 'nstld.verisign-grs.com.', serial: 1, refresh: 1800, retry: 900, expire: 604800, minimum: 86400 }];
    }
    return encodeMessage(r, { maxSize });
  }

  private serveTcp(c: net.Socket): void {
    this.conns.add(c);
    c.on('close', () => this.conns.delete(c));
    let buf = Buffer.alloc(0);
    c.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const out = this.answer(buf.subarray(2, 2 + buf.readUInt16BE(0)), 'tcp', 65535);
        buf = buf.subarray(2 + buf.readUInt16BE(0));
        if (!out) continue;
        const len = Buffer.alloc(2);
        len.writeUInt16BE(out.length);
        c.write(Buffer.concat([len, out]));
      }
    });
    c.on('error', () => c.destroy());
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    await new Promise<void>((r) => this.udp.close(() => r()));
    await new Promise<void>((r) => this.tcp.close(() => r()));
  }
}
