// The Proxier: fed Service, EndpointSlice and Node events, it keeps the shared change tracker
// and, through a bounded-frequency runner, has its backend program the kernel. Nothing is
// programmed before setInitialized(); the first sync after it (and every sync after a failure)
// rebuilds the whole rule set from state, so a restarted kube-proxy re-applies everything.

import type { EndpointSlice, Node, Service } from '../kube/types.js';
import type { ProxyBackend } from './backend.js';
import { ProxyState } from './changes.js';
import { conntrackCleanupCommands } from './conntrack.js';
import { ProxyHealthServer, ServiceHealthServer } from './healthcheck.js';
import type { Kernel } from './kernel.js';
import { type Logger, formatDuration } from '../common/klog.js';
import { planAll } from './plan.js';
import { BoundedFrequencyRunner } from '../common/runner.js';

export interface ProxierTiming {
  /** Shortest time between syncs after a burst of two (upstream default 1s). */
  minSyncPeriodMs: number;
  /** Periodic check that the rules are still installed; retry delay after a failure (30s). */
  syncPeriodMs: number;
  /** A full resync at least this often (upstream: one hour). */
  fullSyncPeriodMs: number;
}

export interface ProxierParts extends ProxierTiming {
  nodeName: string;
  backend: ProxyBackend;
  kernel: Kernel;
  log: Logger;
  /** "host:port" for /healthz and /livez; '' for none. */
  healthzBindAddress: string;
  /** Address for the health check node port listeners; '' for none. */
  healthCheckBindAddress: string;
  /** Port actually bound for a healthCheckNodePort (tests map it to 0). */
  healthCheckPort?: (healthCheckNodePort: number) => number;
}

const IP_FAMILY = { ipFamily: 'IPv4' };

export class Proxier {
  readonly mode: ProxyBackend['mode'];
  readonly healthz: ProxyHealthServer;
  /** Health check node port listeners (null when disabled). */
  readonly serviceHealth: ServiceHealthServer | null;
  /** Where /healthz listens, once started (null when disabled). */
  healthzAddress: { address: string; port: number } | null = null;
  private readonly state: ProxyState;
  private readonly runner: BoundedFrequencyRunner;
  private initialized = false;
  private needFullSync = true;
  private resyncRequested = false;
  private lastFullSync = 0;
  private nodeLabels: string | null = null;

  constructor(private readonly parts: ProxierParts) {
    this.mode = parts.backend.mode;
    this.state = new ProxyState(parts.nodeName);
    this.healthz = new ProxyHealthServer(2 * parts.syncPeriodMs);
    this.serviceHealth = parts.healthCheckBindAddress
      ? new ServiceHealthServer({ bindAddress: parts.healthCheckBindAddress, proxyHealthy: () => this.healthz.isHealthy(), listenPort: parts.healthCheckPort })
      : null;
    this.runner = new BoundedFrequencyRunner(() => this.syncProxyRules(), {
      minIntervalMs: parts.minSyncPeriodMs,
      maxIntervalMs: parts.syncPeriodMs,
      onError: (err) => parts.log.error(err, 'Sync failed'),
    });
  }

  onServiceAdd(svc: Service): void {
    this.changed(this.state.updateService(svc));
  }

  /** Takes the new object, alone or after the old one as informers pass them. */
  onServiceUpdate(svcOrOld: Service, svc?: Service): void {
    this.changed(this.state.updateService(svc ?? svcOrOld));
  }

  onServiceDelete(svc: Service): void {
    this.changed(this.state.updateService(svc, true));
  }

  onEndpointSliceAdd(slice: EndpointSlice): void {
    this.changed(this.state.updateEndpointSlice(slice));
  }

  onEndpointSliceUpdate(sliceOrOld: EndpointSlice, slice?: EndpointSlice): void {
    this.changed(this.state.updateEndpointSlice(slice ?? sliceOrOld));
  }

  onEndpointSliceDelete(slice: EndpointSlice): void {
    this.changed(this.state.updateEndpointSlice(slice, true));
  }

  onNodeAdd(node: Node): void {
    this.onNodeUpdate(node);
  }

  /** Node label changes (topology) force a full resync; a node being deleted fails /healthz. */
  onNodeUpdate(nodeOrOld: Node, newNode?: Node): void {
    const node = newNode ?? nodeOrOld;
    if (!this.isOurNode(node)) return;
    this.healthz.syncNode(node);
    const labels = JSON.stringify(Object.entries(node.metadata.labels ?? {}).sort());
    if (labels === this.nodeLabels) return;
    this.nodeLabels = labels;
    this.forceFullSync();
  }

  onNodeDelete(node: Node): void {
    if (!this.isOurNode(node)) return;
    this.healthz.syncNode(null);
    this.nodeLabels = null;
    this.forceFullSync();
  }

  /** Every informer has listed its objects: from now on the rules are programmed. */
  setInitialized(): void {
    this.initialized = true;
    this.needFullSync = true;
    this.runner.run();
  }

  /** Starts the periodic syncs and the /healthz server (createProxier does this). */
  async start(): Promise<void> {
    if (this.parts.healthzBindAddress) this.healthzAddress = await this.healthz.start(this.parts.healthzBindAddress);
    this.runner.start();
  }

  /** Syncs now and resolves when done (tests, benchmarks, and callers that must wait). */
  sync(): Promise<void> {
    return this.runner.runNow();
  }

  /** Stops syncing and closes every listener. The kernel rules stay, as upstream leaves them. */
  async stop(): Promise<void> {
    await this.runner.stop();
    await this.healthz.close();
    await this.serviceHealth?.close();
  }

  private isOurNode(node: Node): boolean {
    if (node.metadata.name === this.parts.nodeName) return true;
    this.parts.log.error(null, "Received a watch event for a node that doesn't match the current node", { eventNode: node.metadata.name, currentNode: this.parts.nodeName });
    return false;
  }

  private changed(pending: boolean): void {
    if (!pending || !this.initialized) return;
    this.healthz.queuedUpdate();
    this.runner.run();
  }

  private forceFullSync(): void {
    this.needFullSync = true;
    if (this.initialized) this.runner.run();
  }

  private async syncProxyRules(): Promise<void> {
    const { backend, log } = this.parts;
    if (!this.initialized) {
      log.info(`Not syncing ${this.mode} until Services and Endpoints have been received from master`, IP_FAMILY);
      return;
    }
    const start = performance.now();
    let fullSync = this.needFullSync || Date.now() - this.lastFullSync >= this.parts.fullSyncPeriodMs;
    if (!fullSync && !this.state.hasPendingChanges() && !this.resyncRequested) {
      // A periodic run with nothing to do, unless someone flushed our rules.
      if (await backend.rulesIntact()) return;
      log.info(`${this.mode} rules were removed by someone else; forcing a full resync`, IP_FAMILY);
      fullSync = true;
    }
    this.resyncRequested = false;
    const changes = this.state.checkout();
    log.info(`Syncing ${this.mode} rules`, { ...IP_FAMILY, fullSync });

    const plans = planAll(this.state);
    let result;
    try {
      result = await backend.sync({ plans, full: fullSync, changed: changes.updatedServices });
    } catch (err) {
      log.error(err, this.mode === 'iptables' ? 'Failed to execute iptables-restore' : 'nftables sync failed', IP_FAMILY);
      log.info('Sync failed', { ...IP_FAMILY, retryingTime: formatDuration(this.parts.syncPeriodMs) });
      // The changes were taken from the tracker: only a full sync can catch up now.
      this.needFullSync = true;
      this.runner.retryAfter(this.parts.syncPeriodMs);
      return;
    }
    this.needFullSync = false;
    if (fullSync) this.lastFullSync = Date.now();
    if (result.resyncAfterMs !== undefined) {
      this.resyncRequested = true;
      this.runner.retryAfter(result.resyncAfterMs);
    }
    log.info(`Reloading service ${this.mode} data`, { ...IP_FAMILY, numServices: plans.length, numEndpoints: this.state.endpointCount(), ...result.details });
    this.healthz.updated();

    const serviceHealth = this.serviceHealth;
    if (serviceHealth) {
      try {
        await serviceHealth.syncServices(this.state.healthCheckNodePorts());
        serviceHealth.syncEndpoints(this.state.localReadyEndpoints());
      } catch (err) {
        log.error(err, 'Error syncing healthcheck services', IP_FAMILY);
      }
    }
    for (const args of conntrackCleanupCommands(changes, this.state)) {
      try {
        await this.parts.kernel.conntrack(args);
      } catch (err) {
        log.error(err, 'Failed to delete stale service connections', IP_FAMILY);
      }
    }
    log.info('SyncProxyRules complete', { ...IP_FAMILY, elapsed: formatDuration(performance.now() - start) });
  }
}
