import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KubeObject } from '../../kube/types.js';
import { createError, createObject } from './testing.js';
import { createResources, wellKnownServiceIPs } from './index.js';

const options = { serviceCIDR: '10.96.0.0/12', nodePortRange: [30000, 32767] as [number, number] };
const byPlural = (defs: ReturnType<typeof createResources>) => new Map(defs.map((d) => [`${d.group}/${d.plural}`, d]));

describe('createResources', () => {
  it('serves every kind once, with upstream names', () => {
    const defs = byPlural(createResources(options));
    const want = ['/namespaces', '/nodes', '/pods', '/services', '/endpoints', '/secrets', '/configmaps', '/events', '/serviceaccounts',
      'apps/deployments', 'apps/replicasets', 'apps/statefulsets', 'apps/daemonsets', 'apps/controllerrevisions',
      'batch/jobs', 'batch/cronjobs', 'discovery.k8s.io/endpointslices', 'networking.k8s.io/ingresses', 'networking.k8s.io/ingressclasses',
      'networking.k8s.io/networkpolicies', 'coordination.k8s.io/leases', 'apiextensions.k8s.io/customresourcedefinitions', 'rbac.authorization.k8s.io/roles', 'rbac.authorization.k8s.io/clusterroles',
      'rbac.authorization.k8s.io/rolebindings', 'rbac.authorization.k8s.io/clusterrolebindings'];
    assert.deepEqual([...defs.keys()].sort(), want.sort());
  });
  it('short names and categories as upstream discovery shows them', () => {
    const defs = byPlural(createResources(options));
    const shortNames = Object.fromEntries([...defs].filter(([, d]) => d.shortNames).map(([k, d]) => [k, d.shortNames]));
    assert.deepEqual(shortNames, {
      '/namespaces': ['ns'], '/nodes': ['no'], '/pods': ['po'], '/services': ['svc'], '/endpoints': ['ep'], '/configmaps': ['cm'],
      '/events': ['ev'], '/serviceaccounts': ['sa'], 'apps/deployments': ['deploy'], 'apps/replicasets': ['rs'], 'apps/statefulsets': ['sts'],
      'apps/daemonsets': ['ds'], 'batch/cronjobs': ['cj'], 'networking.k8s.io/ingresses': ['ing'], 'networking.k8s.io/networkpolicies': ['netpol'],
      'apiextensions.k8s.io/customresourcedefinitions': ['crd', 'crds'],
    });
    const all = [...defs].filter(([, d]) => d.categories?.includes('all')).map(([k]) => k).sort();
    assert.deepEqual(all, ['/pods', '/services', 'apps/daemonsets', 'apps/deployments', 'apps/replicasets', 'apps/statefulsets', 'batch/cronjobs', 'batch/jobs']);
    assert.deepEqual(defs.get('/pods')!.subresources, ['status', 'log', 'exec', 'attach', 'portforward', 'binding', 'eviction']);
    assert.deepEqual(defs.get('apps/deployments')!.subresources, ['status', 'scale']);
    assert.deepEqual(defs.get('/serviceaccounts')!.subresources, ['token']);
    assert.equal(defs.get('/namespaces')!.namespaced, false);
    assert.equal(defs.get('/services')!.nameValidation, 'dns1035Label');
  });
  it('each call has its own allocations', async () => {
    const svc: KubeObject = { metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.0.50', ports: [{ port: 80 }] } };
    const a = byPlural(createResources(options)).get('/services')!;
    const b = byPlural(createResources(options)).get('/services')!;
    await createObject(a, svc);
    assert.match((await createError(a, { ...svc, metadata: { name: 'api', namespace: 'default' } }))!, /provided IP is already allocated/);
    assert.equal(await createError(b, svc), undefined);
  });
  it('keeps the kubernetes and DNS addresses for Services that ask for them', () => {
    assert.deepEqual(wellKnownServiceIPs('10.96.0.0/12'), { kubernetes: '10.96.0.1', dns: '10.96.0.10' });
    assert.deepEqual(wellKnownServiceIPs('10.100.0.0/16'), { kubernetes: '10.100.0.1', dns: '10.100.0.10' });
    assert.deepEqual(wellKnownServiceIPs('fd00:10:96::/112'), { kubernetes: 'fd00:10:96::1', dns: 'fd00:10:96::a' });
  });
  it('no kind throws on objects of the wrong shape', () => {
    const defs = createResources({ serviceCIDR: '10.96.0.0/28', nodePortRange: [30000, 30003] });
    const field = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined));
    const object = fc.record({ spec: field, status: field, data: field, subsets: field, endpoints: field, addressType: field, type: field,
      involvedObject: field, stringData: field, binaryData: field, immutable: field, revision: field });
    fc.assert(fc.property(fc.constantFrom(...defs), object, object, (def, a, b) => {
      const obj = structuredClone({ metadata: { name: 'x', namespace: 'default' }, ...a }) as KubeObject;
      const old = structuredClone({ metadata: { name: 'x', namespace: 'default' }, ...b }) as KubeObject;
      def.defaults?.(obj);
      def.prepareForCreate?.(obj);
      assert.ok(Array.isArray(def.validate?.(obj) ?? []));
      def.prepareForUpdate?.(obj, old);
      assert.ok(Array.isArray(def.validateUpdate?.(obj, old) ?? []));
      for (const get of Object.values(def.fieldSelectors ?? {})) assert.equal(typeof get(obj), 'string');
      def.defaultGracePeriod?.(obj);
    }), { numRuns: 3000 });
  });
});
