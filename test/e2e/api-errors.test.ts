// Bad input gets upstream's error, as the real kubectl prints it, and stores nothing.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import YAML from 'yaml';
import { fixture, startCluster, type Cluster } from './lib/cluster.js';

const svc = (name: string, spec: Record<string, unknown>) => YAML.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec });

describe('bad input', () => {
  let c: Cluster;
  /** What is stored in the default namespace (names), to show a refused write stored nothing. */
  const stored = async () => (await c.kubectlNames(['get', 'svc,cm,secret,deploy'])).sort();
  let baseline: string[];

  before(async () => {
    c = await startCluster({ prefix: 't10-' });
    await c.kubectlOk(['apply', '-f', fixture('frontend-deployment.yaml')]);
    baseline = await stored();
  });
  after(async () => {
    await c?.down();
  });

  /** kubectl that must fail with exactly this stderr, leaving the store as it was. */
  const refused = async (args: string[], input: string | undefined, stderr: string | RegExp) => {
    const r = await c.kubectl(args, { input });
    assert.equal(r.code, 1, `expected a failure, got: ${r.stdout}`);
    if (typeof stderr === 'string') assert.equal(r.stderr.trim(), stderr);
    else assert.match(r.stderr, stderr);
    assert.deepEqual(await stored(), baseline);
  };

  test('invalid names', async () => {
    await refused(['apply', '-f', '-'], svc('Bad_Name', { ports: [{ port: 80 }] }),
      'The Service "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')');
    await refused(['apply', '-f', '-'], svc('a'.repeat(64), { ports: [{ port: 80 }] }),
      `The Service "${'a'.repeat(64)}" is invalid: metadata.name: Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`);
    await refused(['apply', '-f', '-'], YAML.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'not valid!' } }),
      'The ConfigMap "not valid!" is invalid: metadata.name: Invalid value: "not valid!": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')');
    await refused(['apply', '-f', '-'], YAML.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ok', labels: { 'bad key!': 'x' } } }),
      /The ConfigMap "ok" is invalid: metadata\.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '\.'/);
  });

  test('ports and protocols out of range', async () => {
    await refused(['apply', '-f', '-'], svc('p', { ports: [{ port: 70000 }] }),
      'The Service "p" is invalid: \n* spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive\n* spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive');
    await refused(['apply', '-f', '-'], svc('p', { ports: [{ port: 80, protocol: 'SCTPX' }] }),
      'The Service "p" is invalid: spec.ports[0].protocol: Unsupported value: "SCTPX": supported values: "SCTP", "TCP", "UDP"');
    await refused(['apply', '-f', '-'], svc('p', { ports: [{ port: 80 }, { port: 81 }] }),
      'The Service "p" is invalid: \n* spec.ports[0].name: Required value\n* spec.ports[1].name: Required value');
    await refused(['apply', '-f', '-'], svc('p', { type: 'Bogus', ports: [{ port: 80 }] }),
      'The Service "p" is invalid: spec.type: Unsupported value: "Bogus": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"');
    const deploy = YAML.parseAllDocuments(await readFile(fixture('backend-deployment.yaml'), 'utf8'))[0].toJS();
    deploy.spec.template.spec.containers[0].ports[0].containerPort = 70000;
    await refused(['apply', '-f', '-'], YAML.stringify(deploy),
      'The Deployment "api" is invalid: spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive');
  });

  test('node ports outside 30000-32767 or already allocated', async () => {
    await refused(['apply', '-f', '-'], svc('np', { type: 'NodePort', ports: [{ port: 80, nodePort: 40000 }] }),
      'The Service "np" is invalid: spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767');
    await refused(['apply', '-f', '-'], svc('np', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }),
      'The Service "np" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
    // A refused Service gives back what it had reserved: 30100 is still free afterwards.
    await refused(['apply', '-f', '-'], svc('np', { type: 'NodePort', ports: [{ name: 'a', port: 80, nodePort: 30100 }, { name: 'b', port: 81, nodePort: 30080 }] }),
      'The Service "np" is invalid: spec.ports[1].nodePort: Invalid value: 30080: provided port is already allocated');
    assert.equal(await c.kubectlOk(['apply', '-f', '-'], { input: svc('np', { type: 'NodePort', ports: [{ port: 80, nodePort: 30100 }] }) }), 'service/np created\n');
    await c.kubectlOk(['delete', 'svc', 'np']);
  });

  test('cluster IPs outside 10.96.0.0/12 or taken', async () => {
    await refused(['apply', '-f', '-'], svc('cip', { clusterIP: '10.200.0.5', ports: [{ port: 80 }] }),
      'The Service "cip" is invalid: spec.clusterIPs: Invalid value: []string{"10.200.0.5"}: failed to allocate IP 10.200.0.5: the provided IP (10.200.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/12');
    await refused(['apply', '-f', '-'], svc('cip', { clusterIP: '10.96.0.1', ports: [{ port: 80 }] }),
      'The Service "cip" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.1"}: failed to allocate IP 10.96.0.1: provided IP is already allocated');
    await refused(['apply', '-f', '-'], svc('cip', { clusterIP: 'not-an-ip', ports: [{ port: 80 }] }),
      /The Service "cip" is invalid: .*spec\.clusterIPs\[0\]: Invalid value: "not-an-ip": must be a valid IP address/);
    // A requested free address is honoured; a changed one is refused.
    assert.equal(await c.kubectlOk(['apply', '-f', '-'], { input: svc('cip', { clusterIP: '10.96.100.100', ports: [{ port: 80 }] }) }), 'service/cip created\n');
    const changed = await c.kubectl(['patch', 'svc', 'cip', '-p', '{"spec":{"clusterIP":"10.96.5.5","clusterIPs":["10.96.5.5"]}}']);
    assert.equal(changed.code, 1);
    assert.equal(changed.stderr.trim(), 'The Service "cip" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.5.5"}: may not change once set');
    await c.kubectlOk(['delete', 'svc', 'cip']);
  });

  test('immutable fields, conflicts, missing namespaces, duplicates', async () => {
    const selector = await c.kubectl(['patch', 'deploy', 'web', '-p', '{"spec":{"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}}}}}']);
    assert.equal(selector.stderr.trim(), 'The Deployment "web" is invalid: spec.selector: Invalid value: {"matchLabels":{"app":"x"}}: field is immutable');
    const live = await c.kubectlJson(['get', 'svc', 'web']);
    live.metadata.resourceVersion = String(Number(live.metadata.resourceVersion) - 1);
    live.metadata.labels = { stale: 'yes' };
    const stale = await c.kubectl(['replace', '-f', '-'], { input: JSON.stringify(live) });
    assert.equal(stale.code, 1);
    assert.equal(stale.stderr.trim(), 'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on services "web": the object has been modified; please apply your changes to the latest version and try again');
    await refused(['create', '-f', '-'], YAML.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'nope' } }),
      'Error from server (NotFound): error when creating "STDIN": namespaces "nope" not found');
    await refused(['create', '-f', '-'], svc('web', { ports: [{ port: 80 }] }),
      'Error from server (AlreadyExists): error when creating "STDIN": services "web" already exists');
    await refused(['get', 'svc', 'nothere'], undefined, 'Error from server (NotFound): services "nothere" not found');
  });

  test('malformed YAML and JSON', async () => {
    // kubectl itself refuses what it cannot parse...
    await refused(['apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  foo: [\n', /error: error parsing STDIN: error converting YAML to JSON: yaml: line \d+: /);
    await refused(['apply', '-f', '-'], '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"', /error: error parsing STDIN/);
    // ...and the server refuses it in upstream's words when it gets it anyway.
    const yamlBody = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  foo: [\n';
    const yaml = await c.request('POST', '/api/v1/namespaces/default/configmaps', { body: yamlBody, contentType: 'application/yaml' });
    assert.equal(yaml.status, 400);
    assert.match(JSON.parse(yaml.body).message, /^the object provided is unrecognized \(must be of type ConfigMap\): error converting YAML to JSON: yaml: line 6: did not find expected /);
    const json = await c.request('POST', '/api/v1/namespaces/default/configmaps', { body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"', contentType: 'application/json' });
    assert.equal(json.status, 400);
    assert.deepEqual(JSON.parse(json.body), {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'BadRequest', code: 400,
      message: 'the object provided is unrecognized (must be of type ConfigMap): couldn\'t get version/kind; json parse error: unexpected end of JSON input ({"apiVersion":"v1","kind":"Con ...)',
    });
    const typed = await c.kubectl(['create', '--raw', '/api/v1/namespaces/default/configmaps', '-f', '-'], { input: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"a":1}}' });
    assert.equal(typed.stderr.trim(), 'Error from server (BadRequest): ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string');
    await refused(['create', '-f', '-'], '{"apiVersion":"v1","kind":"Service","metadata":{"name":"x"},"spec":{"ports":[{"port":"eighty"}]}}',
      'Error from server (BadRequest): error when creating "STDIN": Service in version "v1" cannot be handled as a Service: json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32');
    assert.deepEqual(await stored(), baseline);
  });

  test('unknown fields: refused with kubectl\'s message, a warning with --validate=warn, dropped with --validate=false', async () => {
    const withBogus = (name: string) => 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ' + name + '\ndata:\n  a: b\nbogus: 1\n';
    await refused(['apply', '-f', '-'], withBogus('u'),
      'Error from server (BadRequest): error when creating "STDIN": ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus"');
    await refused(['apply', '-f', '-'], svc('u', { ports: [{ port: 80, bogus: 1 }] }),
      'Error from server (BadRequest): error when creating "STDIN": Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.ports[0].bogus"');
    // On an existing object apply patches; the strict error then names the patch, as upstream.
    const patched = await c.kubectl(['apply', '-f', '-'], { input: svc('web', { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, nodePort: 30080 }], bogus: 1 }) });
    assert.equal(patched.code, 1);
    assert.match(patched.stderr, /^The request is invalid: patch: Invalid value: "map\[.*\]": strict decoding error: unknown field "spec\.bogus"$/m);

    const warned = await c.kubectl(['create', '--validate=warn', '-f', '-'], { input: withBogus('warned') });
    assert.equal(warned.code, 0);
    assert.equal(warned.stderr.trim(), 'Warning: unknown field "bogus"');
    const ignored = await c.kubectl(['create', '--validate=false', '-f', '-'], { input: withBogus('ignored') });
    assert.deepEqual([ignored.code, ignored.stderr], [0, '']);
    for (const name of ['warned', 'ignored']) {
      const cm = await c.kubectlJson(['get', 'cm', name]);
      assert.equal(cm.bogus, undefined);
      assert.deepEqual(cm.data, { a: 'b' });
      await c.kubectlOk(['delete', 'cm', name]);
    }
  });

  test('oversize bodies and objects', async () => {
    const big = (bytes: number) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { a: 'x'.repeat(bytes) } });
    const file = join(c.home, 'big.json');
    await writeFile(file, big(3 * 1024 * 1024));
    await refused(['create', '-f', file], undefined, `Error from server (RequestEntityTooLarge): error when creating "${file}": Request entity too large: limit is 3145728`);
    await writeFile(file, big(1024 * 1024 + 1));
    await refused(['create', '-f', file], undefined, 'The ConfigMap "big" is invalid: : Too long: may not be more than 1048576 bytes');
    const raw = await c.request('POST', '/api/v1/namespaces/default/configmaps', { body: big(4 * 1024 * 1024), contentType: 'application/json' });
    assert.equal(raw.status, 413);
    assert.deepEqual(JSON.parse(raw.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Request entity too large: limit is 3145728', reason: 'RequestEntityTooLarge', code: 413 });
    // The largest a ConfigMap may be is fine.
    await writeFile(file, big(1024 * 1024 - 1));
    assert.equal(await c.kubectlOk(['create', '-f', file]), 'configmap/big created\n');
    await c.kubectlOk(['delete', 'cm', 'big']);
  });
});

describe('authentication', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster({ prefix: 't10-' });
  });
  after(async () => {
    await c?.down();
  });

  const UNAUTHORIZED = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };

  // Upstream's default: anonymous requests are allowed in as system:anonymous (group
  // system:unauthenticated), which the default policy lets read health and version only.
  test('a request without credentials is system:anonymous and forbidden; bad credentials get 401', async () => {
    const forbidden = (message: string, details: Record<string, string> = {}) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Forbidden', details, code: 403 });
    const expected: Record<string, unknown> = {
      '/api/v1/namespaces': forbidden('namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in API group "" at the cluster scope', { kind: 'namespaces' }),
      '/api': forbidden('forbidden: User "system:anonymous" cannot get path "/api"'),
      '/apis/apps/v1/deployments': forbidden('deployments.apps is forbidden: User "system:anonymous" cannot list resource "deployments" in API group "apps" at the cluster scope', { group: 'apps', kind: 'deployments' }),
      '/openapi/v3': forbidden('forbidden: User "system:anonymous" cannot get path "/openapi/v3"'),
    };
    for (const [path, status] of Object.entries(expected)) {
      const r = await c.request('GET', path, { credentials: false });
      assert.equal(r.status, 403, path);
      assert.deepEqual(JSON.parse(r.body), status);
    }
    const token = await c.request('GET', '/api/v1/namespaces', { credentials: false, headers: { Authorization: 'Bearer not-a-token' } });
    assert.equal(token.status, 401);
    assert.deepEqual(JSON.parse(token.body), UNAUTHORIZED);
    const write = await c.request('POST', '/api/v1/namespaces/default/configmaps', { credentials: false, body: '{"metadata":{"name":"x"}}', contentType: 'application/json' });
    assert.equal(write.status, 403);
    assert.equal((await c.kubectl(['get', 'cm', 'x'])).code, 1, 'nothing was stored');
  });

  test('health and version answer without credentials, as upstream lets anyone read them', async () => {
    for (const path of ['/healthz', '/livez', '/readyz']) {
      const r = await c.request('GET', path, { credentials: false });
      assert.deepEqual([r.status, r.body], [200, 'ok'], path);
    }
    const v = await c.request('GET', '/version', { credentials: false });
    assert.equal(v.status, 200);
    assert.match(JSON.parse(v.body).gitVersion, /^v1\.\d+\.\d+/);
  });

  test('kubectl with credentials the server does not accept says it must be logged in', async () => {
    const config = YAML.parse(await c.kubectlOk(['config', 'view', '--raw']));
    config.users = [{ name: config.users[0].name, user: { token: 'not-a-token' } }];
    const anonymous = join(c.home, 'anonymous.kubeconfig');
    await writeFile(anonymous, YAML.stringify(config));
    const r = await c.kubectl(['--kubeconfig', anonymous, 'get', 'pods']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'error: You must be logged in to the server (Unauthorized)');
  });
});
