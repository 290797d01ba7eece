import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isApiError } from '../../../kube/errors.js';
import type { KubeObject, Service } from '../../../kube/types.js';
import { validateMetadata } from '../../validation/meta.js';
import { createObject, updateObject } from '../testing.js';
import { ServiceAllocations } from './allocations.js';
import { serviceResource } from './service.js';
import { needsHealthCheck } from './strategy.js';

const junk = fc.oneof(fc.constant(null), fc.string({ maxLength: 4 }), fc.integer(), fc.constant([]), fc.constant({}));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const port = fc.oneof(
  fc.record({
    name: maybe(fc.constantFrom('a', 'b', 'http', 'Bad', '')),
    port: fc.oneof(fc.integer({ min: -1, max: 70000 }), fc.constantFrom(53, 80, 443), junk),
    protocol: maybe(fc.oneof(fc.constantFrom('TCP', 'UDP', 'SCTP', 'HTTP'), junk)),
    targetPort: maybe(fc.oneof(fc.constantFrom(0, 8080, 70000, 'http', 'Bad', ''), junk)),
    nodePort: maybe(fc.oneof(fc.integer({ min: 29998, max: 30012 }), fc.constantFrom(0, 40000), junk)),
  }, { requiredKeys: [] }),
  junk,
);

const spec = fc.oneof(
  fc.record({
    type: maybe(fc.oneof(fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName', 'Bogus'), junk)),
    ports: maybe(fc.oneof(fc.array(port, { maxLength: 4 }), junk)),
    selector: maybe(fc.oneof(fc.constantFrom({ app: 'web' }, { '-x': 'y' }, { app: '' }), junk)),
    clusterIP: maybe(fc.oneof(fc.constantFrom('', 'None', '10.96.0.5', '10.96.0.6', '10.96.0.31', '10.0.0.1', 'fd00::1', 'junk'), junk)),
    clusterIPs: maybe(fc.oneof(fc.constantFrom(['10.96.0.5'], ['None', '10.96.0.5'], ['10.96.0.6', 'fd00::6'], []), junk)),
    externalName: maybe(fc.oneof(fc.constantFrom('db.example.com', 'Bad_', 'a.b.'), junk)),
    sessionAffinity: maybe(fc.oneof(fc.constantFrom('None', 'ClientIP', 'X'), junk)),
    sessionAffinityConfig: maybe(fc.oneof(fc.record({ clientIP: fc.record({ timeoutSeconds: fc.integer({ min: -5, max: 90000 }) }) }), junk)),
    externalTrafficPolicy: maybe(fc.oneof(fc.constantFrom('Cluster', 'Local', 'X'), junk)),
    internalTrafficPolicy: maybe(fc.constantFrom('Cluster', 'Local', 'X')),
    healthCheckNodePort: maybe(fc.oneof(fc.constantFrom(0, 30005, 30011, 70000), junk)),
    ipFamilyPolicy: maybe(fc.oneof(fc.constantFrom('SingleStack', 'PreferDualStack', 'RequireDualStack', 'x'), junk)),
    ipFamilies: maybe(fc.oneof(fc.constantFrom(['IPv4'], ['IPv6'], ['IPv4', 'IPv6'], ['x']), junk)),
    allocateLoadBalancerNodePorts: maybe(fc.oneof(fc.boolean(), junk)),
    loadBalancerSourceRanges: maybe(fc.oneof(fc.constantFrom(['10.0.0.0/8'], ['x']), junk)),
    externalIPs: maybe(fc.oneof(fc.constantFrom(['192.0.2.1'], ['x'], ['127.0.0.1']), junk)),
  }, { requiredKeys: [] }),
  junk,
);

/** Specs that are mostly valid, so that writes get through to the allocators. */
const wellFormed = fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName').chain((type) => {
  const external = type === 'NodePort' || type === 'LoadBalancer';
  return fc.record({
    type: fc.constant(type),
    selector: fc.constant({ app: 'web' }),
    ports: fc.array(fc.record({
      port: fc.constantFrom(53, 80, 443),
      protocol: maybe(fc.constantFrom('TCP', 'UDP')),
      nodePort: external ? maybe(fc.integer({ min: 29999, max: 30011 })) : fc.constant(undefined),
    }, { requiredKeys: ['port'] }), { minLength: 1, maxLength: 3 }).map((ps) => ps.map((p, i) => ({ name: `p${i}`, ...p }))),
    clusterIP: type === 'ExternalName' ? fc.constant(undefined) : maybe(fc.constantFrom('', '10.96.0.5', '10.96.0.6', 'None')),
    externalName: type === 'ExternalName' ? fc.constant('db.example.com') : fc.constant(undefined),
    externalTrafficPolicy: external ? maybe(fc.constantFrom('Cluster', 'Local')) : fc.constant(undefined),
    healthCheckNodePort: type === 'LoadBalancer' ? maybe(fc.constantFrom(30005, 30011)) : fc.constant(undefined),
    allocateLoadBalancerNodePorts: type === 'LoadBalancer' ? maybe(fc.boolean()) : fc.constant(undefined),
  }, { requiredKeys: ['type', 'ports'] });
});

const service = (name: string, s: unknown): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: s as never });

describe('Service validation never throws', () => {
  it('on any spec, for create and update', () => {
    const def = serviceResource(new ServiceAllocations({ serviceCIDR: '10.96.0.0/27', nodePortRange: [30000, 30010] }));
    fc.assert(fc.property(spec, spec, (a, b) => {
      const obj = structuredClone(service('a', a));
      const old = structuredClone(service('a', b));
      def.defaults!(obj);
      def.prepareForCreate!(obj);
      assert.ok(Array.isArray(def.validate!(obj)));
      def.defaults!(old);
      def.prepareForUpdate!(obj, old);
      assert.ok(Array.isArray(def.validateUpdate!(obj, old)));
      def.prepareForUpdate!(obj, old, 'status');
      assert.ok(Array.isArray(def.validateUpdate!(obj, old, 'status')));
    }), { numRuns: 2000 });
  });
});

type Op = { kind: 'create' | 'update' | 'delete'; name: string; spec: unknown; dryRun: boolean; storeFails: boolean };
const op: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('create', 'create', 'update', 'delete'),
  name: fc.constantFrom('a', 'b', 'c', 'd'),
  spec: fc.oneof({ arbitrary: wellFormed, weight: 4 }, { arbitrary: spec, weight: 1 }),
  dryRun: fc.boolean().map((b) => b && Math.random() < 0.3),
  storeFails: fc.boolean().map((b) => b && Math.random() < 0.2),
});

describe('allocations stay consistent with stored Services', () => {
  it('over random sequences of creates, updates and deletes', async () => {
    let written = 0;
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 30 }), async (ops) => {
      const alloc = new ServiceAllocations({ serviceCIDR: '10.96.0.0/27', nodePortRange: [30000, 30010] });
      const def = serviceResource(alloc);
      const stored = new Map<string, KubeObject>();
      for (const o of ops) {
        const current = stored.get(o.name);
        try {
          if (o.kind === 'create') {
            // A create of an existing name reaches admission and then fails in the store.
            const out = await createObject(def, service(o.name, o.spec), { dryRun: o.dryRun, storeFails: o.storeFails || !!current });
            if (!o.dryRun) stored.set(o.name, out);
            written++;
          } else if (o.kind === 'update' && current) {
            const out = await updateObject(def, current, service(o.name, o.spec), { dryRun: o.dryRun, storeFails: o.storeFails });
            if (!o.dryRun) stored.set(o.name, out);
            written++;
          } else if (o.kind === 'delete' && current) {
            stored.delete(o.name);
            def.afterDelete!(current);
          }
        } catch (err) {
          if (!isApiError(err) && (err as Error).message !== 'store refused the write') throw err;
        }
        // Everything stored is valid, and the allocators hold exactly what is stored.
        const ips: string[] = [];
        const ports: number[] = [];
        for (const obj of stored.values()) {
          assert.deepEqual([...validateMetadata(obj, def), ...def.validate!(structuredClone(obj))], []);
          const s = (obj as Service).spec;
          if (s.type !== 'ExternalName' && s.clusterIP !== 'None') ips.push(...(s.clusterIPs ?? []));
          ports.push(...new Set((s.ports ?? []).map((p) => p.nodePort).filter((n): n is number => !!n)));
          if (needsHealthCheck(obj as Service) && s.healthCheckNodePort) ports.push(s.healthCheckNodePort);
        }
        assert.deepEqual(alloc.ips.allocated().sort(), [...ips].sort(), 'cluster IPs');
        assert.deepEqual(alloc.ports.allocated(), [...ports].sort((x, y) => x - y), 'node ports');
      }
    }), { numRuns: 600 });
    // The sequences must reach the allocators, or this test proves nothing.
    assert.ok(written > 1000, `only ${written} writes got through`);
  });
});
