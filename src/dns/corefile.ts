// The Corefile subset knit's DNS server understands (kubeadm's default and the usual edits),
// turned into a DnsConfig. Anything else is refused with the line it is on, so a ConfigMap edit
// that knit cannot honour is reported rather than silently ignored.

import type { KubernetesOptions, PodMode } from './cluster-zone.js';
import { CorefileError, type Directive, parseServerBlocks } from './corefile-syntax.js';
import { tryParseGoDuration } from '../common/go-duration.js';
import { reverseZoneOfCIDR } from './reverse.js';
import { canonicalIP } from './wire/ip.js';

export { CorefileError } from './corefile-syntax.js';

/** kubeadm's default Corefile (ConfigMap kube-system/coredns, key Corefile). */
export const KUBEADM_COREFILE = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`;

/** The kubernetes plugin's settings; the server adds its own addresses. */
export type KubernetesConfig = Omit<KubernetesOptions, 'localIPs'>;

export interface ForwardConfig {
  /** Names below this zone are forwarded. */
  from: string;
  /** Upstreams as written: "ip", "ip:port", "[ipv6]:port", "dns://..." or a resolv.conf path. */
  to: string[];
  except: string[];
  /** 0 = unlimited. */
  maxConcurrent: number;
  policy: 'random' | 'round_robin' | 'sequential';
  forceTcp: boolean;
  preferUdp: boolean;
}

export interface CacheConfig {
  zones: string[];
  successCapacity: number;
  successTtl: number;
  successMinTtl: number;
  denialCapacity: number;
  denialTtl: number;
  denialMinTtl: number;
  servfailTtl: number;
}

export interface ServerConfig {
  zones: string[];
  port: number;
  /** Addresses to listen on; empty = all. */
  bind: string[];
  kubernetes?: KubernetesConfig;
  forward?: ForwardConfig;
  cache?: CacheConfig;
  loadbalance: boolean;
  log: boolean;
  errors: boolean;
}

export interface HttpEndpoint { host: string; port: number }

export interface DnsConfig {
  servers: ServerConfig[];
  health?: HttpEndpoint & { lameduckMs: number };
  ready?: HttpEndpoint;
  prometheus?: HttpEndpoint;
}

/** CoreDNS plugins knit knows of but does not implement: named in the error. */
const UNSUPPORTED = new Set(['acl', 'any', 'auto', 'autopath', 'bufsize', 'chaos', 'debug', 'dns64', 'dnssec', 'dnstap',
  'erratic', 'etcd', 'file', 'geoip', 'grpc', 'header', 'hosts', 'import', 'k8s_external', 'local', 'metadata', 'minimal',
  'nsid', 'pprof', 'rewrite', 'root', 'route53', 'secondary', 'sign', 'template', 'timeouts', 'tls', 'trace', 'transfer',
  'tsig', 'view', 'whoami', 'clouddns', 'azure', 'on', 'multisocket']);

const fail = (d: { line: number }, detail: string): never => { throw new CorefileError(d.line, detail); };

function zoneName(d: Directive, text: string): string {
  const rev = (() => { try { return reverseZoneOfCIDR(text); } catch (e) { return fail(d, (e as Error).message); } })();
  if (rev) return rev;
  const z = text.toLowerCase();
  if (!/^[a-z0-9_.-]+$/.test(z) || z.includes('..')) fail(d, `invalid zone '${text}'`);
  return z === '.' ? '.' : z.endsWith('.') ? z : z + '.';
}

function integer(d: Directive, text: string | undefined, min: number, max: number, what: string): number {
  if (text === undefined || !/^\d+$/.test(text)) return fail(d, `${what} needs a whole number, got '${text ?? ''}'`);
  const n = Number(text);
  if (n < min || n > max) fail(d, `${what} must be in range [${min}, ${max}]: ${n}`);
  return n;
}

/** Go-style durations as Corefiles write them: "5s", "1m30s", "500ms". */
export function parseDuration(d: { line: number }, text: string): number {
  const ms = tryParseGoDuration(text);
  return ms === undefined || ms < 0 ? fail(d, `invalid duration '${text}'`) : ms;
}

function noArgs(d: Directive): void {
  if (d.args.length) fail(d, `Wrong argument count or unexpected line ending after '${d.args[0]}'`);
}

function noBlock(d: Directive): void {
  if (d.block) fail(d, `${d.name}: options are not supported by knit`);
}

function unknownProperty(d: Directive): never {
  return fail(d, `unknown property '${d.name}'`);
}

/** "host:port" or ":port" as the health/ready/prometheus plugins take it. */
function hostPort(d: Directive, text: string | undefined, fallback: HttpEndpoint): HttpEndpoint {
  if (text === undefined) return fallback;
  const m = /^(.*):(\d+)$/.exec(text);
  if (!m) return fail(d, `${d.name}: invalid address '${text}'`);
  const host = m[1].replace(/^\[(.*)\]$/, '$1');
  return { host: host === 'localhost' ? '127.0.0.1' : host, port: integer(d, m[2], 0, 65535, `${d.name} port`) };
}

function kubernetes(d: Directive, blockZones: string[]): KubernetesConfig {
  const k: KubernetesConfig = {
    zones: d.args.length ? d.args.map((a) => zoneName(d, a)) : blockZones,
    podMode: 'disabled', ttl: 5, fallthrough: null, namespaces: [],
    endpointPodNames: false, noEndpoints: false, ignoreEmptyService: false,
  };
  for (const o of d.block ?? []) {
    if (o.block) fail(o, `kubernetes: unexpected block after '${o.name}'`);
    switch (o.name) {
      case 'pods':
        if (o.args.length !== 1 || !['disabled', 'insecure', 'verified'].includes(o.args[0])) {
          fail(o, 'Value for pods must be one of: disabled, verified, insecure');
        }
        k.podMode = o.args[0] as PodMode;
        break;
      case 'ttl':
        if (o.args.length !== 1) fail(o, 'ttl needs one argument');
        k.ttl = integer(o, o.args[0], 0, 3600, 'ttl');
        break;
      case 'fallthrough':
        k.fallthrough = o.args.map((a) => zoneName(o, a));
        break;
      case 'namespaces':
        if (!o.args.length) fail(o, 'namespaces needs at least one namespace');
        k.namespaces = o.args.map((a) => a.toLowerCase());
        break;
      case 'endpoint_pod_names': noArgs(o); k.endpointPodNames = true; break;
      case 'noendpoints': noArgs(o); k.noEndpoints = true; break;
      case 'ignore':
        if (o.args.length !== 1 || o.args[0] !== 'empty_service') fail(o, "ignore takes exactly 'empty_service'");
        k.ignoreEmptyService = true;
        break;
      case 'endpoint': case 'tls': case 'kubeconfig': case 'apiserver_qps': case 'apiserver_burst':
      case 'apiserver_max_inflight': case 'startup_timeout': case 'labels': case 'namespace_labels':
      case 'multicluster': case 'zonal':
        fail(o, `kubernetes: option '${o.name}' is not supported by knit`);
        break;
      default:
        unknownProperty(o);
    }
  }
  return k;
}

function forward(d: Directive): ForwardConfig {
  if (d.args.length < 2) fail(d, 'forward needs a zone and at least one upstream');
  const to = d.args.slice(1);
  for (const t of to) {
    if (/^(tls|https|grpc|quic):\/\//.test(t)) fail(d, `forward: upstream '${t}': only plain DNS (dns://) is supported by knit`);
    if (!t.startsWith('/') && !parseUpstream(t)) fail(d, `forward: not an IP address or file: '${t}'`);
  }
  const f: ForwardConfig = { from: zoneName(d, d.args[0]), to, except: [], maxConcurrent: 0, policy: 'random', forceTcp: false, preferUdp: false };
  for (const o of d.block ?? []) {
    switch (o.name) {
      case 'except': f.except = o.args.map((a) => zoneName(o, a)); break;
      case 'max_concurrent': f.maxConcurrent = integer(o, o.args[0], 1, 1_000_000, 'max_concurrent'); break;
      case 'policy':
        if (o.args.length !== 1 || !['random', 'round_robin', 'sequential'].includes(o.args[0])) fail(o, `unknown policy '${o.args[0] ?? ''}'`);
        f.policy = o.args[0] as ForwardConfig['policy'];
        break;
      case 'force_tcp': noArgs(o); f.forceTcp = true; break;
      case 'prefer_udp': noArgs(o); f.preferUdp = true; break;
      case 'tls': case 'tls_servername': case 'expire': case 'max_fails': case 'health_check': case 'next':
      case 'failfast_all_unhealthy_upstreams': case 'failover': case 'max_idle_conns':
        fail(o, `forward: option '${o.name}' is not supported by knit`);
        break;
      default:
        unknownProperty(o);
    }
  }
  if (f.forceTcp && f.preferUdp) fail(d, 'forward: force_tcp and prefer_udp are mutually exclusive');
  return f;
}

/** An upstream address as the forward plugin takes it, or null. */
export function parseUpstream(text: string): { host: string; port: number } | null {
  const s = text.replace(/^dns:\/\//, '');
  let host = s, port = 53;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  const v4 = /^([^:]+):(\d+)$/.exec(s);
  if (v6) { host = v6[1]; port = v6[2] ? Number(v6[2]) : 53; }
  else if (v4) { host = v4[1]; port = Number(v4[2]); }
  const ip = canonicalIP(host);
  if (!ip || port < 1 || port > 65535) return null;
  return { host: ip.text, port };
}

function cache(d: Directive, blockZones: string[]): CacheConfig {
  const c: CacheConfig = {
    zones: blockZones, successCapacity: 9984, successTtl: 3600, successMinTtl: 5,
    denialCapacity: 9984, denialTtl: 1800, denialMinTtl: 5, servfailTtl: 5,
  };
  const args = [...d.args];
  if (args.length && /^\d+$/.test(args[0])) {
    const ttl = integer(d, args.shift(), 1, 0x7fffffff, 'cache TTL');
    c.successTtl = ttl;
    c.denialTtl = ttl;
  }
  if (args.length) c.zones = args.map((a) => zoneName(d, a));
  for (const o of d.block ?? []) {
    switch (o.name) {
      case 'success': case 'denial': {
        if (o.args.length < 1 || o.args.length > 3) fail(o, `${o.name} takes CAPACITY [TTL [MINTTL]]`);
        const cap = integer(o, o.args[0], 1, 1_000_000_000, `${o.name} capacity`);
        const ttl = o.args[1] !== undefined ? integer(o, o.args[1], 1, 0x7fffffff, `${o.name} TTL`) : undefined;
        const min = o.args[2] !== undefined ? integer(o, o.args[2], 0, 0x7fffffff, `${o.name} MINTTL`) : undefined;
        if (o.name === 'success') {
          c.successCapacity = cap; c.successTtl = ttl ?? c.successTtl; c.successMinTtl = min ?? c.successMinTtl;
        } else {
          c.denialCapacity = cap; c.denialTtl = ttl ?? c.denialTtl; c.denialMinTtl = min ?? c.denialMinTtl;
        }
        break;
      }
      case 'servfail': {
        if (o.args.length !== 1) fail(o, 'servfail takes one DURATION');
        const ms = parseDuration(o, o.args[0]);
        if (ms > 300_000) fail(o, 'caching SERVFAIL responses over 5 minutes is not permitted');
        c.servfailTtl = ms / 1000;
        break;
      }
      case 'prefetch': case 'serve_stale': case 'serve_stale_policy': case 'disable': case 'keepttl':
        fail(o, `cache: option '${o.name}' is not supported by knit`);
        break;
      default:
        unknownProperty(o);
    }
  }
  return c;
}

function serverKey(line: number, key: string): { zone: string; port: number } {
  if (/^[a-z0-9+]+:\/\//.test(key) && !key.startsWith('dns://')) throw new CorefileError(line, `server key '${key}': only plain DNS (dns://) is supported by knit`);
  const m = /^(?:dns:\/\/)?([^:]*)(?::(\d+))?$/.exec(key);
  if (!m) throw new CorefileError(line, `invalid server key '${key}'`);
  const port = m[2] === undefined ? 53 : Number(m[2]);
  if (port > 65535) throw new CorefileError(line, `invalid port in '${key}'`);
  return { zone: zoneName({ name: 'server', args: [], line, block: null }, m[1] || '.'), port };
}

/** Parses a Corefile. Throws CorefileError (CoreDNS's wording, with the line) for anything unsupported. */
export function parseCorefile(text: string): DnsConfig {
  const config: DnsConfig = { servers: [] };
  const once = <K extends 'health' | 'ready' | 'prometheus'>(d: Directive, key: K, value: NonNullable<DnsConfig[K]>): void => {
    const prev = config[key];
    if (prev && JSON.stringify(prev) !== JSON.stringify(value)) fail(d, `${d.name}: only one address is supported across server blocks`);
    config[key] = value;
  };
  for (const block of parseServerBlocks(text)) {
    const keys = block.keys.map((k) => serverKey(block.line, k));
    if (new Set(keys.map((k) => k.port)).size > 1) throw new CorefileError(block.line, 'all keys of a server block must use the same port');
    const server: ServerConfig = { zones: keys.map((k) => k.zone), port: keys[0]?.port ?? 53, bind: [], loadbalance: false, log: false, errors: false };
    const seen = new Set<string>();
    for (const d of block.directives) {
      if (seen.has(d.name) && d.name !== 'bind') fail(d, `plugin '${d.name}' can only be used once per server block`);
      seen.add(d.name);
      switch (d.name) {
        case 'kubernetes': server.kubernetes = kubernetes(d, server.zones); break;
        case 'forward': server.forward = forward(d); break;
        case 'cache': server.cache = cache(d, server.zones); break;
        case 'errors': noArgs(d); noBlock(d); server.errors = true; break;
        case 'log': noArgs(d); noBlock(d); server.log = true; break;
        case 'loadbalance':
          if (d.args.length > 1 || (d.args[0] && d.args[0] !== 'round_robin')) fail(d, `loadbalance: unknown policy '${d.args[0]}'`);
          noBlock(d);
          server.loadbalance = true;
          break;
        case 'loop': noArgs(d); noBlock(d); break; // loops are prevented statically: see forward setup
        case 'reload': noBlock(d); d.args.forEach((a) => parseDuration(d, a)); break; // ConfigMap changes apply at once
        case 'bind':
          for (const a of d.args) if (!canonicalIP(a)) fail(d, `bind: '${a}' is not an IP address (interface names are not supported by knit)`);
          server.bind.push(...d.args.map((a) => canonicalIP(a)!.text));
          break;
        case 'health': {
          let lameduckMs = 0;
          for (const o of d.block ?? []) {
            if (o.name !== 'lameduck') unknownProperty(o);
            if (o.args.length !== 1) fail(o, 'lameduck takes one DURATION');
            lameduckMs = parseDuration(o, o.args[0]);
          }
          once(d, 'health', { ...hostPort(d, d.args[0], { host: '', port: 8080 }), lameduckMs });
          break;
        }
        case 'ready': noBlock(d); once(d, 'ready', hostPort(d, d.args[0], { host: '', port: 8181 })); break;
        case 'prometheus': noBlock(d); once(d, 'prometheus', hostPort(d, d.args[0], { host: '127.0.0.1', port: 9153 })); break;
        default:
          fail(d, UNSUPPORTED.has(d.name) ? `plugin '${d.name}' is not supported by knit` : `Unknown directive '${d.name}'`);
      }
    }
    config.servers.push(server);
  }
  return config;
}
