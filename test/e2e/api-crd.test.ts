// CustomResourceDefinitions with the real kubectl: a CRD with every feature (knit's CronTab in
// three versions), its custom resources created, read, listed, watched, patched, applied,
// scaled and validated as upstream does, kubectl explain and discovery, a names conflict,
// invalid CRDs, the deletion cascade; then Gateway API v1.6.1's and network-policy-api v0.2.0's
// CRDs installed unchanged, their kinds served and their own CEL rules enforced.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, startCluster, type Cluster } from './lib/cluster.js';
import { parseTable } from './lib/table.js';
import { waitFor } from './lib/wait.js';
import { CRD_DIR } from '../../src/cluster/crds.js';

const CRD = 'crontabs.stable.example.com';
const NS = 'crons';

const cronTab = (name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => JSON.stringify({
  apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name, namespace: NS, ...extra }, spec,
});

describe('custom resources', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster({ prefix: 't30-' });
    await c.createNamespace(NS);
  });
  after(async () => {
    await c?.down();
  });

  test('a CRD with every feature is accepted and becomes Established with its names', async () => {
    assert.equal(await c.kubectlOk(['apply', '-f', fixture('crds/crontab-crd.yaml')]), `customresourcedefinition.apiextensions.k8s.io/${CRD} created\n`);
    await c.kubectlOk(['wait', '--for=condition=Established', `crd/${CRD}`, '--timeout=30s']);
    const crd = await c.kubectlJson(['get', 'crd', CRD]);
    const conditions = Object.fromEntries(crd.status.conditions.map((x: { type: string; status: string; reason: string }) => [x.type, `${x.status} ${x.reason}`]));
    assert.deepEqual(conditions, { NamesAccepted: 'True NoConflicts', Established: 'True InitialNamesAccepted' });
    assert.deepEqual(crd.status.acceptedNames, { plural: 'crontabs', singular: 'crontab', shortNames: ['ct'], kind: 'CronTab', listKind: 'CronTabList', categories: ['all'] });
    assert.deepEqual(crd.status.storedVersions, ['v1']);
    assert.deepEqual(crd.spec.conversion, { strategy: 'None' });
    const table = parseTable(await c.kubectlOk(['get', 'crd', CRD]));
    assert.deepEqual(table.header, ['NAME', 'CREATED AT']);
  });

  test('discovery shows the kind with its short name and category, in its served versions', async () => {
    const table = parseTable(await c.kubectlOk(['api-resources', '--api-group=stable.example.com', '-o', 'wide']));
    assert.deepEqual(table.rows.map((r) => [r.NAME, r.SHORTNAMES, r.APIVERSION, r.NAMESPACED, r.KIND, r.VERBS, r.CATEGORIES]), [
      ['crontabs', 'ct', 'stable.example.com/v1', 'true', 'CronTab', 'create,delete,deletecollection,get,list,patch,update,watch', 'all'],
    ]);
    const crds = parseTable(await c.kubectlOk(['api-resources', '--api-group=apiextensions.k8s.io']));
    assert.deepEqual(crds.rows.map((r) => [r.NAME, r.SHORTNAMES, r.APIVERSION, r.NAMESPACED, r.KIND]), [
      ['customresourcedefinitions', 'crd,crds', 'apiextensions.k8s.io/v1', 'false', 'CustomResourceDefinition'],
    ]);
    const versions = JSON.parse(await c.kubectlOk(['get', '--raw', '/apis/stable.example.com']));
    assert.deepEqual(versions.versions.map((v: { version: string }) => v.version), ['v1', 'v1beta1']);
    assert.equal(versions.preferredVersion.version, 'v1');
    const notServed = await c.kubectl(['get', '--raw', '/apis/stable.example.com/v1alpha1/namespaces/crons/crontabs']);
    assert.notEqual(notServed.code, 0);
    assert.match(notServed.stderr, /NotFound|not found/);
  });

  test('custom resources are created with defaults, listed and read with the printer columns', async () => {
    const created = await c.kubectlOk(['apply', '-f', '-'], { input: cronTab('nightly', { cronSpec: '0 3 * * *', image: 'backup:1' }, { labels: { tier: 'ops' } }) });
    assert.equal(created, 'crontab.stable.example.com/nightly created\n');
    await c.kubectlOk(['create', '-f', '-'], { input: cronTab('hourly', { cronSpec: '0 * * * *', image: 'report:2', replicas: 2, port: 'http', ports: [{ name: 'http', port: 80 }] }) });
    const nightly = await c.kubectlJson(['get', 'ct', 'nightly', '-n', NS]);
    assert.deepEqual(nightly.spec, { cronSpec: '0 3 * * *', image: 'backup:1', replicas: 1, maxReplicas: 5 });
    assert.equal(nightly.metadata.generation, 1);
    const table = parseTable(await c.kubectlOk(['get', 'crontabs', '-n', NS]));
    assert.deepEqual(table.header, ['NAME', 'SCHEDULE', 'REPLICAS', 'AGE']);
    assert.deepEqual(table.rows.map((r) => [r.NAME, r.SCHEDULE, r.REPLICAS]), [['hourly', '0 * * * *', '2'], ['nightly', '0 3 * * *', '1']]);
    assert.match(table.rows[0].AGE, /^\d+s$/);
    const wide = parseTable(await c.kubectlOk(['get', 'ct', '-n', NS, '-o', 'wide']));
    assert.deepEqual(wide.header, ['NAME', 'SCHEDULE', 'REPLICAS', 'IMAGE', 'AGE']);
    assert.deepEqual(wide.rows.map((r) => r.IMAGE), ['report:2', 'backup:1']);
    assert.deepEqual(await c.kubectlNames(['get', 'ct', '-n', NS, '-l', 'tier=ops']), ['crontab.stable.example.com/nightly']);
    assert.deepEqual(await c.kubectlNames(['get', 'ct', '-A', '--field-selector', 'metadata.name=hourly']), ['crontab.stable.example.com/hourly']);
    const badField = await c.kubectl(['get', 'ct', '-n', NS, '--field-selector', 'spec.image=x']);
    assert.match(badField.stderr, /field label not supported: spec\.image/);
    // Pages of one: kubectl follows the continue tokens.
    assert.deepEqual(await c.kubectlNames(['get', 'ct', '-n', NS, '--chunk-size=1']), ['crontab.stable.example.com/hourly', 'crontab.stable.example.com/nightly']);
    const page = JSON.parse(await c.kubectlOk(['get', '--raw', `/apis/stable.example.com/v1/namespaces/${NS}/crontabs?limit=1`]));
    assert.equal(page.kind, 'CronTabList');
    assert.equal(page.items.length, 1);
    assert.equal(page.metadata.remainingItemCount, 1);
    assert.ok(page.metadata.continue);
    // The "all" category.
    assert.match(await c.kubectlOk(['get', 'all', '-n', NS]), /^crontab\.stable\.example\.com\/hourly\s/m);
  });

  test('a watch sees custom resources come, change and go', async () => {
    const watch = c.kubectlStream(['get', 'ct', '-n', NS, '--watch', '--output-watch-events', '-o', 'custom-columns=EVENT:.type,NAME:.object.metadata.name,REPLICAS:.object.spec.replicas']);
    try {
      await watch.waitForOutput('the initial list', (out) => /ADDED\s+nightly/.test(out));
      await c.kubectlOk(['create', '-f', '-'], { input: cronTab('watched', { cronSpec: '* * * * *', image: 'w' }) });
      await c.kubectlOk(['patch', 'ct', 'watched', '-n', NS, '--type=merge', '-p', '{"spec":{"replicas":3}}']);
      await c.kubectlOk(['delete', 'ct', 'watched', '-n', NS]);
      await watch.waitForOutput('the added, changed and deleted CronTab', (out) => /ADDED\s+watched\s+1[\s\S]*MODIFIED\s+watched\s+3[\s\S]*DELETED\s+watched\s+3/.test(out));
    } finally {
      await watch.stop();
    }
  });

  test('kubectl apply of a changed CRD updates it: new names are served, generation counts the change', async () => {
    const original = readFileSync(fixture('crds/crontab-crd.yaml'), 'utf8');
    assert.equal(await c.kubectlOk(['apply', '-f', '-'], { input: original.replace('shortNames: [ct]', 'shortNames: [ct, cts]') }),
      `customresourcedefinition.apiextensions.k8s.io/${CRD} configured\n`);
    const crd = await waitFor('the new short name accepted', () => c.kubectlJson(['get', 'crd', CRD]), (x) => x.status.acceptedNames.shortNames.length === 2);
    assert.equal(crd.metadata.generation, 2);
    assert.deepEqual(await c.kubectlNames(['get', 'cts', 'nightly', '-n', NS]), ['crontab.stable.example.com/nightly']);
    await c.kubectlOk(['apply', '-f', '-'], { input: original });
    await waitFor('the short name gone', () => c.kubectlJson(['get', 'crd', CRD]), (x) => x.status.acceptedNames.shortNames.length === 1);
  });

  test('kubectl apply of a changed custom resource patches it', async () => {
    assert.equal(await c.kubectlOk(['apply', '-f', '-'], { input: cronTab('nightly', { cronSpec: '0 4 * * *', image: 'backup:1' }, { labels: { tier: 'ops' } }) }),
      'crontab.stable.example.com/nightly configured\n');
    assert.equal((await c.kubectlJson(['get', 'ct', 'nightly', '-n', NS])).spec.cronSpec, '0 4 * * *');
  });

  test('patches: merge and JSON patch apply, strategic merge patch is refused as upstream refuses it', async () => {
    await c.kubectlOk(['patch', 'ct', 'nightly', '-n', NS, '--type=merge', '-p', '{"spec":{"replicas":2,"extra":{"anything":{"goes":true}}}}']);
    await c.kubectlOk(['patch', 'ct', 'nightly', '-n', NS, '--type=json', '-p', '[{"op":"replace","path":"/spec/image","value":"backup:2"}]']);
    const nightly = await c.kubectlJson(['get', 'ct', 'nightly', '-n', NS]);
    assert.equal(nightly.spec.replicas, 2);
    assert.equal(nightly.spec.image, 'backup:2');
    assert.deepEqual(nightly.spec.extra, { anything: { goes: true } });
    // The apply before, and these two patches: each changed the spec.
    assert.equal(nightly.metadata.generation, 4);
    const smp = await c.kubectl(['patch', 'ct', 'nightly', '-n', NS, '-p', '{"spec":{"replicas":3}}']);
    assert.notEqual(smp.code, 0);
    // kubectl words the server's 415 so.
    assert.equal(smp.stderr.trim(), 'error: application/strategic-merge-patch+json is not supported by stable.example.com/v1, Kind=CronTab: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
  });

  test('server-side apply: created, merged by list-map keys, conflicts with another manager', async () => {
    const doc = (ports: unknown[], replicas?: number) => JSON.stringify({
      apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'applied', namespace: NS },
      spec: { cronSpec: '*/5 * * * *', image: 'a:1', ports, ...(replicas === undefined ? {} : { replicas }) },
    });
    assert.equal(await c.kubectlOk(['apply', '--server-side', '--field-manager=alice', '-f', '-'], { input: doc([{ name: 'a', port: 1 }]) }), 'crontab.stable.example.com/applied serverside-applied\n');
    await c.kubectlOk(['apply', '--server-side', '--field-manager=bob', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'applied', namespace: NS }, spec: { ports: [{ name: 'b', port: 2 }] } }),
    });
    const merged = await c.kubectlJson(['get', 'ct', 'applied', '-n', NS, '--show-managed-fields']);
    assert.deepEqual(merged.spec.ports, [{ name: 'a', port: 1 }, { name: 'b', port: 2 }]);
    const managers = merged.metadata.managedFields.map((m: { manager: string; operation: string }) => `${m.manager}/${m.operation}`).sort();
    assert.deepEqual(managers, ['alice/Apply', 'bob/Apply']);
    const conflict = await c.kubectl(['apply', '--server-side', '--field-manager=bob', '-f', '-'], { input: doc([{ name: 'b', port: 2 }], 4).replace('"a:1"', '"b:1"') });
    assert.notEqual(conflict.code, 0);
    assert.match(conflict.stderr, /Apply failed with 1 conflict: conflict with "alice": \.spec\.image/);
  });

  test('dry run validates and stores nothing', async () => {
    assert.equal(await c.kubectlOk(['create', '--dry-run=server', '-f', '-'], { input: cronTab('dry', { cronSpec: '* * * * *', image: 'd' }) }),
      'crontab.stable.example.com/dry created (server dry run)\n');
    const get = await c.kubectl(['get', 'ct', 'dry', '-n', NS]);
    assert.equal(get.stderr.trim(), 'Error from server (NotFound): crontabs.stable.example.com "dry" not found');
  });

  test('invalid custom resources are refused with upstream\'s messages', async () => {
    const refused = async (spec: Record<string, unknown>, name = 'bad') => {
      const r = await c.kubectl(['create', '-f', '-'], { input: cronTab(name, spec) });
      assert.notEqual(r.code, 0, `${JSON.stringify(spec)} was accepted`);
      return r.stderr.trim();
    };
    const prefix = 'The CronTab "bad" is invalid: ';
    assert.equal(await refused({ cronSpec: '* * * * *', image: 'i', replicas: 'three' }),
      `${prefix}\n* spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"\n* .spec.replicas: Invalid value: 0: .spec.replicas accessor error: three is of the type string, expected int64\n* <nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation`);
    assert.equal(await refused({ image: 'i' }),
      `${prefix}\n* spec.cronSpec: Required value\n* <nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation`);
    assert.equal(await refused({ cronSpec: 'every day', image: 'i' }),
      `${prefix}spec.cronSpec: Invalid value: "every day": spec.cronSpec in body should match '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'`);
    assert.equal(await refused({ cronSpec: '* * * * *', image: 'i', color: 'purple' }),
      `${prefix}\n* spec.color: Unsupported value: "purple": supported values: "red", "green", "blue"\n* <nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation`);
    assert.equal(await refused({ cronSpec: '* * * * *', image: 'i', maxReplicas: 11 }),
      `${prefix}spec.maxReplicas: Invalid value: 11: spec.maxReplicas in body should be less than or equal to 10`);
    assert.equal(await refused({ cronSpec: '* * * * *', image: 'x'.repeat(65) }),
      `${prefix}\n* spec.image: Too long: may not be more than 64 bytes\n* <nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation`);
    assert.equal(await refused({ cronSpec: '* * * * *', image: 'i', ports: [{ name: 'a' }, { name: 'a' }] }),
      `${prefix}spec.ports[1]: Duplicate value: map[string]interface {}{"name":"a"}`);
    // x-kubernetes-validations: the rule's message, messageExpression, or "failed rule: <rule>".
    assert.equal(await refused({ cronSpec: '* * * * *', image: 'i', replicas: 6 }), `${prefix}spec: Invalid value: "object": replicas must not exceed maxReplicas`);
    assert.equal(await refused({ cronSpec: '* * * * *', image: 'i', replicas: 1, paused: true }),
      `${prefix}spec: Invalid value: "object": failed rule: !has(self.paused) || !self.paused || self.replicas == 0`);
    assert.equal(await refused({ cronSpec: '* * * * *', image: 'red/x', color: 'blue' }), `${prefix}spec: Invalid value: "object": a blue CronTab runs a blue image, not red/x`);
    // Unknown fields: kubectl asks for strict validation.
    const unknown = await c.kubectl(['create', '-f', '-'], { input: cronTab('bad', { cronSpec: '* * * * *', image: 'i', foo: 1 }) });
    assert.equal(unknown.stderr.trim(), 'Error from server (BadRequest): error when creating "STDIN": CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: unknown field "spec.foo"');
    assert.equal((await c.kubectl(['get', 'ct', 'bad', '-n', NS])).code, 1);
  });

  test('transition rules see the old object: an immutable field stays as it was', async () => {
    await c.kubectlOk(['create', '-f', '-'], { input: cronTab('owned', { cronSpec: '* * * * *', image: 'o', owner: 'alice' }) });
    const r = await c.kubectl(['patch', 'ct', 'owned', '-n', NS, '--type=merge', '-p', '{"spec":{"owner":"bob"}}']);
    assert.equal(r.stderr.trim(), 'The CronTab "owned" is invalid: spec.owner: Invalid value: "string": owner is immutable');
    await c.kubectlOk(['patch', 'ct', 'owned', '-n', NS, '--type=merge', '-p', '{"spec":{"image":"o2"}}']);
  });

  test('status is written through /status only; generation counts spec changes', async () => {
    await c.kubectlOk(['patch', 'ct', 'hourly', '-n', NS, '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":2,"selector":"app=hourly","phase":"Running"}}']);
    let hourly = await c.kubectlJson(['get', 'ct', 'hourly', '-n', NS]);
    assert.deepEqual(hourly.status, { replicas: 2, selector: 'app=hourly', phase: 'Running' });
    assert.equal(hourly.metadata.generation, 1);
    // The main resource ignores status.
    await c.kubectlOk(['patch', 'ct', 'hourly', '-n', NS, '--type=merge', '-p', '{"status":{"phase":"Gone"},"spec":{"image":"report:3"}}']);
    hourly = await c.kubectlJson(['get', 'ct', 'hourly', '-n', NS]);
    assert.equal(hourly.status.phase, 'Running');
    assert.equal(hourly.metadata.generation, 2);
  });

  test('kubectl scale works through the scale subresource', async () => {
    assert.equal(await c.kubectlOk(['scale', 'ct', 'hourly', '-n', NS, '--replicas=4']), 'crontab.stable.example.com/hourly scaled\n');
    assert.equal((await c.kubectlJson(['get', 'ct', 'hourly', '-n', NS])).spec.replicas, 4);
    const scale = await c.kubectlJson(['get', 'ct', 'hourly', '-n', NS, '--subresource=scale']);
    assert.deepEqual({ kind: scale.kind, apiVersion: scale.apiVersion, spec: scale.spec, status: scale.status },
      { kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 4 }, status: { replicas: 2, selector: 'app=hourly' } });
    const tooMany = await c.kubectl(['scale', 'ct', 'hourly', '-n', NS, '--replicas=7']);
    assert.equal(tooMany.stderr.trim(), 'The CronTab "hourly" is invalid: spec: Invalid value: "object": replicas must not exceed maxReplicas');
  });

  test('kubectl explain reads the CRD\'s schema', async () => {
    const out = await c.kubectlOk(['explain', 'crontabs.spec']);
    assert.match(out, /^KIND:\s+CronTab$/m);
    assert.match(out, /^VERSION:\s+v1$/m);
    assert.match(out, /What to run and when\./);
    assert.match(out, /^\s+cronSpec\t<string> -required-$/m);
    assert.match(out, /The schedule, in cron's five fields\./);
    assert.match(await c.kubectlOk(['explain', 'ct.spec.color']), /^ENUM:\n\s+red\n\s+green\n\s+blue$/m);
  });

  test('a deprecated version is served with a warning, stored as the storage version', async () => {
    const r = await c.kubectl(['get', 'crontabs.v1beta1.stable.example.com', 'nightly', '-n', NS, '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.trim(), 'Warning: stable.example.com/v1beta1 CronTab is deprecated; use stable.example.com/v1 CronTab');
    assert.equal(JSON.parse(r.stdout).apiVersion, 'stable.example.com/v1beta1');
    await c.kubectlOk(['create', '-f', '-'], { input: cronTab('old', { cronSpec: '* * * * *', image: 'b' }).replace('stable.example.com/v1', 'stable.example.com/v1beta1') });
    assert.equal((await c.kubectlJson(['get', 'ct', 'old', '-n', NS])).apiVersion, 'stable.example.com/v1');
  });

  test('finalizers hold a custom resource until they are removed', async () => {
    await c.kubectlOk(['create', '-f', '-'], { input: cronTab('held', { cronSpec: '* * * * *', image: 'h' }, { finalizers: ['example.com/hold'] }) });
    await c.kubectlOk(['delete', 'ct', 'held', '-n', NS, '--wait=false']);
    const held = await c.kubectlJson(['get', 'ct', 'held', '-n', NS]);
    assert.ok(held.metadata.deletionTimestamp);
    await c.kubectlOk(['patch', 'ct', 'held', '-n', NS, '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    assert.equal((await c.kubectl(['get', 'ct', 'held', '-n', NS])).code, 1);
  });

  test('a CRD whose kind and list kind another CRD of its group holds is not served: NamesAccepted False', async () => {
    const other = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'othertabs.stable.example.com' },
      spec: {
        group: 'stable.example.com', scope: 'Namespaced', names: { plural: 'othertabs', kind: 'CronTab' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    };
    await c.kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(other) });
    const crd = await waitFor('the NamesAccepted condition', () => c.kubectlJson(['get', 'crd', 'othertabs.stable.example.com']),
      (x) => x.status?.conditions?.some((y: { type: string }) => y.type === 'NamesAccepted'));
    const conditions = Object.fromEntries(crd.status.conditions.map((x: { type: string; status: string; reason: string; message: string }) => [x.type, [x.status, x.reason, x.message]]));
    // Upstream checks kind, then list kind: the last conflict names the condition.
    assert.deepEqual(conditions.NamesAccepted, ['False', 'ListKindConflict', '"CronTabList" is already in use']);
    assert.deepEqual(conditions.Established, ['False', 'NotAccepted', 'not all names are accepted']);
    const get = await c.kubectl(['get', 'othertabs', '-A']);
    assert.match(get.stderr, /the server doesn't have a resource type "othertabs"/);
    await c.kubectlOk(['delete', 'crd', 'othertabs.stable.example.com']);
  });

  test('invalid CRDs are refused with upstream\'s messages', async () => {
    const bad = (name: string, spec: Record<string, unknown>) => JSON.stringify({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name }, spec });
    const version = (schema: unknown) => [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }];
    const base = { group: 'bad.example.com', scope: 'Namespaced', names: { plural: 'widgets', kind: 'Widget' } };
    const refused = async (doc: string) => {
      const r = await c.kubectl(['create', '-f', '-'], { input: doc });
      assert.notEqual(r.code, 0);
      return r.stderr.trim();
    };
    const prefix = 'The CustomResourceDefinition "widgets.bad.example.com" is invalid: ';
    assert.equal(await refused(bad('widgets.bad.example.com', { ...base, versions: version({ type: 'object', properties: { spec: { properties: { a: { type: 'string' } } } } }) })),
      `${prefix}spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields`);
    assert.equal(await refused(bad('widgets.bad.example.com', { ...base, versions: version({ type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-int-or-string': true, 'x-kubernetes-preserve-unknown-fields': true } } }) })),
      `${prefix}spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true`);
    assert.equal(await refused(bad('widgets.bad.example.com', { ...base, versions: [{ name: 'v1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } } }] })),
      `${prefix}\n* spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{apiextensions.CustomResourceDefinitionVersion{Name:"v1", Served:true, Storage:false, Deprecated:false, DeprecationWarning:(*string)(nil), Schema:(*apiextensions.CustomResourceValidation)(nil), Subresources:(*apiextensions.CustomResourceSubresources)(nil), AdditionalPrinterColumns:[]apiextensions.CustomResourceColumnDefinition(nil), SelectableFields:[]apiextensions.SelectableField(nil)}}: must have exactly one version marked as storage version\n* status.storedVersions: Invalid value: []string{}: must have at least one stored version`);
    assert.equal(await refused(bad('gadgets.bad.example.com', { ...base, versions: version({ type: 'object' }) })),
      'The CustomResourceDefinition "gadgets.bad.example.com" is invalid: metadata.name: Invalid value: "gadgets.bad.example.com": must be spec.names.plural+"."+spec.group');
    assert.equal(await refused(bad('widgets.bad.example.com', { ...base, scope: 'Global', versions: version({ type: 'object' }) })),
      `${prefix}spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"`);
    assert.equal(await refused(bad('widgets.bad.example.com', { ...base, versions: version({ type: 'object', 'x-kubernetes-validations': [{ rule: 'self.nope == 1' }], properties: { a: { type: 'string' } } }) })),
      `${prefix}spec.validation.openAPIV3Schema.x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"self.nope == 1", Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:5: undefined field 'nope'`);
    assert.equal((await c.kubectl(['get', 'crd', 'widgets.bad.example.com'])).code, 1);
  });

  test('deleting the CRD deletes its custom resources, then stops serving them', async () => {
    const before = await c.kubectlNames(['get', 'ct', '-n', NS]);
    assert.ok(before.length >= 3, before.join(' '));
    assert.equal(await c.kubectlOk(['delete', 'crd', CRD]), `customresourcedefinition.apiextensions.k8s.io "${CRD}" deleted\n`);
    const gone = await c.kubectl(['get', 'crd', CRD]);
    assert.equal(gone.stderr.trim(), `Error from server (NotFound): customresourcedefinitions.apiextensions.k8s.io "${CRD}" not found`);
    const raw = await c.request('GET', `/apis/stable.example.com/v1/namespaces/${NS}/crontabs`);
    assert.equal(raw.status, 404);
    // Discovery no longer has the kind (api-resources reads it afresh; kubectl get then does too).
    assert.equal((await c.kubectlOk(['api-resources', '--api-group=stable.example.com', '-o', 'name'])).trim(), '');
    const get = await c.kubectl(['get', 'ct', '-n', NS]);
    assert.match(get.stderr, /the server doesn't have a resource type "ct"/);
    // Re-created, it starts empty: its objects went with it.
    await c.kubectlOk(['apply', '-f', fixture('crds/crontab-crd.yaml')]);
    await c.kubectlOk(['wait', '--for=condition=Established', `crd/${CRD}`, '--timeout=30s']);
    assert.equal((await c.kubectlOk(['get', 'ct', '-A', '-o', 'name'])).trim(), '');
  });
});

describe('upstream CRDs', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster({ prefix: 't30-' });
  });
  after(async () => {
    await c?.down();
  });

  test('Gateway API v1.6.1 and network-policy-api v0.2.0 install unchanged and become Established', async () => {
    for (const dir of [fixture('crds/gateway-api-v1.6.1'), join(CRD_DIR, 'network-policy-api-v0.2.0')]) {
      const out = await c.kubectlOk(['apply', '--server-side', '-f', dir], { timeoutMs: 120_000 });
      const files = readdirSync(dir);
      assert.equal(out.trim().split('\n').length, files.length, out);
      assert.match(out, /serverside-applied/);
    }
    await c.kubectlOk(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    const names = (await c.kubectlNames(['get', 'crd'])).sort();
    assert.deepEqual(names, [
      'backendtlspolicies.gateway.networking.k8s.io', 'clusternetworkpolicies.policy.networking.k8s.io', 'gatewayclasses.gateway.networking.k8s.io',
      'gateways.gateway.networking.k8s.io', 'grpcroutes.gateway.networking.k8s.io', 'httproutes.gateway.networking.k8s.io',
      'listenersets.gateway.networking.k8s.io', 'referencegrants.gateway.networking.k8s.io', 'tcproutes.gateway.networking.k8s.io',
      'tlsroutes.gateway.networking.k8s.io', 'udproutes.gateway.networking.k8s.io',
    ].map((n) => `customresourcedefinition.apiextensions.k8s.io/${n}`));
    const approved = await c.kubectlJson(['get', 'crd', 'httproutes.gateway.networking.k8s.io']);
    assert.ok(approved.status.conditions.some((x: { type: string; status: string }) => x.type === 'KubernetesAPIApprovalPolicyConformant' && x.status === 'True'));
  });

  test('a Gateway, an HTTPRoute and a ClusterNetworkPolicy are served, defaulted and read back', async () => {
    await c.kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'web', namespace: 'default' },
        spec: { gatewayClassName: 'knit', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } }),
    });
    await c.kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'web', namespace: 'default' },
        spec: { parentRefs: [{ name: 'web' }], hostnames: ['web.example.com'], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [{ name: 'api', port: 8080 }] }] } }),
    });
    await c.kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name: 'deny-from-x' },
        spec: { tier: 'Admin', priority: 10, subject: { namespaces: {} }, ingress: [{ name: 'deny', action: 'Deny', from: [{ namespaces: { matchLabels: { team: 'x' } } }] }] } }),
    });
    const gw = await c.kubectlJson(['get', 'gateway', 'web', '-n', 'default']);
    assert.deepEqual(gw.spec.listeners, [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } }]);
    const route = await c.kubectlJson(['get', 'httproute', 'web', '-n', 'default']);
    assert.deepEqual(route.spec.parentRefs, [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'web' }]);
    assert.deepEqual(route.spec.rules[0].backendRefs, [{ group: '', kind: 'Service', name: 'api', port: 8080, weight: 1 }]);
    const cnp = await c.kubectlJson(['get', 'clusternetworkpolicy', 'deny-from-x']);
    assert.equal(cnp.spec.ingress[0].action, 'Deny');
    const gateways = parseTable(await c.kubectlOk(['get', 'gateways', '-n', 'default']));
    assert.deepEqual(gateways.header, ['NAME', 'CLASS', 'ADDRESS', 'PROGRAMMED', 'AGE']);
    assert.deepEqual([gateways.rows[0].NAME, gateways.rows[0].CLASS, gateways.rows[0].PROGRAMMED], ['web', 'knit', 'Unknown']);
    const routes = parseTable(await c.kubectlOk(['get', 'httproutes', '-n', 'default']));
    assert.deepEqual(routes.rows.map((r) => [r.NAME, r.HOSTNAMES]), [['web', '[web.example.com]']]);
  });

  test('their own CEL rules refuse bad objects with the CRDs\' messages', async () => {
    const refused = async (doc: unknown) => {
      const r = await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(doc) });
      assert.notEqual(r.code, 0, 'accepted');
      return r.stderr.trim();
    };
    assert.equal(await refused({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'bad', namespace: 'default' },
      spec: { parentRefs: [{ name: 'web' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: 'api' } }] }] } }),
    'The HTTPRoute "bad" is invalid: spec.rules[0].matches[0].path: Invalid value: "object": value must be an absolute path and start with \'/\' when type one of [\'Exact\', \'PathPrefix\']');
    assert.match(await refused({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'bad', namespace: 'default' },
      spec: { gatewayClassName: 'knit', listeners: [{ name: 'a', port: 80, protocol: 'HTTP' }, { name: 'a', port: 81, protocol: 'HTTP' }] } }),
    /spec\.listeners: Invalid value: "array": Listener name must be unique within the Gateway/);
    assert.match(await refused({ apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name: 'bad' },
      spec: { tier: 'Admin', priority: 10, subject: { namespaces: {} }, egress: [{ action: 'Deny', to: [{ networks: ['10.0.0.0/33'] }] }] } }),
    /^The ClusterNetworkPolicy "bad" is invalid: spec\.egress\[0\]\.to\[0\]\.networks\[0\]: Invalid value: "string": Invalid CIDR format provided$/);
  });
});
