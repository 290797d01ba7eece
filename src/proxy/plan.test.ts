import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyState } from './changes.js';
import { planAll } from './plan.js';
import { ep, makeService, makeSlice } from './testing/fixtures.js';

describe('planAll', () => {
  const state = new ProxyState('node-a');
  const svc = (name: string, ip: string) => makeService('ns', name, { clusterIP: ip, ports: [{ name: 'http', port: 80 }] });
  state.updateService(svc('b', '10.96.0.2'));
  state.updateService(svc('a', '10.96.0.1'));
  state.updateEndpointSlice(makeSlice('ns', 'a', 1, [ep('10.244.1.2')], [{ name: 'http', port: 8080 }]));
  state.updateEndpointSlice(makeSlice('ns', 'b', 1, [ep('10.244.1.3')], [{ name: 'http', port: 8080 }]));

  it('plans every service port in key order', () => {
    const plans = planAll(state);
    assert.deepEqual(plans.map((p) => p.key), ['ns/a:http/TCP', 'ns/b:http/TCP']);
    assert.deepEqual(plans.map((p) => p.clusterEndpoints.map((e) => e.address)), [['10.244.1.2:8080'], ['10.244.1.3:8080']]);
  });

  it('plans again only the service ports whose Service or endpoints changed', () => {
    const [a, b] = planAll(state);
    state.updateEndpointSlice(makeSlice('ns', 'b', 1, [ep('10.244.1.3'), ep('10.244.1.4')], [{ name: 'http', port: 8080 }]));
    const [a2, b2] = planAll(state);
    assert.equal(a2, a, 'unchanged: the same plan');
    assert.notEqual(b2, b);
    assert.deepEqual(b2.clusterEndpoints.map((e) => e.address), ['10.244.1.3:8080', '10.244.1.4:8080']);
    state.updateService(makeService('ns', 'a', { clusterIP: '10.96.0.1', ports: [{ name: 'http', port: 81 }] }));
    const [a3, b3] = planAll(state);
    assert.notEqual(a3, a);
    assert.equal(a3.svc.port, 81);
    assert.equal(b3, b2);
  });

  it('a Service that loses its endpoints is planned with none', () => {
    state.updateEndpointSlice(makeSlice('ns', 'a', 1, [], [{ name: 'http', port: 8080 }]), true);
    const [a] = planAll(state);
    assert.equal(a.hasEndpoints, false);
    assert.equal(a.internalVerdict, 'reject');
  });
});
