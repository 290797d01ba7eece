import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice, EndpointSliceEndpoint } from '../../kube/types.js';
import { planSlices, type DesiredGroup } from './slices.js';

const ports = [{ name: 'http', protocol: 'TCP', port: 8080 }];
const ep = (ip: string, ready = true): EndpointSliceEndpoint => ({ addresses: [ip], conditions: { ready, serving: ready, terminating: false } });
const ips = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `10.244.${Math.floor((from + i) / 250)}.${(from + i) % 250}`);
const group = (addresses: string[], p = ports): DesiredGroup => ({ ports: p, endpoints: new Map(addresses.map((a) => [a, ep(a)])) });
const slice = (name: string, addresses: string[], p = ports): EndpointSlice =>
  ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name }, addressType: 'IPv4', ports: p, endpoints: addresses.map((a) => ep(a)) });

describe('packing endpoints into EndpointSlices', () => {
  it('splits more than 100 endpoints into slices of at most 100, each address once', () => {
    const all = ips(250);
    const plan = planSlices([], [group(all)], 100);
    assert.deepEqual(plan.create.map((c) => c.endpoints.length), [100, 100, 50]);
    assert.deepEqual(plan.create.flatMap((c) => c.endpoints.map((e) => e.addresses[0])).sort(), [...all].sort());
  });

  it('keeps endpoints in the slice that holds them and fills slices with room before creating one', () => {
    const existing = [slice('a', ips(100)), slice('b', ips(10, 101))];
    const plan = planSlices(existing, [group([...ips(110), '10.244.9.9'])], 100);
    assert.deepEqual(plan.create, []);
    assert.deepEqual(plan.unchanged.map((s) => s.metadata.name), ['a']);
    assert.equal(plan.update.length, 1);
    assert.equal(plan.update[0].slice.metadata.name, 'b');
    assert.equal(plan.update[0].endpoints.length, 11);
  });

  it('updates only the slice whose endpoint changed, deletes slices that empty out, keeps one placeholder when none are left', () => {
    const existing = [slice('a', ['10.0.0.1', '10.0.0.2']), slice('b', ['10.0.0.3'])];
    const changed = planSlices(existing, [{ ports, endpoints: new Map([['10.0.0.1', ep('10.0.0.1')], ['10.0.0.2', ep('10.0.0.2', false)]]) }], 100);
    assert.deepEqual(changed.update.map((u) => [u.slice.metadata.name, u.endpoints.map((e) => e.conditions?.ready)]), [['a', [true, false]]]);
    assert.deepEqual(changed.delete.map((s) => s.metadata.name), ['b']);
    const none = planSlices(existing, [group([])], 100);
    assert.equal(none.delete.length + none.update.length, 2);
    assert.equal(none.update.length, 1, 'one slice stays, emptied');
    assert.deepEqual(none.update[0].endpoints, []);
  });

  it('gives each port set its own slices (pods naming a targetPort differently)', () => {
    const other = [{ name: 'http', protocol: 'TCP', port: 9090 }];
    const plan = planSlices([slice('a', ['10.0.0.1'])], [group(['10.0.0.1']), group(['10.0.0.2'], other)], 100);
    assert.deepEqual(plan.unchanged.map((s) => s.metadata.name), ['a']);
    assert.deepEqual(plan.create.map((c) => [c.ports[0].port, c.endpoints.map((e) => e.addresses[0])]), [[9090, ['10.0.0.2']]]);
  });
});
