// One query in, one response out (or none): header checks as miekg/dns makes them for CoreDNS,
// EDNS0, routing to a server block by zone, the cluster zones, fallthrough to forwarding (cache
// first, and only for clients inside the cluster), truncation to the client's size, metrics and
// log lines. Never throws: anything unexpected becomes SERVFAIL and a log line.

import type { CacheKind, CachedResponse, ResponseCache } from './cache.js';
import { cacheKey } from './cache.js';
import type { ClientAcl } from './client-acl.js';
import { type Chase, FALLTHROUGH, type KubernetesZone, type ZoneAnswer } from './cluster-zone.js';
import { type Forwarder, TooManyQueriesError } from './forwarder.js';
import type { Logger } from './log.js';
import { type CounterSeries, type DnsMetrics, type HistogramSeries, metricType } from './metrics.js';
import { MAX_MESSAGE_SIZE, MIN_UDP_SIZE, Opcode, Rcode, RRClass, rcodeName, typeName } from './wire/constants.js';
import { decodeHeader, decodeMessage, HEADER_SIZE } from './wire/decode.js';
import { encodeMessage } from './wire/encode.js';
import { isSubdomain } from './wire/names.js';
import { isAddressRecord, type Message, type Question, type ResourceRecord } from './wire/types.js';

/** A server block as it runs: its zones and the plugins it has. */
export interface Block {
  zones: string[];
  port: number;
  /** CoreDNS's "server" label: "dns://:53" or "dns://<bind>:53". */
  server: string;
  kubernetes?: KubernetesZone;
  forward?: { from: string; except: string[]; forwarder: Forwarder };
  cache?: ResponseCache;
  loadbalance: boolean;
  log: boolean;
  errors: boolean;
}

export interface RequestInfo {
  proto: 'udp' | 'tcp';
  client: string;
  clientPort: number;
  /** The local port the query arrived on (selects the server blocks). */
  port: number;
}

/** Queries longer than this are refused (a real one needs a few hundred octets at most). */
export const MAX_QUERY_SIZE = 4096;
/** UDP payload size knit advertises in its OPT records. */
const ADVERTISED_UDP_SIZE = 1232;

/** The metric series one query touches, looked up once per distinct label set. */
interface QuerySeries {
  requests: CounterSeries;
  doRequests: CounterSeries;
  requestSize: HistogramSeries;
  duration: HistogramSeries;
  responseSize: HistogramSeries;
}

interface CacheSeries {
  requests: CounterSeries;
  misses: CounterSeries;
  hits: Record<CacheKind, CounterSeries>;
  entries: Record<CacheKind, CounterSeries>;
}

interface Labels { server: string; zone: string; size: number; series: QuerySeries }

/** The parts of a response the message's source decides. */
interface Reply {
  rcode: number;
  aa: boolean;
  ra: boolean;
  ad: boolean;
  tc?: boolean;
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
  plugin: string;
}

const bare = (rcode: number, plugin = ''): Reply => ({ rcode, aa: false, ra: false, ad: false, answers: [], authorities: [], additionals: [], plugin });

export class QueryHandler {
  private blocks: Block[] = [];
  private readonly series = new Map<string, QuerySeries>();
  private readonly rcodes = new Map<string, CounterSeries>();
  private readonly caches = new WeakMap<ResponseCache, CacheSeries>();

  constructor(private acl: ClientAcl, private readonly metrics: DnsMetrics, private readonly logger: Logger) {}

  setBlocks(blocks: Block[]): void {
    this.blocks = blocks;
  }

  /** Who may have names forwarded, from the next query on. */
  setAcl(acl: ClientAcl): void {
    this.acl = acl;
  }

  private querySeries(server: string, zone: string, info: RequestInfo, qtype: number): QuerySeries {
    const type = metricType(qtype);
    const fam = family(info.client);
    const key = `${server} ${zone} ${info.proto} ${fam} ${type}`;
    let s = this.series.get(key);
    if (!s) {
      const m = this.metrics;
      s = {
        requests: m.requests.series([server, zone, '', info.proto, fam, type]),
        doRequests: m.doRequests.series([server, zone, '']),
        requestSize: m.requestSize.series([server, zone, '', info.proto]),
        duration: m.duration.series([server, zone, '', type]),
        responseSize: m.responseSize.series([server, zone, '', info.proto]),
      };
      this.series.set(key, s);
    }
    return s;
  }

  private cacheSeries(block: Block, cache: ResponseCache): CacheSeries {
    let s = this.caches.get(cache);
    if (!s) {
      const m = this.metrics;
      const zones = cache.config.zones.join(' ');
      const labels = (kind: 'success' | 'denial'): string[] => [block.server, kind, zones, ''];
      s = {
        requests: m.cacheRequests.series([block.server, zones, '']),
        misses: m.cacheMisses.series([block.server, zones, '']),
        hits: { success: m.cacheHits.series(labels('success')), denial: m.cacheHits.series(labels('denial')) },
        entries: { success: m.cacheEntries.series(labels('success')), denial: m.cacheEntries.series(labels('denial')) },
      };
      this.caches.set(cache, s);
    }
    return s;
  }

  private responseSeries(labels: Labels, rcode: number, plugin: string): CounterSeries {
    const key = `${labels.server} ${labels.zone} ${rcode} ${plugin}`;
    let s = this.rcodes.get(key);
    if (!s) {
      s = this.metrics.responses.series([labels.server, labels.zone, '', rcodeName(rcode), plugin]);
      this.rcodes.set(key, s);
    }
    return s;
  }

  /** The response bytes, null when nothing must be sent (no header, or a response was received). */
  handle(packet: Buffer, info: RequestInfo): Buffer | null | Promise<Buffer | null> {
    const started = performance.now();
    try {
      const header = decodeHeader(packet);
      if (!header || header.qr) {
        this.metrics.requests.inc([`dns://:${info.port}`, 'dropped', '', info.proto, family(info.client), 'other']);
        return null;
      }
      const early = this.checkHeader(packet, header);
      if (early) return early;
      let query: Message;
      try {
        query = decodeMessage(packet);
      } catch {
        return headerOnly(header.id, header.opcode, header.rd, Rcode.FORMERR);
      }
      const q = query.questions[0];
      const { block, zone } = this.route(q.name.toLowerCase(), info.port);
      const server = block?.server ?? `dns://:${info.port}`;
      const labels: Labels = { server, zone, size: packet.length, series: this.querySeries(server, zone, info, q.type) };
      labels.series.requests.value++;
      if (query.edns?.dnssecOk) labels.series.doRequests.value++;
      labels.series.requestSize.observe(info.proto === 'tcp' ? 65535 : query.edns?.udpSize ?? MIN_UDP_SIZE);
      const finish = (reply: Reply): Buffer => this.finish(query, reply, info, block, labels, started);
      if (query.edns && query.edns.version !== 0) return finish(bare(Rcode.BADVERS));
      if (q.class !== RRClass.IN) return finish(bare(Rcode.REFUSED));
      if (!block) return finish(bare(Rcode.REFUSED));
      const reply = this.resolve(block, query, info);
      if (reply instanceof Promise) {
        return reply.then(finish, (e) => this.crash(e, query, info, block, labels, started));
      }
      return finish(reply);
    } catch (e) {
      this.metrics.panics.inc();
      this.logger.error(`Recovered from panic in server: ${(e as Error).stack ?? e}`);
      const h = decodeHeader(packet);
      return h ? headerOnly(h.id, h.opcode, h.rd, Rcode.SERVFAIL) : null;
    }
  }

  /** miekg/dns's accept rules: only QUERY, one question, few records; oversize queries refused. */
  private checkHeader(packet: Buffer, h: NonNullable<ReturnType<typeof decodeHeader>>): Buffer | null {
    if (packet.length > MAX_QUERY_SIZE) return headerOnly(h.id, h.opcode, h.rd, Rcode.REFUSED);
    if (h.opcode !== Opcode.QUERY) return headerOnly(h.id, h.opcode, h.rd, Rcode.NOTIMP);
    if (h.qdcount !== 1 || h.ancount > 1 || h.nscount > 1 || h.arcount > 2) return headerOnly(h.id, h.opcode, h.rd, Rcode.FORMERR);
    return null;
  }

  /** The block whose zone is the longest suffix of the name, among blocks on this port. */
  private route(lname: string, port: number): { block?: Block; zone: string } {
    let block: Block | undefined;
    let zone = '.';
    for (const b of this.blocks) {
      if (b.port !== port) continue;
      for (const z of b.zones) if ((!block || z.length > zone.length) && isSubdomain(lname, z)) { block = b; zone = z; }
    }
    return { block, zone };
  }

  private resolve(block: Block, query: Message, info: RequestInfo): Reply | Promise<Reply> {
    const q = query.questions[0];
    const lname = q.name.toLowerCase();
    const kube = block.kubernetes;
    const zone = kube?.matchZone(lname);
    if (kube && zone) {
      const ans = kube.answer(q, zone);
      if (ans !== FALLTHROUGH) {
        if (ans.chase) return this.chase(block, query, ans.chase, info);
        return zoneReply(ans);
      }
    }
    const fwd = block.forward;
    if (fwd && isSubdomain(lname, fwd.from) && !fwd.except.some((z) => isSubdomain(lname, z))) {
      if (!this.acl.allows(info.client)) return bare(Rcode.REFUSED, 'forward');
      return this.forward(block, query, q, info);
    }
    return bare(Rcode.SERVFAIL); // CoreDNS: no next plugin found
  }

  /** Forwarded answers: cache first, then upstream. */
  private forward(block: Block, query: Message, q: Question, info: RequestInfo): Reply | Promise<Reply> {
    const fwd = block.forward!;
    const dnssecOk = !!query.edns?.dnssecOk;
    const cache = block.cache && block.cache.config.zones.some((z) => isSubdomain(q.name.toLowerCase(), z)) ? block.cache : undefined;
    const key = cacheKey(q, dnssecOk, query.cd);
    const series = cache && this.cacheSeries(block, cache);
    if (cache && series) {
      series.requests.value++;
      const hit = cache.get(key);
      if (hit) {
        series.hits[hit.kind].value++;
        return fromCache(hit.response, dnssecOk);
      }
      series.misses.value++;
    }
    return fwd.forwarder.query({ question: q, dnssecOk, checkingDisabled: query.cd, tcp: info.proto === 'tcp' }).then(
      (m) => {
        let response: CachedResponse = m;
        if (cache && series) {
          response = cache.put(key, m).response;
          series.entries.success.value = cache.size('success');
          series.entries.denial.value = cache.size('denial');
        }
        const reply = fromCache(response, dnssecOk);
        reply.tc = m.tc;
        reply.plugin = 'forward';
        return reply;
      },
      (e: Error) => {
        if (e instanceof TooManyQueriesError) {
          this.metrics.forwardRejects.inc();
          return bare(Rcode.REFUSED, 'forward');
        }
        if (block.errors) this.logger.error(`plugin/errors: ${Rcode.SERVFAIL} ${q.name} ${typeName(q.type)}: ${e.message}`);
        return bare(Rcode.SERVFAIL, 'forward');
      },
    );
  }

  /**
   * An ExternalName outside the cluster: the CNAME chain, then what upstream has for the target.
   * The chain stands even when that look-up fails or nothing forwards it, as in CoreDNS (whose
   * self-lookup always yields a message), so `nslookup <externalname service>` shows the CNAME.
   */
  private async chase(block: Block, query: Message, chase: Chase, info: RequestInfo): Promise<Reply> {
    const fwd = block.forward;
    const q: Question = { name: chase.name, type: chase.type, class: RRClass.IN };
    const up = fwd && isSubdomain(chase.name.toLowerCase(), fwd.from) ? await this.forward(block, { ...query, questions: [q] }, q, { ...info, proto: 'udp' }) : undefined;
    return { rcode: Rcode.NOERROR, aa: true, ra: false, ad: false, tc: up?.tc, answers: [...chase.chain, ...(up?.answers ?? [])], authorities: [], additionals: [], plugin: 'kubernetes' };
  }

  private finish(query: Message, reply: Reply, info: RequestInfo, block: Block | undefined, labels: Labels, started: number): Buffer {
    const q = query.questions[0];
    const answers = block?.loadbalance ? shuffleAddresses(reply.answers) : reply.answers;
    const maxSize = info.proto === 'tcp' ? MAX_MESSAGE_SIZE : Math.max(MIN_UDP_SIZE, query.edns?.udpSize ?? MIN_UDP_SIZE);
    const response: Message = {
      id: query.id, qr: true, opcode: query.opcode, aa: reply.aa, tc: !!reply.tc, rd: query.rd, ra: reply.ra, z: false,
      ad: reply.ad, cd: query.cd, rcode: reply.rcode, questions: [q],
      answers, authorities: reply.authorities, additionals: reply.additionals,
      edns: query.edns ? { udpSize: ADVERTISED_UDP_SIZE, version: 0, dnssecOk: query.edns.dnssecOk, options: [] } : undefined,
    };
    let bytes: Buffer;
    let rcode = reply.rcode;
    try {
      bytes = encodeMessage(response, { maxSize });
    } catch (e) {
      this.logger.error(`plugin/errors: ${Rcode.SERVFAIL} ${q.name} ${typeName(q.type)}: ${(e as Error).message}`);
      rcode = Rcode.SERVFAIL;
      bytes = encodeMessage({ ...response, rcode, aa: false, answers: [], authorities: [], additionals: [] }, { maxSize });
    }
    const seconds = (performance.now() - started) / 1000;
    this.responseSeries(labels, rcode, reply.plugin).value++;
    labels.series.duration.observe(seconds);
    labels.series.responseSize.observe(bytes.length);
    if (block?.log) {
      const flags = ['qr', response.aa && 'aa', bytes[2] & 0x02 && 'tc', response.rd && 'rd', response.ra && 'ra'].filter(Boolean).join(',');
      const size = query.edns ? Math.max(MIN_UDP_SIZE, query.edns.udpSize) : MIN_UDP_SIZE;
      const client = info.client.includes(':') ? `[${info.client}]` : info.client;
      this.logger.info(`${client}:${info.clientPort} - ${query.id} "${typeName(q.type)} IN ${q.name} ${info.proto} ${labels.size} ${!!query.edns?.dnssecOk} ${size}" ${rcodeName(rcode)} ${flags} ${bytes.length} ${seconds.toFixed(9)}s`);
    }
    return bytes;
  }

  private crash(e: unknown, query: Message, info: RequestInfo, block: Block | undefined, labels: Labels, started: number): Buffer {
    this.metrics.panics.inc();
    this.logger.error(`Recovered from panic in server: ${(e as Error)?.stack ?? e}`);
    return this.finish(query, bare(Rcode.SERVFAIL), info, block, labels, started);
  }
}

/** A header-only reply for queries that cannot be answered further. */
function headerOnly(id: number, opcode: number, rd: boolean, rcode: number): Buffer {
  const b = Buffer.alloc(HEADER_SIZE);
  b.writeUInt16BE(id, 0);
  b.writeUInt16BE(0x8000 | ((opcode & 0xf) << 11) | (rd ? 0x0100 : 0) | (rcode & 0xf), 2);
  return b;
}

/** Answers from the cluster zones are authoritative (object literal, not spread: this is the hot path). */
function zoneReply(ans: ZoneAnswer): Reply {
  return {
    rcode: ans.rcode, aa: ans.rcode !== Rcode.REFUSED, ra: false, ad: false,
    answers: ans.answers, authorities: ans.authorities, additionals: ans.additionals, plugin: 'kubernetes',
  };
}

function fromCache(r: CachedResponse, dnssecOk: boolean): Reply {
  return { rcode: r.rcode, aa: r.aa, ra: r.ra, ad: r.ad && dnssecOk, answers: r.answers, authorities: r.authorities, additionals: r.additionals, plugin: 'cache' };
}

/** CoreDNS's loadbalance: address records in random order, everything else where it was. */
function shuffleAddresses(answers: ResourceRecord[]): ResourceRecord[] {
  const slots: number[] = [];
  answers.forEach((rr, i) => { if (isAddressRecord(rr)) slots.push(i); });
  if (slots.length < 2) return answers;
  const out = [...answers];
  const picked = slots.map((i) => answers[i]);
  for (let i = picked.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [picked[i], picked[j]] = [picked[j], picked[i]];
  }
  slots.forEach((slot, k) => { out[slot] = picked[k]; });
  return out;
}

function family(address: string): string {
  return address.includes(':') && !address.startsWith('::ffff:') ? '2' : '1';
}
