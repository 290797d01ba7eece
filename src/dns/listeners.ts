// DNS over UDP and TCP on one address and port. TCP (RFC 7766): two-byte length prefix, several
// queries per connection answered as they complete, an idle timeout, a bound on queries in
// flight per connection and on connections. A zero-length frame closes the connection.

import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from './log.js';
import type { RequestInfo } from './query-handler.js';

export type PacketHandler = (packet: Buffer, info: RequestInfo) => Buffer | null | Promise<Buffer | null>;

export interface ListenerOptions {
  /** '' listens on every address. */
  host: string;
  /** 0 picks a free port, the same one for UDP and TCP. */
  port: number;
  /** The port queries are routed by (the Corefile's), when listening elsewhere (tests). Default: the bound port. */
  routePort?: number;
  handler: PacketHandler;
  logger: Logger;
  /** Close idle TCP connections after this long. Default 10 s (CoreDNS's). */
  tcpIdleMs?: number;
  maxTcpConnections?: number;
  /** Stop reading a connection while this many of its queries are unanswered. */
  maxTcpInFlight?: number;
}

export class DnsListener {
  private udp: dgram.Socket | null = null;
  private tcp: net.Server | null = null;
  private readonly conns = new Set<net.Socket>();
  private boundPort = 0;

  constructor(private readonly opts: ListenerOptions) {}

  get port(): number { return this.boundPort; }
  get host(): string { return this.opts.host; }

  async start(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const udp = await this.bindUdp(this.opts.port);
      const port = (udp.address() as net.AddressInfo).port;
      try {
        this.tcp = await this.listenTcp(port);
        this.udp = udp;
        this.boundPort = port;
        return;
      } catch (e) {
        udp.close();
        // with port 0, TCP may find the port UDP got already taken: try another
        if (this.opts.port !== 0 || attempt >= 20 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      }
    }
  }

  private bindUdp(port: number): Promise<dgram.Socket> {
    const host = this.opts.host;
    const v6 = host === '' || net.isIPv6(host);
    return new Promise((resolve, reject) => {
      const sock = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: false, reuseAddr: false });
      const onError = (e: Error): void => {
        sock.close();
        // no IPv6 on this host: listen on every IPv4 address instead
        if (host === '' && (e as NodeJS.ErrnoException).code === 'EAFNOSUPPORT') {
          const s4 = dgram.createSocket('udp4');
          s4.once('error', reject);
          s4.bind(port, '0.0.0.0', () => { s4.removeListener('error', reject); this.serveUdp(s4); resolve(s4); });
          return;
        }
        reject(e);
      };
      sock.once('error', onError);
      sock.bind(port, host || '::', () => {
        sock.removeListener('error', onError);
        this.serveUdp(sock);
        resolve(sock);
      });
    });
  }

  private serveUdp(sock: dgram.Socket): void {
    try { sock.setRecvBufferSize(4 << 20); } catch { /* the kernel's cap applies */ }
    sock.on('error', (e) => this.opts.logger.error(`udp: ${e.message}`));
    sock.on('message', (packet, rinfo) => {
      const info: RequestInfo = { proto: 'udp', client: rinfo.address, clientPort: rinfo.port, port: this.opts.routePort ?? this.boundPort };
      const r = this.opts.handler(packet, info);
      // send errors surface as the socket's 'error' event, logged above
      if (r instanceof Promise) r.then((out) => { if (out && this.udp === sock) sock.send(out, rinfo.port, rinfo.address); }, () => {});
      else if (r && this.udp === sock) sock.send(r, rinfo.port, rinfo.address);
    });
  }

  private listenTcp(port: number): Promise<net.Server> {
    const server = net.createServer((c) => this.serveTcp(c));
    server.maxConnections = this.opts.maxTcpConnections ?? 1000;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: this.opts.host || undefined, exclusive: true }, () => {
        server.removeListener('error', reject);
        server.on('error', (e) => this.opts.logger.error(`tcp: ${e.message}`));
        resolve(server);
      });
    });
  }

  private serveTcp(conn: net.Socket): void {
    this.conns.add(conn);
    conn.setNoDelay(true);
    conn.setTimeout(this.opts.tcpIdleMs ?? 10_000, () => conn.destroy());
    conn.on('close', () => this.conns.delete(conn));
    conn.on('error', () => conn.destroy());
    const info: RequestInfo = { proto: 'tcp', client: conn.remoteAddress ?? '', clientPort: conn.remotePort ?? 0, port: this.opts.routePort ?? this.boundPort };
    const maxInFlight = this.opts.maxTcpInFlight ?? 32;
    let inFlight = 0;
    let buf = Buffer.alloc(0);
    const reply = (out: Buffer | null): void => {
      inFlight--;
      if (out && !conn.destroyed) {
        const len = Buffer.allocUnsafe(2);
        len.writeUInt16BE(out.length);
        conn.write(Buffer.concat([len, out]));
      }
      if (inFlight < maxInFlight && conn.isPaused()) conn.resume();
    };
    conn.on('data', (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (len === 0) { conn.destroy(); return; }
        if (buf.length < 2 + len) break;
        const packet = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        inFlight++;
        const r = this.opts.handler(packet, info);
        if (r instanceof Promise) r.then(reply, () => reply(null));
        else reply(r);
      }
      if (inFlight >= maxInFlight) conn.pause();
    });
  }

  async close(): Promise<void> {
    const udp = this.udp;
    this.udp = null;
    if (udp) await new Promise<void>((r) => udp.close(() => r()));
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    const tcp = this.tcp;
    this.tcp = null;
    if (tcp) await new Promise<void>((r) => tcp.close(() => r()));
  }
}
