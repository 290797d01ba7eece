// Generated objects, bodies and patches thrown at a running API server: it never crashes, never
// answers 5xx to a client's mistake, always answers an error as a metav1.Status, and never stores
// an object it would itself refuse (every stored object passes its own validation again).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startCluster, type Cluster, type HttpResult } from './lib/cluster.js';
import { inServiceCIDR } from './lib/names.js';
import { waitFor } from './lib/wait.js';

/** Cases per property; KNIT_FUZZ_RUNS=5000 searches longer. */
const RUNS = Number(process.env.KNIT_FUZZ_RUNS ?? 400);

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
/** Mostly a sensible value, sometimes a bad one: so that writes both land and fail. */
const mostly = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) => fc.oneof({ weight: 5, arbitrary: good }, { weight: 1, arbitrary: bad });
/** A value of the wrong type, for any field. */
const junk = fc.oneof(fc.constant(null), fc.string({ maxLength: 6 }), fc.integer({ min: -3, max: 100000 }), fc.boolean(), fc.constant([]), fc.constant({}), fc.double());

const goodName = fc.stringMatching(/^[a-z]([-a-z0-9]{0,12}[a-z0-9])?$/);
const name = mostly(goodName, fc.oneof(fc.constantFrom('0abc', 'Bad_Name', '', 'a.b', '-x', 'a'.repeat(63), 'a'.repeat(64)), fc.string({ maxLength: 12 })));
const goodLabels = fc.dictionary(fc.constantFrom('app', 'tier', 'example.com/x'), goodName, { maxKeys: 2 });
const labels = maybe(mostly(goodLabels, fc.oneof(fc.dictionary(fc.oneof(fc.constantFrom('bad key', 'a/b/c', ''), fc.string({ maxLength: 8 })), fc.oneof(fc.string({ maxLength: 8 }), junk), { maxKeys: 2 }), junk)));
const metadata = fc.record({
  name, labels, annotations: labels,
  generateName: maybe(fc.constantFrom('gen-', 'Bad_', '')),
  finalizers: maybe(fc.oneof(fc.constantFrom(['example.com/x'], ['bad finalizer']), junk)),
}, { requiredKeys: ['name'] });

const port = mostly(fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constantFrom(80, 443)), fc.oneof(fc.constantFrom(0, -1, 65536, 70000), junk));
const servicePort = fc.record({
  port,
  targetPort: maybe(mostly(port, name)),
  nodePort: maybe(mostly(fc.integer({ min: 30000, max: 30010 }), fc.oneof(fc.constantFrom(0, 29999, 32768, 40000), junk))),
  protocol: maybe(mostly(fc.constantFrom('TCP', 'UDP', 'SCTP'), fc.oneof(fc.constantFrom('tcp', 'HTTP', ''), junk))),
  bogus: maybe(fc.constant(1)),
}, { requiredKeys: ['port'] });
/** Several ports need distinct names; sometimes they do not get them. */
const ports = mostly(fc.array(servicePort, { minLength: 1, maxLength: 3 }).chain((ps) => fc.boolean().map((named) => (named ? ps.map((p, i) => ({ name: `p${i}`, ...p })) : ps))), junk);
const serviceSpec = fc.record({
  type: maybe(mostly(fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'), fc.oneof(fc.constant('Bogus'), junk))),
  ports: maybe(ports),
  selector: labels,
  clusterIP: maybe(mostly(fc.constantFrom('None', '', '10.96.3.3', '10.100.0.9'), fc.oneof(fc.constantFrom('10.96.0.1', '10.200.0.1', '1.2.3', 'fd00::1'), fc.ipV4(), junk))),
  externalName: maybe(mostly(fc.constantFrom('db.example.com', 'example.org'), fc.oneof(fc.constantFrom('Bad_', 'a.b.'), junk))),
  sessionAffinity: maybe(mostly(fc.constantFrom('None', 'ClientIP'), fc.oneof(fc.constant('X'), junk))),
  externalTrafficPolicy: maybe(fc.constantFrom('Cluster', 'Local', 'X')),
  ipFamilies: maybe(mostly(fc.constant(['IPv4']), fc.oneof(fc.constantFrom(['IPv6'], ['x']), junk))),
}, { requiredKeys: [] });
const service = fc.record({
  apiVersion: mostly(fc.constant('v1'), fc.constantFrom('v2', 'apps/v1')),
  kind: mostly(fc.constant('Service'), fc.constant('Pod')),
  metadata,
  spec: mostly(serviceSpec, junk),
}, { requiredKeys: ['metadata'] });
const configMap = fc.record({
  apiVersion: fc.constant('v1'), kind: fc.constant('ConfigMap'), metadata,
  data: maybe(mostly(fc.dictionary(fc.constantFrom('a', 'b.c', 'config.yaml'), fc.string({ maxLength: 20 }), { maxKeys: 3 }), fc.oneof(fc.dictionary(fc.constantFrom('bad key', '..', ''), fc.string()), fc.dictionary(fc.constant('a'), junk), junk))),
  binaryData: maybe(fc.oneof(fc.constantFrom({ x: 'AAEC' }, { x: 'not base64!' }), junk)),
  immutable: maybe(mostly(fc.boolean(), junk)),
}, { requiredKeys: ['metadata'] });
const container = fc.record({
  name: mostly(goodName, junk),
  image: mostly(fc.constantFrom('nginx:1.25', 'busybox'), fc.oneof(fc.constant(''), junk)),
  ports: maybe(mostly(fc.array(fc.record({ containerPort: port, protocol: maybe(mostly(fc.constant('TCP'), fc.constant('X'))) }, { requiredKeys: ['containerPort'] }), { maxLength: 2 }), junk)),
}, { requiredKeys: ['name', 'image'] });
const deployment = fc.record({
  apiVersion: fc.constant('apps/v1'), kind: fc.constant('Deployment'), metadata,
  spec: mostly(fc.record({
    replicas: maybe(mostly(fc.integer({ min: 0, max: 2 }), fc.oneof(fc.constant(-1), junk))),
    selector: mostly(fc.constant({ matchLabels: { app: 'f' } }), fc.oneof(fc.constantFrom({ matchLabels: {} }, { matchExpressions: [{ key: 'app', operator: 'Bogus' }] }), junk)),
    template: mostly(fc.record({
      metadata: mostly(fc.constant({ labels: { app: 'f' } }), fc.constantFrom({ labels: { app: 'g' } }, {})),
      spec: fc.record({ containers: mostly(fc.array(container, { minLength: 1, maxLength: 2 }), fc.oneof(fc.constant([]), junk)) }),
    }), junk),
    strategy: maybe(mostly(fc.constantFrom({ type: 'Recreate' }, { type: 'RollingUpdate', rollingUpdate: { maxSurge: '50%' } }), fc.oneof(fc.constantFrom({ type: 'X' }, { type: 'RollingUpdate', rollingUpdate: { maxSurge: '150%', maxUnavailable: 0 } }), junk))),
  }, { requiredKeys: ['selector', 'template'] }), junk),
}, { requiredKeys: ['metadata'] });

const KINDS = {
  services: { path: '/api/v1/namespaces/fuzz/services', arb: service },
  configmaps: { path: '/api/v1/namespaces/fuzz/configmaps', arb: configMap },
  deployments: { path: '/apis/apps/v1/namespaces/fuzz/deployments', arb: deployment },
};

const jsonPatch = fc.array(fc.record({
  op: fc.constantFrom('add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus'),
  path: fc.oneof(fc.constantFrom('/spec/ports/0/port', '/spec/ports/0/nodePort', '/spec/ports/-', '/spec/ports/7', '/spec/type', '/spec/clusterIP', '/spec/clusterIPs/0', '/spec', '/metadata/name', '/metadata/labels/x', '/metadata/resourceVersion', '/metadata/uid', '/status', '', '/', '/spec/selector/app', '/kind'), fc.string({ maxLength: 8 })),
  from: maybe(fc.constantFrom('/spec/ports/0', '/metadata/labels', '/nope')),
  value: maybe(fc.oneof(junk, servicePort, serviceSpec, fc.jsonValue({ maxDepth: 2 }))),
}, { requiredKeys: ['op', 'path'] }), { maxLength: 3 });
const mergePatch = fc.oneof(fc.record({ metadata: maybe(fc.record({ labels, name: maybe(name), resourceVersion: maybe(fc.constantFrom('1', 'x', '999999')) }, { requiredKeys: [] })), spec: maybe(fc.oneof(serviceSpec, junk)), status: maybe(junk) }, { requiredKeys: [] }), fc.jsonValue({ maxDepth: 3 }));
const strategicPatch = fc.record({
  spec: maybe(fc.record({
    ports: maybe(fc.array(fc.oneof(servicePort, fc.record({ port: fc.constantFrom(80, 81), $patch: fc.constantFrom('delete', 'replace', 'merge', 'bogus') })), { maxLength: 2 })),
    '$setElementOrder/ports': maybe(fc.oneof(fc.constantFrom([{ port: 80 }], [{ port: 81 }, { port: 80 }]), junk)),
    $retainKeys: maybe(fc.oneof(fc.constantFrom(['ports', 'type'], ['bogus']), junk)),
    type: maybe(fc.constantFrom('ClusterIP', 'NodePort', 'ExternalName')),
  }, { requiredKeys: [] })),
  $patch: maybe(fc.constantFrom('replace', 'delete', 'bogus')),
  metadata: maybe(fc.record({ labels }, { requiredKeys: [] })),
}, { requiredKeys: [] });

const PATCH_TYPES = {
  'application/json-patch+json': jsonPatch,
  'application/merge-patch+json': mergePatch,
  'application/strategic-merge-patch+json': strategicPatch,
  'application/apply-patch+yaml': fc.oneof(service.map((s) => ({ ...s, metadata: { ...s.metadata, name: 'target' } })), fc.jsonValue({ maxDepth: 2 })),
};

describe('generated input', () => {
  let c: Cluster;
  let pid: number | undefined;
  before(async () => {
    c = await startCluster({ prefix: 't10-' });
    pid = c.pid();
    await c.createNamespace('fuzz');
  });
  after(async () => {
    await c?.down();
  });

  /**
   * An error answer is a metav1.Status that matches the HTTP status, and never a 5xx, except
   * where upstream itself answers 500 with reason "" to a patch its libraries cannot apply
   * ("unknown patch type", "expected a []interface {}, but received ...", "failed to create
   * typed patch object"). knit's own failures would say InternalError.
   */
  function checkAnswer(r: HttpResult, what: string, upstream500 = false): any {
    const body = JSON.parse(r.body);
    if (r.status < 300) return body;
    const asUpstream = upstream500 && r.status === 500 && body.reason === '';
    assert.ok(r.status < 500 || asUpstream, `${what}: the server failed on client input: ${r.status} ${r.body}`);
    assert.equal(body.kind, 'Status', `${what}: ${r.body}`);
    assert.equal(body.apiVersion, 'v1');
    assert.equal(body.status, 'Failure');
    assert.equal(body.code, r.status);
    assert.equal(typeof body.reason, 'string');
    if (!asUpstream) assert.ok(body.reason.length > 0, `${what}: a Status without a reason: ${r.body}`);
    assert.equal(typeof body.message, 'string');
    assert.ok(body.message.length > 0);
    return undefined;
  }

  /** A stored object must pass the server's own validation again, and meet Kubernetes' basic rules. */
  async function checkStored(collection: string, obj: any): Promise<void> {
    const url = `${collection}/${encodeURIComponent(obj.metadata.name)}`;
    // Controllers may write it meanwhile (a Deployment's status): check what is current.
    const again = await waitFor(`a dry-run update of ${url}`, async () => {
      const current = await c.request('GET', url);
      if (current.status === 404) return { status: 200, body: '' }; // deleted meanwhile: nothing stored to check
      return c.request('PUT', `${url}?dryRun=All&fieldValidation=Strict`, { body: current.body, contentType: 'application/json' });
    }, (r) => r.status !== 409);
    assert.equal(again.status, 200, `stored ${obj.kind} ${obj.metadata.name} fails its own validation: ${again.body}\n${JSON.stringify(obj)}`);
    assert.match(obj.metadata.name, /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    assert.ok(obj.metadata.name.length <= 253);
    if (obj.kind === 'Service') {
      const spec = obj.spec;
      if (spec.type === 'ExternalName') assert.equal(spec.clusterIP, undefined);
      else assert.ok(spec.clusterIP === 'None' || inServiceCIDR(spec.clusterIP), `clusterIP ${spec.clusterIP}`);
      for (const p of spec.ports ?? []) {
        assert.ok(Number.isInteger(p.port) && p.port >= 1 && p.port <= 65535, `port ${p.port}`);
        assert.ok(['TCP', 'UDP', 'SCTP'].includes(p.protocol), `protocol ${p.protocol}`);
        if (p.nodePort !== undefined) assert.ok(p.nodePort >= 30000 && p.nodePort <= 32767, `nodePort ${p.nodePort}`);
      }
    }
  }

  async function alive(): Promise<void> {
    assert.equal(c.pid(), pid, 'the API server process is the one that started');
    assert.equal((await c.request('GET', '/readyz')).status, 200);
  }

  test('generated objects are created or refused with a Status, and what is stored is valid', async () => {
    const body = fc.constantFrom(...Object.keys(KINDS) as (keyof typeof KINDS)[]).chain((kind) => KINDS[kind].arb.map((obj) => ({ kind, obj })));
    const outcomes = { stored: 0, refused: 0 };
    await fc.assert(fc.asyncProperty(body, async ({ kind, obj }) => {
      const { path } = KINDS[kind];
      const r = await c.request('POST', `${path}?fieldValidation=Strict`, { body: JSON.stringify(obj), contentType: 'application/json' });
      const created = checkAnswer(r, `POST ${JSON.stringify(obj)}`);
      outcomes[created ? 'stored' : 'refused']++;
      if (!created) return;
      assert.equal(r.status, 201);
      await checkStored(path, created);
      const del = await c.request('DELETE', `${path}/${encodeURIComponent(created.metadata.name)}?gracePeriodSeconds=0`);
      checkAnswer(del, 'DELETE');
      if (created.metadata.finalizers) {
        await c.request('PATCH', `${path}/${encodeURIComponent(created.metadata.name)}`, { body: '[{"op":"remove","path":"/metadata/finalizers"}]', contentType: 'application/json-patch+json' });
      }
    }), { numRuns: RUNS });
    // Both sides were exercised: the generators make valid objects as well as invalid ones.
    assert.ok(outcomes.stored >= 10 && outcomes.refused >= 10, JSON.stringify(outcomes));
    await alive();
  });

  test('generated bodies of any shape are refused with a Status', async () => {
    const raw = fc.oneof(fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), fc.string({ maxLength: 60 }), fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString('latin1')));
    const contentType = fc.constantFrom('application/json', 'application/yaml', 'text/plain', 'application/json; charset=utf-8', '');
    await fc.assert(fc.asyncProperty(raw, contentType, async (body, type) => {
      const r = await c.request('POST', '/api/v1/namespaces/fuzz/configmaps', { body, contentType: type || undefined });
      const created = checkAnswer(r, `POST ${type} ${JSON.stringify(body)}`);
      if (created) {
        await checkStored('/api/v1/namespaces/fuzz/configmaps', created);
        await c.request('DELETE', `/api/v1/namespaces/fuzz/configmaps/${encodeURIComponent(created.metadata.name)}`);
      }
    }), {
      numRuns: RUNS,
      // An alias without its anchor once made the YAML decoder fail with a 500.
      examples: [['*a', 'application/yaml'], ['a: *x', 'application/yaml']],
    });
    await alive();
  });

  test('generated patches of every type apply or are refused, and what is stored is valid', async () => {
    const path = '/api/v1/namespaces/fuzz/services';
    const target = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'target', labels: { app: 'f' } }, spec: { type: 'NodePort', selector: { app: 'f' }, ports: [{ name: 'http', port: 80 }, { name: 'alt', port: 81 }] } };
    checkAnswer(await c.request('POST', path, { body: JSON.stringify(target), contentType: 'application/json' }), 'create target');
    const patch = fc.constantFrom(...Object.keys(PATCH_TYPES) as (keyof typeof PATCH_TYPES)[])
      .chain((type) => (PATCH_TYPES[type] as fc.Arbitrary<unknown>).map((body) => ({ type, body })));
    const outcomes = { applied: 0, refused: 0 };
    await fc.assert(fc.asyncProperty(patch, fc.boolean(), async ({ type, body }, dryRun) => {
      const query = `?fieldValidation=Strict${type === 'application/apply-patch+yaml' ? '&fieldManager=fuzz&force=true' : ''}${dryRun ? '&dryRun=All' : ''}`;
      const r = await c.request('PATCH', `${path}/target${query}`, { body: JSON.stringify(body), contentType: type });
      const patched = checkAnswer(r, `PATCH ${type} ${JSON.stringify(body)}`, true);
      outcomes[patched ? 'applied' : 'refused']++;
      if (!patched) return;
      await checkStored(path, patched);
      const stored = JSON.parse((await c.request('GET', `${path}/target`)).body);
      await checkStored(path, stored);
    }), { numRuns: RUNS });
    assert.ok(outcomes.applied >= 10 && outcomes.refused >= 10, JSON.stringify(outcomes));
    await alive();
  });
});
