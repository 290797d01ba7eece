// knit's cluster DNS server: the one entry point. It owns the listeners, the HTTP endpoints, the
// forwarders and caches built from a Corefile, and swaps them when a new Corefile arrives
// (applyCorefile: nothing restarts, queries keep flowing; a Corefile that fails leaves the
// running one in place, as CoreDNS's reload does). The ClusterModel it answers from is fed by
// the caller's informers.

import { ResponseCache } from './cache.js';
import { ClientAcl } from './client-acl.js';
import type { ClusterModel } from './cluster-model.js';
import { KubernetesZone } from './cluster-zone.js';
import { type DnsConfig, KUBEADM_COREFILE, parseCorefile, type ServerConfig } from './corefile.js';
import { Forwarder, formatUpstream } from './forwarder.js';
import { HttpEndpoint, type Route } from './http-endpoints.js';
import { DnsListener } from './listeners.js';
import { consoleLogger, type Logger } from './log.js';
import { DnsMetrics } from './metrics.js';
import { type Block, QueryHandler } from './query-handler.js';
import { isLoopback, type ReadFile, resolveUpstreams } from './resolv-conf.js';
import { rcodeName } from './wire/constants.js';

export interface DnsServerOptions {
  model: ClusterModel;
  /** The Corefile to start with; kubeadm's default when absent. */
  corefile?: string;
  /** Overrides of where the Corefile says to listen (tests use port 0 on 127.0.0.1). */
  listen?: { host?: string; dnsPort?: number; healthPort?: number; readyPort?: number; metricsPort?: number };
  /** CIDRs of clients inside the cluster (pods, nodes): only they, and loopback, get names forwarded. */
  clusterCIDRs?: string[];
  /** This server's own addresses (its pod IP): NS records, and refusing to forward to itself. */
  localIPs?: string[];
  logger?: Logger;
  /** Reads resolv.conf files named by `forward`. */
  readFile?: ReadFile;
}

/** Forwarders replaced by a new Corefile are closed once their queries have had time to finish. */
const RETIRE_AFTER_MS = 6000;

export class DnsServer {
  readonly metrics = new DnsMetrics();
  private readonly logger: Logger;
  private readonly handler: QueryHandler;
  private listeners = new Map<string, DnsListener>();
  private endpoints = new Map<string, HttpEndpoint>();
  private blocks: Block[] = [];
  private config: DnsConfig | null = null;
  private readonly retiring = new Map<NodeJS.Timeout, Forwarder>();
  private running = false;
  private applying: Promise<void> = Promise.resolve();

  constructor(private readonly options: DnsServerOptions) {
    this.logger = options.logger ?? consoleLogger;
    this.handler = new QueryHandler(new ClientAcl(options.clusterCIDRs ?? []), this.metrics, this.logger);
  }

  /** Listens as the Corefile says. Throws (CorefileError, bind errors) without leaving anything open. */
  async start(): Promise<void> {
    await this.apply(parseCorefile(this.options.corefile ?? KUBEADM_COREFILE));
    this.running = true;
  }

  /**
   * Applies a new Corefile without a restart. On any error (parse, upstreams, binding) the
   * running configuration stays, coredns_reload_failed_total grows, and the error is thrown.
   */
  applyCorefile(text: string): Promise<void> {
    // one change at a time, in the order they arrive
    const next = this.applying.then(async () => {
      try {
        await this.apply(parseCorefile(text));
        this.logger.info('Reloading complete');
      } catch (e) {
        this.metrics.reloadFailed.inc();
        this.logger.error(`Corefile changes not applied: ${(e as Error).message}`);
        throw e;
      }
    });
    this.applying = next.catch(() => {});
    return next;
  }

  /**
   * Replaces `clusterCIDRs`: the clients (CIDRs, loopback always) that may have names outside
   * the cluster zones forwarded, from the next query on.
   */
  setClientRanges(ranges: string[]): void {
    this.handler.setAcl(new ClientAcl(ranges));
  }

  /** True when a running server block answers pod names only for pods that exist (`pods verified`): the model then needs Pods. */
  podsVerified(): boolean {
    return this.blocks.some((b) => b.kubernetes?.options.podMode === 'verified');
  }

  /** Where DNS is served: one entry per listener. */
  dnsAddresses(): { host: string; port: number }[] {
    return [...this.listeners.values()].map((l) => ({ host: l.host, port: l.port }));
  }

  /** The bound port of the health, ready or metrics endpoint (0 when not configured). */
  httpPort(which: 'health' | 'ready' | 'metrics'): number {
    const want = this.httpAddress(which);
    return want ? this.endpoints.get(`${want.host}:${want.port}`)?.port ?? 0 : 0;
  }

  /** Stops everything; with the Corefile's `health { lameduck }` it first keeps serving that long. */
  async stop(opts: { lameduck?: boolean } = {}): Promise<void> {
    const lameduck = this.config?.health?.lameduckMs ?? 0;
    if (this.running && lameduck > 0 && opts.lameduck !== false) await new Promise((r) => setTimeout(r, lameduck));
    this.running = false;
    for (const [t, f] of this.retiring) { clearTimeout(t); f.close(); }
    this.retiring.clear();
    for (const b of this.blocks) b.forward?.forwarder.close();
    this.blocks = [];
    this.handler.setBlocks([]);
    await Promise.all([...this.listeners.values()].map((l) => l.close()));
    await Promise.all([...this.endpoints.values()].map((e) => e.close()));
    this.listeners.clear();
    this.endpoints.clear();
  }

  private async apply(config: DnsConfig): Promise<void> {
    const dnsPort = this.options.listen?.dnsPort;
    if (dnsPort !== undefined && new Set(config.servers.map((s) => s.port)).size > 1) {
      throw new Error('listen.dnsPort can only override the port of a Corefile whose server blocks share one port');
    }
    const blocks: Block[] = [];
    const closeNew = (): void => blocks.forEach((b) => { if (!this.blocks.some((o) => o.forward?.forwarder === b.forward?.forwarder)) b.forward?.forwarder.close(); });
    try {
      for (const s of config.servers) blocks.push(await this.buildBlock(s));
    } catch (e) {
      closeNew();
      throw e;
    }

    // listeners: open the new ones first, so a bind failure leaves the running set untouched
    const wanted = new Map<string, { host: string; port: number; routePort: number }>();
    for (const s of config.servers) {
      const hosts = this.options.listen?.host !== undefined ? [this.options.listen.host] : s.bind.length ? s.bind : [''];
      for (const host of hosts) wanted.set(`${host}|${s.port}|${dnsPort ?? s.port}`, { host, port: dnsPort ?? s.port, routePort: s.port });
    }
    const opened = new Map<string, DnsListener>();
    const endpoints = this.wantedEndpoints(config);
    const openedEndpoints: HttpEndpoint[] = [];
    try {
      for (const [key, w] of wanted) {
        if (this.listeners.has(key)) continue;
        const l = new DnsListener({ ...w, handler: (p, i) => this.handler.handle(p, i), logger: this.logger });
        await l.start();
        opened.set(key, l);
      }
      for (const [key, want] of endpoints) {
        if (this.endpoints.has(key)) continue;
        const ep = new HttpEndpoint(want.host, want.port);
        ep.setRoutes(want.routes);
        openedEndpoints.push(ep);
        await ep.start();
      }
    } catch (e) {
      await Promise.all([...opened.values()].map((l) => l.close()));
      await Promise.all(openedEndpoints.map((ep) => ep.close()));
      closeNew();
      throw e;
    }

    // swap
    const oldBlocks = this.blocks;
    this.blocks = blocks;
    this.config = config;
    this.handler.setBlocks(blocks);
    for (const b of blocks) {
      const plugins = { kubernetes: !!b.kubernetes, forward: !!b.forward, cache: !!b.cache, loadbalance: b.loadbalance, log: b.log, errors: b.errors };
      for (const [name, on] of Object.entries(plugins)) for (const z of b.zones) this.metrics.pluginEnabled.set([b.server, z, '', name], on ? 1 : 0);
    }
    for (const old of oldBlocks) {
      const f = old.forward?.forwarder;
      if (!f || blocks.some((b) => b.forward?.forwarder === f)) continue;
      const t = setTimeout(() => { this.retiring.delete(t); f.close(); }, RETIRE_AFTER_MS);
      this.retiring.set(t, f);
    }
    for (const [key, l] of this.listeners) if (!wanted.has(key)) await l.close();
    const listeners = new Map<string, DnsListener>();
    for (const key of wanted.keys()) listeners.set(key, this.listeners.get(key) ?? opened.get(key)!);
    this.listeners = listeners;
    for (const [key, ep] of this.endpoints) if (!endpoints.has(key)) await ep.close();
    const kept = new Map<string, HttpEndpoint>();
    for (const ep of openedEndpoints) kept.set(ep.key, ep);
    for (const [key, want] of endpoints) {
      const ep = kept.get(key) ?? this.endpoints.get(key)!;
      ep.setRoutes(want.routes);
      kept.set(key, ep);
    }
    this.endpoints = kept;
  }

  private async buildBlock(s: ServerConfig): Promise<Block> {
    const server = `dns://${s.bind[0] ?? ''}:${s.port}`;
    const block: Block = { zones: s.zones, port: s.port, server, loadbalance: s.loadbalance, log: s.log, errors: s.errors };
    if (s.kubernetes) {
      block.kubernetes = new KubernetesZone(this.options.model, { ...s.kubernetes, localIPs: this.options.localIPs ?? [] });
    }
    if (s.forward) {
      const upstreams = await resolveUpstreams(s.forward.to, this.options.readFile);
      const ownPorts = new Set([this.options.listen?.dnsPort ?? s.port, ...[...this.listeners.values()].map((l) => l.port)]);
      for (const up of upstreams) {
        const self = ownPorts.has(up.port) && (isLoopback(up.host) || (this.options.localIPs ?? []).includes(up.host) || s.bind.includes(up.host));
        if (self) throw new Error(`forward: upstream ${formatUpstream(up)} is this server itself: queries would loop`);
      }
      const same = this.blocks.find((b) => b.forward && JSON.stringify(b.forward.forwarder.options.upstreams) === JSON.stringify(upstreams) &&
        sameForwardSettings(b, s));
      const forwarder = same?.forward?.forwarder ?? new Forwarder({
        upstreams, policy: s.forward.policy, maxConcurrent: s.forward.maxConcurrent, forceTcp: s.forward.forceTcp, preferUdp: s.forward.preferUdp,
        // as CoreDNS: labelled with the rcode's name, and only for exchanges that got an answer
        onExchange: (to, rcode, seconds) => { if (rcode !== null) this.metrics.proxyDuration.observe(['forward', to, rcodeName(rcode)], seconds); },
      });
      block.forward = { from: s.forward.from, except: s.forward.except, forwarder };
    }
    if (s.cache) {
      // a cache outlives a reload only while it fronts the same forwarder (CoreDNS starts afresh on every reload)
      const same = this.blocks.find((b) => b.server === server && b.cache && JSON.stringify(b.cache.config) === JSON.stringify(s.cache) &&
        b.forward?.forwarder === block.forward?.forwarder);
      const zones = s.cache.zones.join(' ');
      block.cache = same?.cache ?? new ResponseCache(s.cache, Date.now, { evicted: (kind) => this.metrics.cacheEvictions.inc([server, kind, zones, '']) });
    }
    return block;
  }

  private httpAddress(which: 'health' | 'ready' | 'metrics'): { host: string; port: number } | undefined {
    const c = this.config;
    const l = this.options.listen;
    const base = which === 'health' ? c?.health : which === 'ready' ? c?.ready : c?.prometheus;
    if (!base) return undefined;
    const port = which === 'health' ? l?.healthPort : which === 'ready' ? l?.readyPort : l?.metricsPort;
    return { host: l?.host ?? base.host, port: port ?? base.port };
  }

  /** host:port -> the routes served there. */
  private wantedEndpoints(config: DnsConfig): Map<string, { host: string; port: number; routes: Map<string, Route> }> {
    const l = this.options.listen;
    const out = new Map<string, { host: string; port: number; routes: Map<string, Route> }>();
    const add = (base: { host: string; port: number } | undefined, override: number | undefined, path: string, route: Route): void => {
      if (!base) return;
      const host = l?.host ?? base.host;
      const port = override ?? base.port;
      const key = `${host}:${port}`;
      const ep = out.get(key) ?? { host, port, routes: new Map<string, Route>() };
      ep.routes.set(path, route);
      out.set(key, ep);
    };
    add(config.health, l?.healthPort, '/health', () => ({ status: 200, body: 'OK' }));
    add(config.ready, l?.readyPort, '/ready', () => (this.running && this.options.model.synced
      ? { status: 200, body: 'OK' }
      : { status: 503, body: 'kubernetes' }));
    add(config.prometheus, l?.metricsPort, '/metrics', () => ({ status: 200, body: this.metrics.render(), type: 'text/plain; version=0.0.4; charset=utf-8' }));
    return out;
  }
}

function sameForwardSettings(b: Block, s: ServerConfig): boolean {
  const o = b.forward!.forwarder.options;
  const f = s.forward!;
  return o.policy === f.policy && o.maxConcurrent === f.maxConcurrent && o.forceTcp === f.forceTcp && o.preferUdp === f.preferUdp;
}
