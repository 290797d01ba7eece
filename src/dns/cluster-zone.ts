// Answers for the cluster zones (cluster.local and the reverse zones) from the ClusterModel, per
// the Kubernetes DNS specification (schema 1.1.0) and CoreDNS's kubernetes plugin where the
// specification is silent: name layout, SRV weights, endpoint names, pod modes, SOA contents,
// SERVFAIL before the first sync, fallthrough. One deliberate difference: a name that exists
// answers NODATA for every type it lacks (CoreDNS answers NXDOMAIN for a few of them).

import type { ClusterModel, PortInfo, SliceInfo } from './cluster-model.js';
import { addressFromReverse, isReverseName } from './reverse.js';
import { Rcode, RRType } from './wire/constants.js';
import { canonicalIP } from './wire/ip.js';
import { isSubdomain, splitName } from './wire/names.js';
import type { AddressRecord, NameRecord, Question, ResourceRecord, SoaRecord } from './wire/types.js';

export type PodMode = 'disabled' | 'insecure' | 'verified';

export interface KubernetesOptions {
  /** Zones served, lower case and fully qualified: "cluster.local.", "in-addr.arpa.", ... */
  zones: string[];
  podMode: PodMode;
  /** TTL of every record (CoreDNS default 5; kubeadm's Corefile says 30). */
  ttl: number;
  /** null: NXDOMAIN is final; []: NXDOMAIN falls through for every zone; else only for these zones. */
  fallthrough: string[] | null;
  /** Namespaces exposed; empty means all. */
  namespaces: string[];
  /** Name endpoints without a hostname by their pod's name rather than their dashed IP. */
  endpointPodNames: boolean;
  /** No endpoint records: headless Services and endpoint names are NXDOMAIN. */
  noEndpoints: boolean;
  /** NXDOMAIN for ClusterIP Services without ready endpoints. */
  ignoreEmptyService: boolean;
  /** This server's own addresses, for the zone's NS records and ns.dns.<zone>. */
  localIPs: string[];
}

export interface ZoneAnswer {
  rcode: number;
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
  /**
   * Set when the answer is an ExternalName chain ending outside the cluster zones: the caller
   * looks `name` up (type `type`) and answers `chain` followed by what it found (the chain
   * alone when the look-up fails, as in CoreDNS).
   */
  chase?: Chase;
}

export interface Chase {
  chain: NameRecord[];
  name: string;
  type: number;
}

/** Returned when NXDOMAIN falls through to the next handler (forwarding). */
export const FALLTHROUGH = 'fallthrough' as const;
export type ZoneResult = ZoneAnswer | typeof FALLTHROUGH;

export const DNS_SCHEMA_VERSION = '1.1.0';
const DNS_VERSION_TTL = 28800;
const MAX_CNAME_CHAIN = 10;

/** One record source, like CoreDNS's msg.Service: an address (or CNAME target) with a port. */
interface Entry {
  host: string;
  /** 4 or 6 for an address, 0 for a CNAME target. */
  family: 0 | 4 | 6;
  /** -1 when there is none. */
  port: number;
  /** The name SRV records point to for this entry. */
  target: string;
}

const NAME_ERROR = null;
type Lookup = Entry[] | typeof NAME_ERROR;

export class KubernetesZone {
  readonly primaryZone: string;

  constructor(private readonly model: ClusterModel, readonly options: KubernetesOptions) {
    const primary = options.zones.find((z) => !isReverseName(z));
    if (!primary) throw new Error('kubernetes: a non-reverse zone name must be used');
    this.primaryZone = primary;
  }

  /** The longest of this plugin's zones that `lname` (lower case, fully qualified) falls in. */
  matchZone(lname: string): string | null {
    let best: string | null = null;
    for (const z of this.options.zones) if (isSubdomain(lname, z) && (!best || z.length > best.length)) best = z;
    return best;
  }

  answer(q: Question, zone: string): ZoneResult {
    const lname = q.name.toLowerCase();
    const zoneCase = q.name.slice(q.name.length - zone.length); // answers keep the question's case
    const ctx: Ctx = { q, lname, zone, zoneCase };
    if (q.type === RRType.AXFR || q.type === RRType.IXFR) return { rcode: Rcode.REFUSED, answers: [], authorities: [], additionals: [] };
    const result = this.answerType(ctx);
    if (result !== NAME_ERROR) return result;
    const fall = this.options.fallthrough;
    if (fall && (fall.length === 0 || fall.some((z) => isSubdomain(lname, z)))) return FALLTHROUGH;
    return { rcode: this.model.synced ? Rcode.NXDOMAIN : Rcode.SERVFAIL, answers: [], authorities: [this.soa(zoneCase)], additionals: [] };
  }

  private answerType(ctx: Ctx): ZoneAnswer | typeof NAME_ERROR {
    const { q, lname, zone } = ctx;
    const base = lname === zone ? [] : splitName(lname.slice(0, lname.length - zone.length - 1));

    // names outside the Service/Pod layout
    if (base.length === 1 && base[0] === 'dns-version') {
      if (q.type !== RRType.TXT) return this.nodata(ctx);
      return this.records(ctx, [{ name: q.name, type: RRType.TXT, class: 1, ttl: DNS_VERSION_TTL, texts: [DNS_SCHEMA_VERSION] }]);
    }
    if (base.length === 2 && base[0] === 'ns' && base[1] === 'dns') {
      return this.records(ctx, this.localAddresses(q.name, q.type));
    }
    if (base.length === 0 && q.type === RRType.SOA) return this.records(ctx, [this.soa(ctx.zoneCase)]);
    if (base.length === 0 && q.type === RRType.NS) return this.records(ctx, ...this.nsRecords(ctx));

    if (isReverseName(zone)) {
      const ip = addressFromReverse(lname);
      const targets = ip ? this.ptrTargets(ip) : [];
      if (base.length > 0 && targets.length === 0) return NAME_ERROR;
      if (q.type !== RRType.PTR) return this.nodata(ctx);
      return this.records(ctx, targets.map((t) => ({ name: q.name, type: RRType.PTR, class: 1, ttl: this.options.ttl, target: t })));
    }

    const entries = this.lookup(base, ctx.zoneCase);
    if (entries === NAME_ERROR) return NAME_ERROR;
    switch (q.type) {
      case RRType.A:
      case RRType.AAAA:
        return this.addressAnswer(ctx, entries);
      case RRType.SRV: {
        const [srv, extra] = this.srvRecords(q.name, entries.filter((e) => e.family !== 0));
        return this.records(ctx, srv, extra);
      }
      case RRType.CNAME: {
        const first = entries[0];
        if (!first || first.family !== 0) return this.nodata(ctx);
        return this.records(ctx, [{ name: q.name, type: RRType.CNAME, class: 1, ttl: this.options.ttl, target: first.host }]);
      }
      default:
        return this.nodata(ctx);
    }
  }

  private nodata(ctx: Ctx): ZoneAnswer {
    return { rcode: Rcode.NOERROR, answers: [], authorities: [this.soa(ctx.zoneCase)], additionals: [] };
  }

  /** The records, or NODATA when there are none. */
  private records(ctx: Ctx, answers: ResourceRecord[], additionals: ResourceRecord[] = []): ZoneAnswer {
    return answers.length ? { rcode: Rcode.NOERROR, answers, authorities: [], additionals } : this.nodata(ctx);
  }

  // ---- A / AAAA, following ExternalName CNAMEs ----

  private addressAnswer(ctx: Ctx, entries: Entry[]): ZoneAnswer {
    const out = this.addresses(ctx, ctx.q.name, entries, []);
    if (out.chase) return { ...this.nodata(ctx), chase: out.chase };
    return this.records(ctx, out.records);
  }

  /** Address records of `owner`, following CNAMEs inside the zone (at most 10 links, no loops). */
  private addresses(ctx: Ctx, owner: string, entries: Entry[], chain: NameRecord[]): { records: ResourceRecord[]; chase?: Chase } {
    const want = ctx.q.type === RRType.A ? 4 : 6;
    const records: ResourceRecord[] = [];
    const seen = entries.length > 1 ? new Set<string>() : null;
    let chase: Chase | undefined;
    for (const e of entries) {
      if (e.family === want && !seen?.has(e.host)) {
        seen?.add(e.host);
        records.push({ name: owner, type: ctx.q.type as 1 | 28, class: 1, ttl: this.options.ttl, address: e.host });
      }
      if (e.family !== 0) continue;
      const target = e.host.toLowerCase();
      if (isSubdomain(target, owner.toLowerCase()) || chain.length > MAX_CNAME_CHAIN) continue;
      if (chain.some((c) => c.target.toLowerCase() === target)) continue;
      const links = [...chain, { name: owner, type: RRType.CNAME, class: 1, ttl: this.options.ttl, target: e.host } as NameRecord];
      if (!isSubdomain(target, ctx.zone)) {
        chase = { chain: links, name: e.host, type: ctx.q.type };
        continue;
      }
      const next = this.lookup(splitName(target.slice(0, target.length - ctx.zone.length - 1)), ctx.zoneCase);
      if (next === NAME_ERROR) continue;
      const inner = this.addresses(ctx, e.host, next, links);
      if (inner.chase) chase = inner.chase;
      else if (inner.records.length) records.push(links[links.length - 1], ...inner.records);
    }
    return { records, chase };
  }

  // ---- SRV: priority 0, weight 100/N rounded down (at least 1), as CoreDNS computes it ----

  private srvRecords(owner: string, entries: Entry[]): [ResourceRecord[], ResourceRecord[]] {
    const weight = Math.max(1, Math.floor(100 / entries.length));
    const srv: ResourceRecord[] = [];
    const extra: ResourceRecord[] = [];
    const seen = new Set<string>();
    for (const e of entries) {
      if (e.port === -1) continue;
      if (!seen.has(`${e.target} ${e.port}`)) {
        seen.add(`${e.target} ${e.port}`);
        srv.push({ name: owner, type: RRType.SRV, class: 1, ttl: this.options.ttl, priority: 0, weight, port: e.port, target: e.target });
      }
      if (!seen.has(`${e.target} @${e.host}`)) {
        seen.add(`${e.target} @${e.host}`);
        extra.push({ name: e.target, type: e.family === 6 ? RRType.AAAA : RRType.A, class: 1, ttl: this.options.ttl, address: e.host });
      }
    }
    return [srv, extra];
  }

  // ---- name layout: [endpoint | _port._proto].service.namespace.(svc|pod) ----

  private lookup(base: string[], zoneCase: string): Lookup {
    const n = base.length;
    if (n === 0) return [];
    const kind = base[n - 1];
    if (kind !== 'svc' && kind !== 'pod') return NAME_ERROR;
    if (n === 1) return [];
    const ns = base[n - 2];
    if (!this.namespaceExposed(ns)) return NAME_ERROR;
    if (n === 2) return [];
    if (n > 5) return NAME_ERROR;
    const name = base[n - 3];
    if (kind === 'pod') return this.pod(name, ns, zoneCase);
    const endpoint = n === 4 ? base[0] : '';
    const port = n === 5 ? stripUnderscore(base[0]) : '';
    const proto = n === 5 ? stripUnderscore(base[1]) : '';
    return this.service(name, ns, endpoint, port, proto, zoneCase);
  }

  private service(name: string, ns: string, endpoint: string, port: string, proto: string, zoneCase: string): Lookup {
    const svc = this.model.service(name, ns);
    if (!svc) return NAME_ERROR;
    const owner = `${name}.${ns}.svc.${zoneCase}`;
    if (svc.kind === 'ExternalName') {
      if (endpoint || port || proto || !svc.externalName || canonicalIP(svc.externalName.slice(0, -1))) return NAME_ERROR;
      return [{ host: svc.externalName, family: 0, port: -1, target: owner }];
    }
    const slices = this.options.noEndpoints ? [] : this.model.slicesOf(name, ns);
    if (this.options.ignoreEmptyService && svc.kind === 'ClusterIP' && !slices.some((s) => s.ips.length > 0)) return NAME_ERROR;
    if (svc.kind === 'Headless' || endpoint) {
      const out: Entry[] = [];
      for (const slice of slices) {
        for (let i = 0; i < slice.ips.length; i++) {
          const ip = slice.ips[i];
          const host = this.endpointHostname(slice, i);
          if (endpoint && endpoint !== host) continue;
          for (const p of slice.ports) {
            if (portMatches(p, port, proto)) out.push({ host: ip, family: ip.includes(':') ? 6 : 4, port: p.port, target: `${host}.${owner}` });
          }
        }
      }
      return out.length ? out : NAME_ERROR;
    }
    const out: Entry[] = [];
    let matched = false;
    for (const p of svc.ports) {
      if (!portMatches(p, port, proto)) continue;
      matched = true;
      for (const ip of svc.clusterIPs) out.push({ host: ip, family: ip.includes(':') ? 6 : 4, port: p.port, target: owner });
    }
    return matched ? out : NAME_ERROR;
  }

  private pod(name: string, ns: string, zoneCase: string): Lookup {
    const mode = this.options.podMode;
    if (mode === 'disabled') return NAME_ERROR;
    const dashes = name.split('-').length - 1;
    const text = dashes === 3 && !name.includes('--') ? name.replaceAll('-', '.') : name.replaceAll('-', ':');
    const ip = canonicalIP(text);
    if (!ip) return NAME_ERROR;
    if (mode === 'verified' && !this.model.hasPod(ip.text, ns)) return NAME_ERROR;
    return [{ host: ip.text, family: ip.family, port: -1, target: `${name}.${ns}.pod.${zoneCase}` }];
  }

  /** hostname, else (with endpoint_pod_names) the pod's name, else the dashed IP. */
  private endpointHostname(slice: SliceInfo, i: number): string {
    const hostname = slice.hostnames?.[i];
    if (hostname) return hostname;
    const pod = slice.podNames?.[i];
    if (this.options.endpointPodNames && pod) return pod;
    const ip = slice.ips[i];
    if (ip.includes('.')) return ip.replaceAll('.', '-');
    const dashed = ip.replaceAll(':', '-');
    return dashed.endsWith('-') ? dashed + '0' : dashed;
  }

  private namespaceExposed(ns: string): boolean {
    return this.namespaceAllowed(ns) && this.model.hasNamespace(ns);
  }

  private namespaceAllowed(ns: string): boolean {
    const only = this.options.namespaces;
    return only.length === 0 || only.includes(ns);
  }

  // ---- PTR: a ClusterIP names its Service; an endpoint IP names each endpoint holding it ----

  private ptrTargets(ip: string): string[] {
    const svc = this.model.serviceByClusterIP(ip);
    if (svc && this.namespaceAllowed(svc.namespace)) return [`${svc.name}.${svc.namespace}.svc.${this.primaryZone}`];
    const out = new Set<string>();
    for (const slice of this.model.slicesWithEndpoint(ip)) {
      if (!this.namespaceAllowed(slice.namespace)) continue;
      slice.ips.forEach((epIP, i) => {
        if (epIP === ip) out.add(`${this.endpointHostname(slice, i)}.${slice.service}.${slice.namespace}.svc.${this.primaryZone}`);
      });
    }
    return [...out];
  }

  // ---- zone apex: SOA and NS ----

  soa(zoneCase: string): SoaRecord {
    const ttl = this.options.ttl;
    return {
      name: zoneCase, type: RRType.SOA, class: 1, ttl: Math.min(ttl, 300),
      mname: `ns.dns.${zoneCase}`, rname: `hostmaster.${zoneCase}`,
      serial: this.model.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: ttl,
    };
  }

  private localAddresses(owner: string, type: number): AddressRecord[] {
    const want = type === RRType.A ? 4 : type === RRType.AAAA ? 6 : 0;
    return this.options.localIPs
      .map((ip) => canonicalIP(ip))
      .filter((ip) => ip !== null && ip.family === want)
      .map((ip) => ({ name: owner, type: type as 1 | 28, class: 1, ttl: this.options.ttl, address: ip!.text }));
  }

  /** NS records name the Service whose endpoints are this server's addresses (kube-dns), else ns.dns.<zone>. */
  private nsRecords(ctx: Ctx): [ResourceRecord[], ResourceRecord[]] {
    const ttl = this.options.ttl;
    const hosts: { name: string; ip: string }[] = [];
    for (const local of this.options.localIPs) {
      const ip = canonicalIP(local)?.text;
      if (!ip) continue;
      const slices = this.model.slicesWithEndpoint(ip);
      for (const slice of slices) {
        const svc = this.model.service(slice.service, slice.namespace);
        if (!svc) continue;
        const svcName = `${svc.name}.${svc.namespace}.svc.${ctx.zoneCase}`;
        if (svc.kind === 'Headless') {
          slice.ips.forEach((epIP, i) => hosts.push({ name: `${this.endpointHostname(slice, i)}.${svcName}`, ip: epIP }));
        } else {
          for (const cip of svc.clusterIPs) hosts.push({ name: svcName, ip: cip });
        }
      }
      if (slices.length === 0) hosts.push({ name: `ns.dns.${ctx.zoneCase}`, ip });
    }
    const ns: ResourceRecord[] = [];
    const extra: ResourceRecord[] = [];
    const seen = new Set<string>();
    for (const h of hosts) {
      if (!seen.has(h.name)) {
        seen.add(h.name);
        ns.push({ name: ctx.q.name, type: RRType.NS, class: 1, ttl, target: h.name });
      }
      extra.push({ name: h.name, type: h.ip.includes(':') ? RRType.AAAA : RRType.A, class: 1, ttl, address: h.ip });
    }
    return [ns, extra];
  }
}

interface Ctx {
  q: Question;
  lname: string;
  zone: string;
  zoneCase: string;
}

function portMatches(p: PortInfo, port: string, proto: string): boolean {
  return (port === '' || port === p.name) && (proto === '' || proto === p.protocol);
}

function stripUnderscore(s: string): string {
  return s.startsWith('_') ? s.slice(1) : s;
}
