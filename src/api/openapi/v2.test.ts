import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { buildOpenApi } from './document.js';
import type { ServedResource } from './paths.js';
import { serveOpenApi } from './serve.js';
import { OPENAPI_V2_PROTOBUF } from './serve-v2.js';

type Json = Record<string, any>;

const RESOURCES: ServedResource[] = [
  { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true, subresources: ['status', 'log', 'exec'] },
  { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true, subresources: ['status'] },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true, subresources: ['status', 'scale'] },
];
const set = buildOpenApi(RESOURCES, { version: 'v1.32.0', now: new Date('2024-01-01T00:00:00Z') });
const get = (accept?: string, ifNoneMatch?: string) => serveOpenApi(set, '/openapi/v2', new URLSearchParams(), { accept, ifNoneMatch })!;
const json = (): Json => JSON.parse(get('application/json').body.toString());

/** A protobuf message as field number -> raw values (varints as numbers, length-delimited as Buffers). */
function fields(buf: Buffer): Map<number, (number | Buffer)[]> {
  const out = new Map<number, (number | Buffer)[]>();
  let i = 0;
  const varint = () => {
    let n = 0;
    let shift = 1;
    for (;;) {
      const b = buf[i++];
      n += (b & 0x7f) * shift;
      shift *= 128;
      if (b < 0x80) return n;
    }
  };
  while (i < buf.length) {
    const tag = varint();
    const [field, wire] = [Math.floor(tag / 8), tag % 8];
    let value: number | Buffer;
    if (wire === 0) value = varint();
    else if (wire === 2) { const len = varint(); value = buf.subarray(i, i + len); i += len; }
    else if (wire === 1) { value = buf.subarray(i, i + 8); i += 8; }
    else throw new Error(`wire type ${wire}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}
const str = (b: number | Buffer | undefined) => (b as Buffer).toString();
/** Named entries {name = 1, value = 2} of a repeated field, as name -> value bytes. */
const namedOf = (msg: Buffer, field: number) => new Map((fields(msg).get(field) ?? []).map((e) => {
  const f = fields(e as Buffer);
  return [str(f.get(1)![0]), f.get(2)?.[0] as Buffer];
}));

describe('/openapi/v2', () => {
  it('is Swagger 2.0 with every path and definition, the references and types v2 has', () => {
    const doc = json();
    assert.equal(doc.swagger, '2.0');
    assert.deepEqual(doc.info, { title: 'Kubernetes', version: 'v1.32.0' });
    const deployment = doc.definitions['io.k8s.api.apps.v1.Deployment'];
    assert.deepEqual(deployment['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    assert.deepEqual(deployment.properties.spec, { $ref: '#/definitions/io.k8s.api.apps.v1.DeploymentSpec' });
    assert.deepEqual(doc.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'], { type: 'string', format: 'int-or-string' });
    assert.deepEqual(doc.definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'], { type: 'string' });
    assert.doesNotMatch(JSON.stringify(doc), /#\/components\/|"oneOf"|"allOf"/);
    // The meta kinds every group version registers list them all.
    assert.deepEqual(doc.definitions['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']['x-kubernetes-group-version-kind'],
      [{ group: '', kind: 'DeleteOptions', version: 'v1' }, { group: 'apps', kind: 'DeleteOptions', version: 'v1' }]);
    const create = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments'].post;
    assert.deepEqual(create.parameters[0], { name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.api.apps.v1.Deployment' } });
    assert.deepEqual(create.parameters.find((p: Json) => p.name === 'fieldValidation'), { name: 'fieldValidation', in: 'query', type: 'string', uniqueItems: true });
    assert.deepEqual(create.responses['201'], { description: 'Created', schema: { $ref: '#/definitions/io.k8s.api.apps.v1.Deployment' } });
    assert.deepEqual(create['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
    assert.deepEqual(create.schemes, ['https']);
  });

  it('negotiates JSON and gnostic protobuf as kube-openapi does, with one ETag for both', () => {
    const pb = get('application/com.github.proto-openapi.spec.v2@v1.0+protobuf');
    assert.equal(pb.status, 200);
    assert.equal(pb.headers['Content-Type'], OPENAPI_V2_PROTOBUF);
    assert.equal(get(`${OPENAPI_V2_PROTOBUF}, application/json;q=0.9`).headers['Content-Type'], OPENAPI_V2_PROTOBUF);
    assert.equal(get('application/json;q=0.5, application/com.github.proto-openapi.spec.v2@v1.0+protobuf').headers['Content-Type'], OPENAPI_V2_PROTOBUF);
    assert.equal(get().headers['Content-Type'], 'application/json');
    assert.equal(get('*/*').headers['Content-Type'], 'application/json');
    assert.equal(get('text/html').status, 406);
    assert.equal(pb.headers.Etag, get('application/json').headers.Etag);
    assert.equal(get('application/json', pb.headers.Etag).status, 304);
  });

  it('carries in protobuf what kubectl\'s validation reads: definitions, properties, references, types, the kind extension', () => {
    const doc = fields(get(OPENAPI_V2_PROTOBUF).body);
    assert.equal(str(doc.get(1)![0]), '2.0');
    const definitions = namedOf(doc.get(9)![0] as Buffer, 1);
    assert.equal(definitions.size, Object.keys(json().definitions).length);
    const deployment = fields(definitions.get('io.k8s.api.apps.v1.Deployment')!);
    assert.deepEqual(fields(deployment.get(22)![0] as Buffer).get(1)!.map(str), ['object']);
    const extensions = new Map((deployment.get(31) ?? []).map((e) => {
      const f = fields(e as Buffer);
      return [str(f.get(1)![0]), YAML.parse(str(fields(f.get(2)![0] as Buffer).get(2)![0]))];
    }));
    assert.deepEqual(extensions.get('x-kubernetes-group-version-kind'), [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    const properties = namedOf(deployment.get(25)![0] as Buffer, 1);
    assert.deepEqual([...properties.keys()].sort(), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    assert.equal(str(fields(properties.get('spec')!).get(1)![0]), '#/definitions/io.k8s.api.apps.v1.DeploymentSpec');
    // A list: type array and exactly one item schema.
    const podSpec = namedOf(fields(definitions.get('io.k8s.api.core.v1.PodSpec')!).get(25)![0] as Buffer, 1);
    const containers = fields(podSpec.get('containers')!);
    assert.deepEqual(fields(containers.get(22)![0] as Buffer).get(1)!.map(str), ['array']);
    const items = fields(containers.get(23)![0] as Buffer).get(1)!;
    assert.equal(items.length, 1);
    assert.equal(str(fields(items[0] as Buffer).get(1)![0]), '#/definitions/io.k8s.api.core.v1.Container');
    // Paths: the create operation's body parameter.
    const paths = namedOf(doc.get(8)![0] as Buffer, 2);
    const post = fields(fields(paths.get('/apis/apps/v1/namespaces/{namespace}/deployments')!).get(4)![0] as Buffer);
    assert.equal(str(post.get(5)![0]), 'createAppsV1NamespacedDeployment');
    const body = fields(fields(fields(post.get(8)![0] as Buffer).get(1)![0] as Buffer).get(1)![0] as Buffer);
    assert.deepEqual([str(body.get(2)![0]), str(body.get(3)![0]), body.get(4)![0]], ['body', 'body', 1]);
  });
});
