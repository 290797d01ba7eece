// The Proxier alone, with a recording backend and kernel in place of the real ones.

import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProxyBackend, SyncRequest } from './backend.js';
import type { Kernel } from './kernel.js';
import { createLogger } from '../common/klog.js';
import { Proxier } from './proxier.js';
import { ep, makeService, makeSlice } from './testing/fixtures.js';

class RecordingBackend implements ProxyBackend {
  readonly mode = 'iptables' as const;
  syncs: SyncRequest[] = [];
  fail = false;
  intact = true;
  async sync(req: SyncRequest) {
    if (this.fail) throw new Error('iptables-restore: line 3 failed');
    this.syncs.push(req);
    return { details: { numNATRules: 1 } };
  }
  async rulesIntact() {
    return this.intact;
  }
}

const conntrackCalls: string[][] = [];
const kernel = { conntrack: async (args: string[]) => void conntrackCalls.push(args) } as unknown as Kernel;

function setup() {
  const backend = new RecordingBackend();
  const logs: string[] = [];
  const proxier = new Proxier({
    nodeName: 'node-a', backend, kernel, log: createLogger('proxier.ts', (l) => logs.push(l)),
    minSyncPeriodMs: 0, syncPeriodMs: 30_000, fullSyncPeriodMs: 3_600_000, healthzBindAddress: '', healthCheckBindAddress: '',
  });
  return { backend, logs, proxier };
}

const web = makeService('ns', 'web', { clusterIP: '10.96.0.5', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] });
const slice = (...ips: string[]) => makeSlice('ns', 'web', 'a', ips.map((ip) => ep(ip)), [{ name: 'dns', port: 53, protocol: 'UDP' }]);

describe('Proxier', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    conntrackCalls.length = 0;
  });

  it('programs nothing before setInitialized, then syncs everything', async () => {
    const { backend, logs, proxier } = setup();
    stop = () => proxier.stop();
    proxier.onServiceAdd(web);
    proxier.onEndpointSliceAdd(slice('10.244.1.2'));
    await proxier.sync();
    assert.equal(backend.syncs.length, 0);
    assert.ok(logs.some((l) => l.includes('"Not syncing iptables until Services and Endpoints have been received from master"')));
    proxier.setInitialized();
    await proxier.sync();
    assert.equal(backend.syncs.length, 1);
    assert.equal(backend.syncs[0].full, true);
    assert.deepEqual(backend.syncs[0].plans.map((p) => p.key), ['ns/web:dns/UDP']);
  });

  it('then syncs partially, naming the changed Services, and skips no-op updates', async () => {
    const { backend, proxier } = setup();
    stop = () => proxier.stop();
    proxier.onServiceAdd(web);
    proxier.setInitialized();
    await proxier.sync();
    proxier.onEndpointSliceAdd(slice('10.244.1.2'));
    await proxier.sync();
    assert.equal(backend.syncs.length, 2);
    assert.equal(backend.syncs[1].full, false);
    assert.deepEqual(backend.syncs[1].changed, new Set(['ns/web']));
    proxier.onServiceUpdate(web, { ...web, metadata: { ...web.metadata, resourceVersion: '7' } });
    await proxier.sync();
    assert.equal(backend.syncs.length, 2, 'a no-op update programs nothing');
  });

  it('after a failed sync, retries with a full sync', async () => {
    const { backend, logs, proxier } = setup();
    stop = () => proxier.stop();
    proxier.setInitialized();
    await proxier.sync();
    backend.fail = true;
    proxier.onServiceAdd(web);
    await proxier.sync();
    assert.ok(logs.some((l) => l.startsWith('E') && l.includes('"Failed to execute iptables-restore"')));
    assert.ok(logs.some((l) => l.includes('"Sync failed" ipFamily="IPv4" retryingTime="30s"')));
    backend.fail = false;
    await proxier.sync();
    assert.equal(backend.syncs.at(-1)!.full, true);
  });

  it('resyncs fully when its rules were removed behind its back', async () => {
    const { backend, proxier } = setup();
    stop = () => proxier.stop();
    proxier.setInitialized();
    await proxier.sync();
    await proxier.sync();
    assert.equal(backend.syncs.length, 1, 'nothing to do while the rules are intact');
    backend.intact = false;
    await proxier.sync();
    assert.equal(backend.syncs.length, 2);
    assert.equal(backend.syncs[1].full, true);
  });

  it('resyncs fully when its node\'s labels change, and ignores other nodes', async () => {
    const { backend, logs, proxier } = setup();
    stop = () => proxier.stop();
    proxier.setInitialized();
    await proxier.sync();
    proxier.onNodeUpdate({ metadata: { name: 'node-b', labels: { zone: 'b' } }, spec: {} });
    assert.ok(logs.some((l) => l.includes(`"Received a watch event for a node that doesn't match the current node" eventNode="node-b" currentNode="node-a"`)));
    await proxier.sync();
    assert.equal(backend.syncs.length, 1);
    proxier.onNodeUpdate({ metadata: { name: 'node-a', labels: { zone: 'a' } }, spec: {} });
    await proxier.sync();
    assert.equal(backend.syncs.length, 2);
    assert.equal(backend.syncs[1].full, true);
  });

  it('deletes stale UDP conntrack entries after programming the rules', async () => {
    const { proxier } = setup();
    stop = () => proxier.stop();
    proxier.onServiceAdd(web);
    proxier.onEndpointSliceAdd(slice('10.244.1.2', '10.244.1.3'));
    proxier.setInitialized();
    await proxier.sync();
    conntrackCalls.length = 0;
    proxier.onEndpointSliceUpdate(slice('10.244.1.3'));
    await proxier.sync();
    assert.deepEqual(conntrackCalls, [['-D', '--orig-dst', '10.96.0.5', '--dst-nat', '10.244.1.2', '-p', 'udp']]);
  });
});
