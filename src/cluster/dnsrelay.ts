// The node network's way to the host's resolvers: the cluster's namespaces have no route off the
// machine, so the control plane answers DNS on the underlay's gateway address and relays each
// query, from the host namespace, to the resolvers the host itself uses (its /etc/resolv.conf,
// a local stub such as 127.0.0.53 included: the relay runs where that stub lives). Nodes use the
// gateway as their nameserver, so pods with dnsPolicy Default, and cluster DNS forwarding names
// outside the cluster zone, resolve what the host resolves. Only cluster addresses are served.

import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type Server, type Socket } from 'node:net';
import type { NetnsBroker } from '../platform/index.js';

const QUERY_TIMEOUT_MS = 5000;
const MAX_PENDING = 4096;

/** The nameservers of a resolv.conf text. */
export function nameservers(resolvConf: string): string[] {
  return resolvConf.split('\n').map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1]).filter((x): x is string => !!x && !x.includes(':'));
}

/** A node's resolv.conf: the gateway as nameserver, the host's search domains and options kept. */
export function nodeResolvConf(hostResolvConf: string, gatewayIP: string): string {
  const keep = hostResolvConf.split('\n').filter((l) => /^\s*(search|domain|options)\s/.test(l));
  return [`nameserver ${gatewayIP}`, ...keep, ''].join('\n');
}

interface Pending {
  reply: (msg: Buffer) => void;
  id: number;
  timer: NodeJS.Timeout;
}

export class DnsRelay {
  private udp?: dgram.Socket;
  private tcp?: Server;
  private upstream?: dgram.Socket;
  private readonly pending = new Map<number, Pending>();
  private readonly conns = new Set<Socket>();

  constructor(
    private readonly broker: NetnsBroker,
    private readonly listenIP: string,
    private readonly allowed: (ip: string) => boolean,
    private readonly log: (line: string) => void,
    private readonly resolvConfPath = '/etc/resolv.conf',
    /** The DNS port, on the gateway and at the upstream resolvers (tests use others). */
    private readonly ports = { listen: 53, upstream: 53 },
  ) {}

  private upstreams(): string[] {
    try {
      return nameservers(readFileSync(this.resolvConfPath, 'utf8'));
    } catch {
      return [];
    }
  }

  async start(): Promise<void> {
    this.upstream = dgram.createSocket('udp4');
    this.upstream.on('message', (msg) => {
      if (msg.length < 2) return;
      const p = this.pending.get(msg.readUInt16BE(0));
      if (!p) return;
      this.pending.delete(msg.readUInt16BE(0));
      clearTimeout(p.timer);
      const out = Buffer.from(msg);
      out.writeUInt16BE(p.id, 0);
      p.reply(out);
    });
    this.upstream.on('error', (err) => this.log(`dns relay: ${err.message}`));
    await new Promise<void>((resolve) => this.upstream!.bind(0, resolve));

    this.udp = await this.broker.bindUdp(this.listenIP, this.ports.listen);
    this.udp.on('message', (msg, rinfo) => {
      if (!this.allowed(rinfo.address) || msg.length < 12) return;
      this.forwardUdp(msg, (reply) => this.udp?.send(reply, rinfo.port, rinfo.address));
    });
    this.tcp = await this.broker.listenTcp(this.listenIP, this.ports.listen);
    this.tcp.on('connection', (client: Socket) => this.serveTcp(client));
  }

  private forwardUdp(query: Buffer, reply: (msg: Buffer) => void): void {
    const server = this.upstreams()[0];
    if (!server || !this.upstream || this.pending.size >= MAX_PENDING) return;
    let relayId = randomInt(65536);
    for (let i = 0; i < 8 && this.pending.has(relayId); i++) relayId = randomInt(65536);
    if (this.pending.has(relayId)) return;
    const id = query.readUInt16BE(0);
    const timer = setTimeout(() => this.pending.delete(relayId), QUERY_TIMEOUT_MS);
    this.pending.set(relayId, { reply, id, timer });
    const out = Buffer.from(query);
    out.writeUInt16BE(relayId, 0);
    this.upstream.send(out, this.ports.upstream, server);
  }

  private serveTcp(client: Socket): void {
    if (!this.allowed(client.remoteAddress?.replace(/^::ffff:/, '') ?? '')) {
      client.destroy();
      return;
    }
    const server = this.upstreams()[0];
    if (!server) {
      client.destroy();
      return;
    }
    // TCP queries are relayed over TCP as they are (length-prefixed), one upstream connection each.
    const upstream = connect({ host: server, port: this.ports.upstream });
    this.conns.add(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.conns.delete(client);
    };
    client.setTimeout(QUERY_TIMEOUT_MS * 2, close);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  }

  async stop(): Promise<void> {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    for (const c of this.conns) c.destroy();
    this.udp?.close();
    this.tcp?.close();
    this.upstream?.close();
  }
}
