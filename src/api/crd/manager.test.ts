// Custom resources served by a real API server on a memory store, over HTTPS: what a CRD makes
// appear (REST, discovery, OpenAPI), versions, read-time defaults, names conflicts, the deletion
// cascade and a restart.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApiServer } from '../testing.js';
import { crdOf, eventually, startServer, type TestServer } from './testing.js';
import type { JSONSchemaProps } from './types.js';

const SCHEMA: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: { type: 'object', properties: { size: { type: 'integer' }, color: { type: 'string' } } },
    status: { type: 'object', properties: { phase: { type: 'string' } } },
  },
};
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const widgets = (v = 'v1') => `/apis/stable.example.com/${v}/namespaces/default/widgets`;
const widget = (name: string, spec: Record<string, unknown>, v = 'v1') => ({ apiVersion: `stable.example.com/${v}`, kind: 'Widget', metadata: { name }, spec });

describe('custom resources on a running API server', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer();
  });
  after(async () => {
    await s?.close();
  });

  it('a CRD is served as soon as it is created, and gets its status', async () => {
    const crd = crdOf('widgets', 'Widget', SCHEMA, [{ name: 'v1', subresources: { status: {} } }, { name: 'v1beta1', deprecated: true }, { name: 'v1alpha1', served: false }]);
    assert.equal((await s.call('POST', CRDS, crd)).status, 201);
    const created = await s.call('POST', widgets(), widget('a', { size: 1 }));
    assert.equal(created.status, 201, created.text);
    const status = await eventually('Established', async () => {
      const c = (await s.call('GET', `${CRDS}/widgets.stable.example.com`)).json;
      return c.status?.conditions?.some((x: { type: string; status: string }) => x.type === 'Established' && x.status === 'True') ? c.status : undefined;
    });
    assert.deepEqual(status.acceptedNames, { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' });
    assert.deepEqual(status.storedVersions, ['v1']);
  });

  it('discovery and OpenAPI show the served versions only', async () => {
    const group = (await s.call('GET', '/apis/stable.example.com')).json;
    assert.deepEqual(group.versions.map((v: { version: string }) => v.version), ['v1', 'v1beta1']);
    const list = (await s.call('GET', '/apis/stable.example.com/v1')).json;
    assert.deepEqual(list.resources.map((r: { name: string }) => r.name), ['widgets', 'widgets/status']);
    const aggregated = (await s.call('GET', '/apis', undefined, 'application/json', { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' })).json;
    const entry = aggregated.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'stable.example.com');
    assert.deepEqual(entry.versions.map((v: { version: string }) => v.version), ['v1', 'v1beta1']);
    const root = (await s.call('GET', '/openapi/v3')).json;
    assert.ok(root.paths['apis/stable.example.com/v1']);
    assert.equal(root.paths['apis/stable.example.com/v1alpha1'], undefined);
    const doc = (await s.call('GET', '/openapi/v3/apis/stable.example.com/v1')).json;
    const schema = doc.components.schemas['com.example.stable.v1.Widget'];
    assert.deepEqual(schema['x-kubernetes-group-version-kind'], [{ group: 'stable.example.com', kind: 'Widget', version: 'v1' }]);
    assert.deepEqual(schema.properties.spec, SCHEMA.properties!.spec);
    const patch = doc.paths['/apis/stable.example.com/v1/namespaces/{namespace}/widgets/{name}'].patch;
    assert.ok(patch.parameters.some((p: { name: string }) => p.name === 'fieldValidation'));
    assert.deepEqual(Object.keys(patch.requestBody.content), ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json']);
    assert.equal((await s.call('GET', widgets('v1alpha1'))).status, 404);
  });

  it('other versions are stored as the storage version and read as asked, with the deprecation warning', async () => {
    const r = await s.call('POST', widgets('v1beta1'), widget('b', { size: 2 }, 'v1beta1'));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.apiVersion, 'stable.example.com/v1beta1');
    assert.equal(r.headers.warning, '299 - "stable.example.com/v1beta1 Widget is deprecated; use stable.example.com/v1 Widget"');
    const stored = await s.store.get('/registry/stable.example.com/widgets/default/b');
    assert.equal(JSON.parse(stored!.value).apiVersion, 'stable.example.com/v1');
    assert.equal((await s.call('GET', `${widgets()}/b`)).json.apiVersion, 'stable.example.com/v1');
    const list = (await s.call('GET', widgets('v1beta1'))).json;
    assert.deepEqual(list.items.map((i: { apiVersion: string }) => i.apiVersion), ['stable.example.com/v1beta1', 'stable.example.com/v1beta1']);
  });

  it('generation counts spec changes; the main resource ignores status', async () => {
    await s.call('PATCH', `${widgets()}/a/status`, { status: { phase: 'Ready' } }, 'application/merge-patch+json');
    const afterStatus = (await s.call('GET', `${widgets()}/a`)).json;
    assert.deepEqual([afterStatus.metadata.generation, afterStatus.status], [1, { phase: 'Ready' }]);
    const patched = (await s.call('PATCH', `${widgets()}/a`, { spec: { size: 5 }, status: { phase: 'Lost' } }, 'application/merge-patch+json')).json;
    assert.deepEqual([patched.metadata.generation, patched.status, patched.spec.size], [2, { phase: 'Ready' }, 5]);
  });

  it('a default added to the schema shows on objects written before it', async () => {
    const crd = (await s.call('GET', `${CRDS}/widgets.stable.example.com`)).json;
    crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.color.default = 'blue';
    assert.equal((await s.call('PUT', `${CRDS}/widgets.stable.example.com`, crd)).status, 200);
    await eventually('the default on read', async () => (await s.call('GET', `${widgets()}/a`)).json.spec.color === 'blue');
    assert.equal((await s.call('GET', widgets())).json.items[0].spec.color, 'blue');
  });

  it('unknown fields: dropped with a warning, refused under fieldValidation=Strict, also in patches', async () => {
    const warned = await s.call('POST', widgets(), widget('c', { size: 1, extra: true }));
    assert.equal(warned.headers.warning, '299 - "unknown field \\"spec.extra\\""');
    assert.equal(warned.json.spec.extra, undefined);
    const strict = await s.call('POST', `${widgets()}?fieldValidation=Strict`, widget('d', { size: 1, extra: true }));
    assert.equal(strict.json.message, 'Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.extra"');
    const patch = await s.call('PATCH', `${widgets()}/c?fieldValidation=Strict`, { spec: { extra: 1 } }, 'application/merge-patch+json');
    assert.equal(patch.status, 422);
    assert.match(patch.json.message, /^ "" is invalid: patch: Invalid value: ".*": strict decoding error: unknown field "spec\.extra"$/);
    const protobuf = await s.call('POST', widgets(), Buffer.from([0x6b, 0x38, 0x73, 0x00]), 'application/vnd.kubernetes.protobuf');
    assert.equal(protobuf.status, 415);
    assert.equal(protobuf.json.message, 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml');
  });

  it('a CRD whose names another holds is not served', async () => {
    const other = crdOf('gadgets', 'Widget', SCHEMA);
    assert.equal((await s.call('POST', CRDS, other)).status, 201);
    const cond = await eventually('NamesAccepted', async () => (await s.call('GET', `${CRDS}/gadgets.stable.example.com`)).json.status?.conditions?.find((c: { type: string }) => c.type === 'NamesAccepted'));
    assert.deepEqual([cond.status, cond.reason], ['False', 'ListKindConflict']);
    assert.equal((await s.call('GET', '/apis/stable.example.com/v1/namespaces/default/gadgets')).status, 404);
    assert.equal((await s.call('DELETE', `${CRDS}/gadgets.stable.example.com`)).status, 200);
    await eventually('gadgets gone', async () => (await s.call('GET', `${CRDS}/gadgets.stable.example.com`)).status === 404);
  });

  it('deleting a CRD refuses new objects, waits for finalizers, deletes every object, then the CRD', async () => {
    const held = widget('held', { size: 1 }) as Record<string, any>;
    held.metadata.finalizers = ['example.com/hold'];
    assert.equal((await s.call('POST', widgets(), held)).status, 201);
    const del = await s.call('DELETE', `${CRDS}/widgets.stable.example.com`);
    assert.equal(del.status, 200);
    assert.ok(del.json.metadata.finalizers.includes('customresourcecleanup.apiextensions.k8s.io'));
    await eventually('the others deleted', async () => (await s.call('GET', widgets())).json.items.length === 1);
    const refused = await s.call('POST', widgets(), widget('late', { size: 1 }));
    assert.deepEqual([refused.status, refused.json.message], [405, 'create not allowed while custom resource definition is terminating']);
    const terminating = (await s.call('GET', `${CRDS}/widgets.stable.example.com`)).json.status.conditions.find((c: { type: string }) => c.type === 'Terminating');
    assert.deepEqual([terminating.status, terminating.reason], ['True', 'InstanceDeletionInProgress']);
    await s.call('PATCH', `${widgets()}/held`, [{ op: 'remove', path: '/metadata/finalizers' }], 'application/json-patch+json');
    await eventually('the CRD gone', async () => (await s.call('GET', `${CRDS}/widgets.stable.example.com`)).status === 404);
    await eventually('no longer served', async () => (await s.call('GET', widgets())).status === 404);
    assert.equal((await s.call('GET', '/apis/stable.example.com')).status, 404);
    assert.deepEqual((await s.store.list('/registry/stable.example.com/')).items, []);
  });
});

describe('custom resources after a restart', () => {
  it('a new API server on the same store serves the stored CRDs and objects', async () => {
    const s = await startServer();
    try {
      assert.equal((await s.call('POST', CRDS, crdOf('widgets', 'Widget', SCHEMA))).status, 201);
      assert.equal((await s.call('POST', widgets(), widget('kept', { size: 3 }))).status, 201);
      const again = await startTestApiServer({ store: s.store });
      try {
        const def = again.server.resources.find('stable.example.com', 'v1', 'widgets');
        assert.ok(def);
        const obj = await again.server.registry.get(def, 'default', 'kept');
        assert.equal(obj.spec.size, 3);
      } finally {
        await again.close();
      }
    } finally {
      await s.close();
    }
  });
});
