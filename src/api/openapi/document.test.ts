import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { buildOpenApi, type OpenApiSet } from './document.js';
import type { ServedResource } from './paths.js';
import { serveOpenApi } from './serve.js';

type Json = Record<string, any>;

const RESOURCES: ServedResource[] = [
  { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, subresources: ['status'] },
  { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true, subresources: ['status', 'log', 'exec', 'attach', 'portforward', 'binding', 'eviction', 'ephemeralcontainers'] },
  { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true, subresources: ['status', 'proxy'] },
  { group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true, subresources: ['token'] },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true, subresources: ['status', 'scale'] },
  { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', namespaced: true },
];

const docOf = (set: OpenApiSet, path: string): Json => JSON.parse(set.documents.get(path)!.body.toString());

/** kubectl's hasGVKExtensionV3/gvkMatchesSingle over the PATCH operations (cli-runtime's supportsQueryParamV3). */
function patchOperationFor(doc: Json, gvk: Json): Json | undefined {
  for (const item of Object.values(doc.paths) as Json[]) {
    const op = item.patch;
    const g = op?.['x-kubernetes-group-version-kind'];
    if (g && g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind) return op;
  }
  return undefined;
}

/** strategicpatch.PatchMetaFromOpenAPIV3: follow properties, allOf[0] and $ref; read the patch extensions. */
function patchMeta(doc: Json, start: Json, fields: string[]): Json {
  let schema = start;
  let meta: Json = {};
  for (const f of fields) {
    const prop = schema.properties?.[f];
    assert.ok(prop, `unable to find api field "${f}"`);
    meta = { key: prop['x-kubernetes-patch-merge-key'], strategy: prop['x-kubernetes-patch-strategy'] };
    schema = prop.items ?? prop;
    if (schema.allOf) schema = schema.allOf[0];
    if (schema.$ref) schema = doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')];
    assert.ok(schema, `unresolved reference under ${f}`);
  }
  return meta;
}

describe('buildOpenApi', () => {
  const set = buildOpenApi(RESOURCES, { version: 'v1.32.0', now: new Date('2024-01-01T00:00:00Z') });

  it('lists one document per group version, each with its hash, as /openapi/v3 does', () => {
    const root = JSON.parse(set.root.body.toString());
    assert.deepEqual(Object.keys(root.paths), ['api/v1', 'apis/apps/v1', 'apis/discovery.k8s.io/v1']);
    for (const [path, doc] of set.documents) {
      assert.equal(doc.etag, createHash('sha512').update(doc.body).digest('hex').toUpperCase());
      assert.deepEqual(root.paths[path], { serverRelativeURL: `/openapi/v3/${path}?hash=${doc.etag}` });
    }
    assert.equal(set.root.etag, createHash('sha512').update(set.root.body).digest('hex').toUpperCase());
  });

  it('declares fieldValidation on every PATCH, POST and PUT, so that kubectl leaves validation to the server', () => {
    for (const [path] of set.documents) {
      const doc = docOf(set, path);
      for (const item of Object.values(doc.paths) as Json[]) {
        for (const method of ['patch', 'post', 'put']) {
          const op = item[method];
          if (!op || op['x-kubernetes-action'] === 'connect') continue;
          assert.ok(op.parameters.some((p: Json) => p.name === 'fieldValidation' && p.in === 'query'), `${path} ${op.operationId}`);
        }
      }
    }
    for (const [path, gvk] of [['api/v1', { group: '', version: 'v1', kind: 'Namespace' }], ['api/v1', { group: '', version: 'v1', kind: 'Service' }],
      ['apis/apps/v1', { group: 'apps', version: 'v1', kind: 'Deployment' }], ['apis/apps/v1', { group: 'autoscaling', version: 'v1', kind: 'Scale' }]] as const) {
      const op = patchOperationFor(docOf(set, path), gvk);
      assert.ok(op, `PATCH for ${gvk.kind}`);
      assert.ok(op.requestBody.content['application/strategic-merge-patch+json'], 'kubectl apply computes a strategic merge patch');
      assert.ok(op.requestBody.content['application/apply-patch+yaml']);
    }
  });

  it('gives kubectl apply the patch metadata of each field, reachable through the references', () => {
    const doc = docOf(set, 'apis/apps/v1');
    const deployment = Object.values(doc.components.schemas as Json).find((s: Json) =>
      s['x-kubernetes-group-version-kind']?.some((g: Json) => g.group === 'apps' && g.version === 'v1' && g.kind === 'Deployment'));
    assert.ok(deployment);
    assert.deepEqual(patchMeta(doc, deployment, ['spec', 'template', 'spec', 'containers']), { key: 'name', strategy: 'merge' });
    assert.deepEqual(patchMeta(doc, deployment, ['spec', 'template', 'spec', 'containers', 'ports']), { key: 'containerPort', strategy: 'merge' });
    assert.deepEqual(patchMeta(doc, deployment, ['spec', 'template', 'spec', 'volumes']), { key: 'name', strategy: 'merge,retainKeys' });
    assert.deepEqual(patchMeta(doc, deployment, ['spec', 'strategy']), { key: undefined, strategy: 'retainKeys' });
    assert.deepEqual(patchMeta(doc, deployment, ['metadata', 'ownerReferences']), { key: 'uid', strategy: 'merge' });
    const ports = doc.components.schemas['io.k8s.api.core.v1.Container'].properties.ports;
    assert.equal(ports['x-kubernetes-list-type'], 'map');
    assert.deepEqual(ports['x-kubernetes-list-map-keys'], ['containerPort', 'protocol']);
    assert.equal(doc.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector']['x-kubernetes-map-type'], 'atomic');
    assert.equal(doc.components.schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString']['x-kubernetes-int-or-string'], true);
    assert.deepEqual(doc.components.schemas['io.k8s.apimachinery.pkg.api.resource.Quantity'], { oneOf: [{ type: 'string' }, { type: 'number' }] });
    assert.ok(doc.components.schemas['io.k8s.api.autoscaling.v1.Scale'], 'the scale subresource\'s kind');
  });

  it('has the paths and operations kubectl explain looks up', () => {
    const doc = docOf(set, 'apis/apps/v1');
    const list = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments'];
    assert.deepEqual(list.get['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
    assert.equal(list.get.operationId, 'listAppsV1NamespacedDeployment');
    assert.equal(list.post.operationId, 'createAppsV1NamespacedDeployment');
    assert.equal(list.delete.operationId, 'deleteAppsV1CollectionNamespacedDeployment');
    const item = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
    assert.deepEqual(Object.keys(item).sort(), ['delete', 'get', 'parameters', 'patch', 'put']);
    assert.equal(item.patch.operationId, 'patchAppsV1NamespacedDeployment');
    assert.equal(doc.paths['/apis/apps/v1/deployments'].get.operationId, 'listAppsV1DeploymentForAllNamespaces');
    assert.equal(doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].patch.operationId, 'patchAppsV1NamespacedDeploymentScale');
    const core = docOf(set, 'api/v1');
    assert.equal(core.paths['/api/v1/namespaces/{name}'].get.operationId, 'readCoreV1Namespace');
    assert.equal(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/exec'].post['x-kubernetes-action'], 'connect');
    assert.equal(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/eviction'].post['x-kubernetes-group-version-kind'].kind, 'Eviction');
    assert.equal(core.paths['/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token'].post.operationId, 'createCoreV1NamespacedServiceAccountToken');
    assert.ok(core.components.schemas['io.k8s.api.policy.v1.Eviction']);
    assert.deepEqual(core.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']['x-kubernetes-group-version-kind'],
      [{ group: '', kind: 'DeleteOptions', version: 'v1' }]);
  });

  it('only serves the verbs a resource has', () => {
    const set2 = buildOpenApi([{ group: '', version: 'v1', kind: 'Binding', plural: 'bindings', namespaced: true, verbs: ['create'] }]);
    const doc = docOf(set2, 'api/v1');
    assert.deepEqual(Object.keys(doc.paths), ['/api/v1/namespaces/{namespace}/bindings']);
    assert.deepEqual(Object.keys(doc.paths['/api/v1/namespaces/{namespace}/bindings']).sort(), ['parameters', 'post']);
  });

  it('is deterministic, and a document\'s hash changes with its content only', () => {
    const again = buildOpenApi(RESOURCES, { version: 'v1.32.0', now: new Date('2024-01-01T00:00:00Z') });
    assert.equal(again.root.etag, set.root.etag);
    const more = buildOpenApi([...RESOURCES, { group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true }], { version: 'v1.32.0' });
    assert.notEqual(more.documents.get('apis/apps/v1')!.etag, set.documents.get('apis/apps/v1')!.etag);
    assert.equal(more.documents.get('api/v1')!.etag, set.documents.get('api/v1')!.etag);
    assert.notEqual(more.root.etag, set.root.etag);
  });
});

describe('serveOpenApi', () => {
  const set = buildOpenApi(RESOURCES, { now: new Date('2024-01-01T00:00:00Z') });
  const doc = set.documents.get('api/v1')!;
  const now = new Date('2024-06-01T00:00:00Z');
  const get = (path: string, query = '', headers = {}) => serveOpenApi(set, path, new URLSearchParams(query), headers, now)!;

  it('serves the discovery document and each document as JSON with an ETag', () => {
    const root = get('/openapi/v3');
    assert.equal(root.status, 200);
    assert.equal(root.headers['Content-Type'], 'application/json');
    assert.equal(root.headers.Etag, `"${set.root.etag}"`);
    const r = get('/openapi/v3/api/v1', '', { accept: 'application/json' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, doc.body);
    assert.equal(r.headers['Last-Modified'], 'Mon, 01 Jan 2024 00:00:00 GMT');
    assert.equal(r.headers['Cache-Control'], undefined, 'without ?hash= the document may change');
  });

  it('caches a hashed URL for good, and redirects a stale hash to the current one', () => {
    const r = get('/openapi/v3/api/v1', `hash=${doc.etag}`);
    assert.equal(r.headers['Cache-Control'], 'public, immutable');
    assert.equal(r.headers.Expires, 'Sun, 01 Jun 2025 00:00:00 GMT');
    const stale = get('/openapi/v3/api/v1', 'hash=0123');
    assert.equal(stale.status, 301);
    assert.equal(stale.headers.Location, `/openapi/v3/api/v1?hash=${doc.etag}`);
  });

  it('answers conditional requests, other media types, unknown documents and other paths', () => {
    assert.equal(get('/openapi/v3/api/v1', '', { ifNoneMatch: `"${doc.etag}"` }).status, 304);
    assert.equal(get('/openapi/v3/api/v1', '', { accept: 'application/com.github.proto-openapi.spec.v3.v1.0+protobuf' }).status, 406);
    assert.equal(get('/openapi/v3/api/v1', '', { accept: 'application/com.github.proto-openapi.spec.v3.v1.0+protobuf, */*;q=0.5' }).status, 200);
    assert.equal(get('/openapi/v3/apis/batch/v1').status, 404);
    // /openapi/v2 has its own tests (v2.test.ts).
    assert.equal(serveOpenApi(set, '/openapi/v4', new URLSearchParams()), undefined);
  });
});
