// The response cache for forwarded names, with CoreDNS's cache-plugin rules: a success cache and
// a denial cache (NXDOMAIN and NODATA, only with an SOA) each with its capacity and TTL bounds
// (time kept = the smallest TTL in the response, raised to MINTTL and capped at TTL; every record
// carries that time as its TTL), SERVFAIL
// kept for a few seconds, truncated and other error responses never kept, TTLs counted down on
// the way out. Keys are name (case-insensitive), type, class, DO and CD.
// The cluster zones are never cached: their answers change the moment the cluster does.

import type { CacheConfig } from './corefile.js';
import { Rcode, RRType } from './wire/constants.js';
import type { Message, Question, ResourceRecord } from './wire/types.js';

export type CacheKind = 'success' | 'denial';

/** What a cached response carries besides its question. */
export interface CachedResponse {
  rcode: number;
  aa: boolean;
  ra: boolean;
  ad: boolean;
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
}

interface Item {
  response: CachedResponse;
  stored: number;
  expires: number;
  /** The response as last served, and the age (whole seconds) its TTLs were counted down by. */
  served: CachedResponse;
  servedAge: number;
}

export function cacheKey(q: Question, dnssecOk: boolean, checkingDisabled: boolean): string {
  return `${q.name.toLowerCase()} ${q.type} ${q.class}${dnssecOk ? ' do' : ''}${checkingDisabled ? ' cd' : ''}`;
}

export interface CacheEvents {
  evicted?(kind: CacheKind): void;
}

export class ResponseCache {
  private readonly success = new Map<string, Item>();
  private readonly denial = new Map<string, Item>();

  constructor(readonly config: CacheConfig, private readonly now: () => number = Date.now, private readonly events: CacheEvents = {}) {}

  size(kind: CacheKind): number {
    return (kind === 'success' ? this.success : this.denial).size;
  }

  /** A cached response with its TTLs reduced by its age, or undefined (expired items are dropped). */
  get(key: string): { kind: CacheKind; response: CachedResponse } | undefined {
    const now = this.now();
    for (const kind of ['success', 'denial'] as const) {
      const map = kind === 'success' ? this.success : this.denial;
      const item = map.get(key);
      if (!item) continue;
      if (now >= item.expires) { map.delete(key); continue; }
      const age = Math.floor((now - item.stored) / 1000);
      if (age !== item.servedAge) { // recount TTLs at most once a second per item
        const r = item.response;
        const older = (rr: ResourceRecord): ResourceRecord => withTtl(rr, Math.max(0, rr.ttl - age));
        item.served = { rcode: r.rcode, aa: r.aa, ra: r.ra, ad: r.ad, answers: r.answers.map(older), authorities: r.authorities.map(older), additionals: r.additionals.map(older) };
        item.servedAge = age;
      }
      return { kind, response: item.served };
    }
    return undefined;
  }

  /**
   * Stores `msg` (an upstream response) when the rules above allow. Returns where it went and
   * the response as the client gets it: with CoreDNS, every record then carries the time the
   * response is kept for as its TTL, stored or not.
   */
  put(key: string, msg: Message): { kind: CacheKind | null; response: CachedResponse } {
    const hasSOA = msg.authorities.some((rr) => rr.type === RRType.SOA);
    const c = this.config;
    let kind: CacheKind | null = null;
    let seconds: number;
    if (msg.rcode === Rcode.NOERROR && msg.answers.length > 0) {
      kind = 'success';
      seconds = clamp(minTtl(msg, c.successTtl), c.successMinTtl, c.successTtl);
    } else if ((msg.rcode === Rcode.NXDOMAIN || msg.rcode === Rcode.NOERROR) && hasSOA) {
      kind = 'denial';
      seconds = clamp(minTtl(msg, c.denialTtl), c.denialMinTtl, c.denialTtl);
    } else if (msg.rcode === Rcode.SERVFAIL) {
      kind = 'denial';
      seconds = c.servfailTtl;
    } else {
      seconds = clamp(minTtl(msg, c.successTtl), c.successMinTtl, c.successTtl);
    }
    const ttl = (rr: ResourceRecord): ResourceRecord => withTtl(rr, Math.floor(seconds));
    const response: CachedResponse = {
      rcode: msg.rcode, aa: msg.aa, ra: msg.ra, ad: msg.ad,
      answers: msg.answers.map(ttl), authorities: msg.authorities.map(ttl), additionals: msg.additionals.map(ttl),
    };
    if (msg.tc || kind === null || seconds <= 0) return { kind: null, response };
    const now = this.now();
    const map = kind === 'success' ? this.success : this.denial;
    const capacity = kind === 'success' ? c.successCapacity : c.denialCapacity;
    map.delete(key);
    if (map.size >= capacity) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) { map.delete(oldest); this.events.evicted?.(kind); }
    }
    map.set(key, { stored: now, expires: now + seconds * 1000, response, served: response, servedAge: 0 });
    // a fresh answer replaces a cached denial of the same question and the other way round
    (kind === 'success' ? this.denial : this.success).delete(key);
    return { kind, response };
  }

  clear(): void {
    this.success.clear();
    this.denial.clear();
  }
}

/** The smallest TTL in the response (OPT excluded), at most `max`; 5 s when it holds no record. */
function minTtl(msg: Message, max: number): number {
  let min = max;
  let any = false;
  for (const list of [msg.answers, msg.authorities, msg.additionals]) {
    for (const rr of list) { any = true; if (rr.ttl < min) min = rr.ttl; }
  }
  return any ? min : 5;
}

function withTtl(rr: ResourceRecord, ttl: number): ResourceRecord {
  return rr.ttl === ttl ? rr : { ...rr, ttl };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}
