// Sends queries to upstream resolvers: UDP first, the same upstream again over TCP when the UDP
// answer comes back truncated; the next upstream (per policy) when one fails or times out.
// Replies are matched on source address, port, ID and question, so a spoofed or late datagram
// is ignored. Identical questions in flight share one upstream query.

import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import type { Upstream } from './resolv-conf.js';
import { decodeHeader, decodeMessage } from './wire/decode.js';
import { encodeMessage } from './wire/encode.js';
import { sameName } from './wire/names.js';
import { emptyMessage, type Message, type Question } from './wire/types.js';

export interface ForwarderOptions {
  upstreams: Upstream[];
  policy: 'random' | 'round_robin' | 'sequential';
  /** Queries allowed in flight at once; 0 = no limit. */
  maxConcurrent: number;
  forceTcp: boolean;
  preferUdp: boolean;
  /** Per upstream attempt. Default 2 s. */
  attemptTimeoutMs?: number;
  /** For the whole query over every upstream. Default 5 s (CoreDNS's). */
  timeoutMs?: number;
  /** Called after every upstream exchange, for metrics. */
  onExchange?(to: string, rcode: number | null, seconds: number): void;
}

export interface ForwardRequest {
  question: Question;
  dnssecOk: boolean;
  checkingDisabled: boolean;
  /** The client asked over TCP (then TCP is used upstream too, unless prefer_udp). */
  tcp: boolean;
}

/** Thrown when max_concurrent queries are already in flight: the client gets REFUSED. */
export class TooManyQueriesError extends Error {
  override name = 'TooManyQueriesError';
}

/** UDP payload size knit advertises upstream (the DNS flag day 2020 value). */
const EDNS_UDP_SIZE = 1232;

interface Pending {
  upstream: Upstream;
  question: Question;
  resolve(m: Message): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class Forwarder {
  private inflight = 0;
  private next = 0;
  private closed = false;
  private readonly sockets = new Map<4 | 6, dgram.Socket>();
  private readonly pending = new Map<number, Pending>();
  private readonly tcpSockets = new Set<net.Socket>();
  private readonly shared = new Map<string, Promise<Message>>();

  constructor(readonly options: ForwarderOptions) {
    if (options.upstreams.length === 0) throw new Error('forward: no upstream');
  }

  /** The upstream's answer; throws TooManyQueriesError, or an Error when no upstream answered. */
  async query(req: ForwardRequest): Promise<Message> {
    if (this.closed) throw new Error('forwarder closed');
    const key = `${req.question.name.toLowerCase()} ${req.question.type} ${req.question.class} ${+req.dnssecOk}${+req.checkingDisabled}${+req.tcp}`;
    const same = this.shared.get(key);
    if (same) return same;
    const max = this.options.maxConcurrent;
    if (max > 0 && this.inflight >= max) throw new TooManyQueriesError(`more than ${max} concurrent queries`);
    this.inflight++;
    const p = this.attempts(req).finally(() => { this.inflight--; this.shared.delete(key); });
    this.shared.set(key, p);
    return p;
  }

  private order(): Upstream[] {
    const ups = this.options.upstreams;
    if (ups.length === 1 || this.options.policy === 'sequential') return ups;
    const start = this.options.policy === 'round_robin' ? this.next++ % ups.length : randomInt(ups.length);
    return [...ups.slice(start), ...ups.slice(0, start)];
  }

  private async attempts(req: ForwardRequest): Promise<Message> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 5000);
    const attemptMs = this.options.attemptTimeoutMs ?? 2000;
    const useTcp = this.options.forceTcp || (req.tcp && !this.options.preferUdp);
    const errors: string[] = [];
    for (const up of this.order()) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const timeout = Math.min(attemptMs, left);
      const started = performance.now();
      const to = formatUpstream(up);
      try {
        let m = useTcp ? await this.tcp(up, req, timeout) : await this.udp(up, req, timeout);
        if (m.tc && !useTcp) m = await this.tcp(up, req, Math.max(1, Math.min(attemptMs, deadline - Date.now())));
        this.options.onExchange?.(to, m.rcode, (performance.now() - started) / 1000);
        return m;
      } catch (e) {
        this.options.onExchange?.(to, null, (performance.now() - started) / 1000);
        errors.push(`${to}: ${(e as Error).message}`);
        if (this.closed) break;
      }
    }
    throw new Error(errors.length ? errors.join('; ') : 'no upstream answered in time');
  }

  private buildQuery(id: number, req: ForwardRequest): Buffer {
    const m = emptyMessage(id);
    m.rd = true;
    m.cd = req.checkingDisabled;
    m.questions = [req.question];
    m.edns = { udpSize: EDNS_UDP_SIZE, version: 0, dnssecOk: req.dnssecOk, options: [] };
    return encodeMessage(m);
  }

  private udp(up: Upstream, req: ForwardRequest, timeoutMs: number): Promise<Message> {
    const family = net.isIPv6(up.host) ? 6 : 4;
    const sock = this.socket(family);
    let id = randomInt(0x10000);
    for (let tries = 0; this.pending.has(id); tries++) {
      if (tries > 100) return Promise.reject(new Error('no free query ID'));
      id = randomInt(0x10000);
    }
    return new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => { this.pending.delete(id); reject(new Error('i/o timeout')); }, timeoutMs);
      this.pending.set(id, { upstream: up, question: req.question, resolve, reject, timer });
      sock.send(this.buildQuery(id, req), up.port, up.host, (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.pending.delete(id);
        reject(err);
      });
    });
  }

  private socket(family: 4 | 6): dgram.Socket {
    let s = this.sockets.get(family);
    if (s) return s;
    s = dgram.createSocket(family === 4 ? 'udp4' : 'udp6');
    s.on('message', (buf, rinfo) => this.onDatagram(buf, rinfo));
    s.on('error', () => { /* per-query timeouts report failures */ });
    this.sockets.set(family, s);
    return s;
  }

  private onDatagram(buf: Buffer, rinfo: dgram.RemoteInfo): void {
    const h = decodeHeader(buf);
    if (!h || !h.qr) return;
    const p = this.pending.get(h.id);
    if (!p || rinfo.port !== p.upstream.port || rinfo.address !== p.upstream.host) return;
    let m: Message;
    try {
      m = decodeMessage(buf);
    } catch {
      return; // a malformed datagram is as good as none: the timeout reports it
    }
    if (!matchesQuestion(m, p.question)) return;
    clearTimeout(p.timer);
    this.pending.delete(h.id);
    p.resolve(m);
  }

  private tcp(up: Upstream, req: ForwardRequest, timeoutMs: number): Promise<Message> {
    return new Promise<Message>((resolve, reject) => {
      const id = randomInt(0x10000);
      const sock = net.connect({ host: up.host, port: up.port });
      this.tcpSockets.add(sock);
      let buf = Buffer.alloc(0);
      let finished = false;
      const done = (err: Error | null, m?: Message): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        sock.destroy();
        this.tcpSockets.delete(sock);
        if (err) reject(err);
        else resolve(m!);
      };
      const timer = setTimeout(() => done(new Error('i/o timeout')), timeoutMs);
      sock.on('connect', () => {
        const q = this.buildQuery(id, req);
        const len = Buffer.alloc(2);
        len.writeUInt16BE(q.length);
        sock.write(Buffer.concat([len, q]));
      });
      sock.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
        try {
          const m = decodeMessage(buf.subarray(2, 2 + buf.readUInt16BE(0)));
          if (m.id !== id || !matchesQuestion(m, req.question)) return done(new Error('reply does not match the query'));
          done(null, m);
        } catch (e) {
          done(e as Error);
        }
      });
      sock.on('error', (e) => done(e));
      sock.on('close', () => done(new Error('connection closed before a reply')));
    });
  }

  /** Closes sockets; queries still in flight fail. */
  close(): void {
    this.closed = true;
    for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(new Error('forwarder closed')); }
    this.pending.clear();
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
    for (const s of this.tcpSockets) s.destroy();
    this.tcpSockets.clear();
  }
}

function matchesQuestion(m: Message, q: Question): boolean {
  const a = m.questions[0];
  return m.qr && m.questions.length === 1 && a.type === q.type && a.class === q.class && sameName(a.name, q.name);
}

export function formatUpstream(up: Upstream): string {
  return up.host.includes(':') ? `[${up.host}]:${up.port}` : `${up.host}:${up.port}`;
}
