// What a fresh cluster holds and says about itself: the bootstrap objects, discovery as
// `kubectl api-resources` shows it, short names and categories, `kubectl explain`, /version.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import { startCluster, type Cluster } from './lib/cluster.js';
import { parseTable } from './lib/table.js';
import { waitFor } from './lib/wait.js';

const SYSTEM_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];
const ROOT_CA_DESCRIPTION = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

describe('a fresh cluster', () => {
  let c: Cluster;
  let caPem: string;
  before(async () => {
    c = await startCluster({ prefix: 't10-' });
    const config = YAML.parse(await readFile(c.kubeconfig, 'utf8'));
    caPem = Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString('utf8');
  });
  after(async () => {
    await c?.down();
  });

  test('has the namespaces default, kube-system, kube-public and kube-node-lease', async () => {
    const table = parseTable(await c.kubectlOk(['get', 'namespaces']));
    assert.deepEqual(table.header, ['NAME', 'STATUS', 'AGE']);
    assert.deepEqual(table.rows.map((r) => [r.NAME, r.STATUS]), SYSTEM_NAMESPACES.map((n) => [n, 'Active']));
    const ns = await c.kubectlJson(['get', 'namespace', 'kube-system']);
    assert.deepEqual(ns.metadata.labels, { 'kubernetes.io/metadata.name': 'kube-system' });
    assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
  });

  test('has the kubernetes Service on the first address of the service range', async () => {
    const svc = await c.kubectlJson(['get', 'service', 'kubernetes', '-n', 'default']);
    assert.deepEqual(svc.metadata.labels, { component: 'apiserver', provider: 'kubernetes' });
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.equal(svc.spec.clusterIP, '10.96.0.1');
    assert.deepEqual(svc.spec.ports, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: c.port }]);
    assert.equal(svc.spec.selector, undefined);
  });

  test('has kube-root-ca.crt and the default ServiceAccount in every namespace, new ones too', async () => {
    await c.createNamespace('fresh');
    for (const ns of [...SYSTEM_NAMESPACES, 'fresh']) {
      const cm = await waitFor(`kube-root-ca.crt in ${ns}`, () => c.kubectlJson(['get', 'configmap', 'kube-root-ca.crt', '-n', ns]));
      assert.deepEqual(cm.data, { 'ca.crt': caPem });
      assert.deepEqual(cm.metadata.annotations, { 'kubernetes.io/description': ROOT_CA_DESCRIPTION });
      await waitFor(`the default ServiceAccount in ${ns}`, () => c.kubectlJson(['get', 'serviceaccount', 'default', '-n', ns]));
    }
    // Deleted or edited, they come back as they were.
    await c.kubectlOk(['delete', 'configmap', 'kube-root-ca.crt', '-n', 'fresh']);
    await c.kubectlOk(['delete', 'serviceaccount', 'default', '-n', 'fresh']);
    await waitFor('kube-root-ca.crt back', () => c.kubectlJson(['get', 'configmap', 'kube-root-ca.crt', '-n', 'fresh']));
    await waitFor('the default ServiceAccount back', () => c.kubectlJson(['get', 'serviceaccount', 'default', '-n', 'fresh']));
    await c.kubectlOk(['patch', 'configmap', 'kube-root-ca.crt', '-n', 'fresh', '--type', 'merge', '-p', '{"data":{"ca.crt":"tampered","extra":"x"}}']);
    const restored = await waitFor('kube-root-ca.crt restored', () => c.kubectlJson(['get', 'configmap', 'kube-root-ca.crt', '-n', 'fresh']), (cm) => cm.data['ca.crt'] === caPem);
    assert.deepEqual(restored.data, { 'ca.crt': caPem });
  });

  test('kubectl api-resources lists every served kind with upstream\'s short names', async () => {
    const table = parseTable(await c.kubectlOk(['api-resources']));
    assert.deepEqual(table.header, ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    const rows = new Map(table.rows.map((r) => [`${r.APIVERSION} ${r.NAME}`, [r.SHORTNAMES, r.NAMESPACED, r.KIND].join(' ')]));
    const expected: Record<string, string> = {
      'v1 configmaps': 'cm true ConfigMap',
      'v1 endpoints': 'ep true Endpoints',
      'v1 events': 'ev true Event',
      'v1 namespaces': 'ns false Namespace',
      'v1 nodes': 'no false Node',
      'v1 pods': 'po true Pod',
      'v1 secrets': ' true Secret',
      'v1 serviceaccounts': 'sa true ServiceAccount',
      'v1 services': 'svc true Service',
      'apps/v1 controllerrevisions': ' true ControllerRevision',
      'apps/v1 daemonsets': 'ds true DaemonSet',
      'apps/v1 deployments': 'deploy true Deployment',
      'apps/v1 replicasets': 'rs true ReplicaSet',
      'apps/v1 statefulsets': 'sts true StatefulSet',
      'coordination.k8s.io/v1 leases': ' true Lease',
      'discovery.k8s.io/v1 endpointslices': ' true EndpointSlice',
      'networking.k8s.io/v1 ingressclasses': ' false IngressClass',
      'networking.k8s.io/v1 ingresses': 'ing true Ingress',
      'networking.k8s.io/v1 networkpolicies': 'netpol true NetworkPolicy',
      'apiextensions.k8s.io/v1 customresourcedefinitions': 'crd,crds false CustomResourceDefinition',
    };
    for (const [key, want] of Object.entries(expected)) assert.equal(rows.get(key), want, key);
    // Short names and the "all" category resolve as on a real cluster.
    const shortNames = await c.kubectl(['get', 'ns,no,po,svc,ep,cm,sa,deploy,rs,sts,ds,ing,netpol', '-A', '-o', 'name']);
    assert.equal(shortNames.code, 0, shortNames.stderr);
    assert.match(shortNames.stdout, /^namespace\/kube-system$/m);
    assert.match(shortNames.stdout, /^service\/kubernetes$/m);
    const all = await c.kubectlOk(['get', 'all', '-A']);
    assert.match(all, /^NAMESPACE\s+NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/m);
    assert.match(all, /^default\s+service\/kubernetes\s+ClusterIP\s+10\.96\.0\.1\s/m);
    const verbs = parseTable(await c.kubectlOk(['api-resources', '-o', 'wide', '--api-group=apps']));
    assert.equal(verbs.rows.find((r) => r.NAME === 'deployments')?.VERBS, 'create,delete,deletecollection,get,list,patch,update,watch');
    assert.equal(verbs.rows.find((r) => r.NAME === 'deployments')?.CATEGORIES, 'all');
  });

  test('kubectl explain describes the served kinds from the OpenAPI document', async () => {
    const ports = await c.kubectlOk(['explain', 'service.spec.ports']);
    assert.match(ports, /^KIND:\s+Service$/m);
    assert.match(ports, /^VERSION:\s+v1$/m);
    assert.match(ports, /^FIELD: ports <\[\]ServicePort>$/m);
    for (const field of ['appProtocol\t<string>', 'name\t<string>', 'nodePort\t<integer>', 'port\t<integer> -required-', 'protocol\t<string>', 'targetPort\t<IntOrString>']) {
      assert.ok(ports.includes(`  ${field}\n`), `${field} in:\n${ports}`);
    }
    const spec = await c.kubectlOk(['explain', 'deployment.spec']);
    assert.match(spec, /^GROUP:\s+apps$/m);
    assert.match(spec, /^ {2}selector\t<LabelSelector> -required-$/m);
    assert.match(spec, /^ {2}template\t<PodTemplateSpec> -required-$/m);
    const recursive = await c.kubectlOk(['explain', 'ingress.spec.rules', '--recursive']);
    assert.match(recursive, /^ {4}paths\t<\[\]HTTPIngressPath> -required-$/m);
    const missing = await c.kubectl(['explain', 'service.spec.bogus']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim(), 'error: field "bogus" does not exist');
  });

  test('/version and kubectl version name a Kubernetes version', async () => {
    const v = JSON.parse(await c.kubectlOk(['get', '--raw', '/version']));
    assert.equal(v.major, '1');
    assert.match(v.minor, /^\d+$/);
    assert.match(v.gitVersion, new RegExp(`^v1\\.${v.minor}\\.\\d+`));
    assert.match(await c.kubectlOk(['version']), /^Server Version: v1\.\d+\.\d+/m);
  });
});
