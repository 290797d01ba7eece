// The seeds' object commands with the real kubectl: what they print and what they store.
// (Pods stay Pending: this cluster has no nodes. Networking is tested elsewhere.)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import { fixture, startCluster, type Cluster } from './lib/cluster.js';
import { parseTable } from './lib/table.js';
import { waitFor } from './lib/wait.js';
import { inServiceCIDR, podNameOf, replicaSetNameOf } from './lib/names.js';

const BACKEND = fixture('backend-deployment.yaml');
const FRONTEND = fixture('frontend-deployment.yaml');

describe('the seeds\' object commands', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster({ prefix: 't10-' });
  });
  after(async () => {
    await c?.down();
  });

  test('kubectl apply -f of the hands-on manifests creates each object', async () => {
    assert.equal(await c.kubectlOk(['apply', '-f', BACKEND]), 'deployment.apps/api created\nservice/api created\n');
    assert.equal(await c.kubectlOk(['apply', '-f', FRONTEND]), 'deployment.apps/web created\nservice/web created\n');
  });

  test('kubectl get svc shows upstream\'s columns: api a ClusterIP from 10.96.0.0/12, web 80:30080/TCP', async () => {
    const table = parseTable(await c.kubectlOk(['get', 'svc']));
    assert.deepEqual(table.header, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    const byName = Object.fromEntries(table.rows.map((r) => [r.NAME, r]));
    assert.deepEqual(Object.keys(byName).sort(), ['api', 'kubernetes', 'web']);
    assert.equal(byName.api.TYPE, 'ClusterIP');
    assert.ok(inServiceCIDR(byName.api['CLUSTER-IP']), `api's ClusterIP ${byName.api['CLUSTER-IP']}`);
    assert.equal(byName.api['EXTERNAL-IP'], '<none>');
    assert.equal(byName.api['PORT(S)'], '80/TCP');
    assert.equal(byName.web.TYPE, 'NodePort');
    assert.ok(inServiceCIDR(byName.web['CLUSTER-IP']));
    assert.notEqual(byName.web['CLUSTER-IP'], byName.api['CLUSTER-IP']);
    assert.equal(byName.web['EXTERNAL-IP'], '<none>');
    assert.equal(byName.web['PORT(S)'], '80:30080/TCP');
    assert.deepEqual([byName.kubernetes['CLUSTER-IP'], byName.kubernetes['PORT(S)']], ['10.96.0.1', '443/TCP']);
    for (const r of table.rows) assert.match(r.AGE, /^\d+s$/);
    const wide = parseTable(await c.kubectlOk(['get', 'svc', '-o', 'wide']));
    assert.deepEqual(wide.header, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
    assert.equal(wide.rows.find((r) => r.NAME === 'web')?.SELECTOR, 'app=web');
    assert.equal(wide.rows.find((r) => r.NAME === 'kubernetes')?.SELECTOR, '<none>');
  });

  test('kubectl get pods -l app=web -o name lists the Deployment\'s pods', async () => {
    const names = await waitFor('two web pods', () => c.kubectlNames(['get', 'pods', '-l', 'app=web']), (n) => n.length === 2);
    for (const n of names) assert.match(n, podNameOf('web'));
    const api = await c.kubectlNames(['get', 'pods', '-l', 'app=api']);
    for (const n of api) assert.match(n, podNameOf('api'));
  });

  test('kubectl get deploy/rs/endpoints show upstream\'s columns', async () => {
    const deploy = parseTable(await c.kubectlOk(['get', 'deployments']));
    assert.deepEqual(deploy.header, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    const web = await waitFor('web deployment to report 2 up-to-date', async () =>
      parseTable(await c.kubectlOk(['get', 'deployments'])).rows.find((r) => r.NAME === 'web'), (r) => r?.['UP-TO-DATE'] === '2');
    assert.deepEqual([web!.READY, web!.AVAILABLE], ['0/2', '0']);
    const rs = parseTable(await c.kubectlOk(['get', 'rs', '-l', 'app=web']));
    assert.deepEqual(rs.header, ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
    assert.equal(rs.rows.length, 1);
    assert.match(rs.rows[0].NAME, replicaSetNameOf('web'));
    const ep = await waitFor('the web Endpoints', async () => parseTable((await c.kubectl(['get', 'endpoints', 'web'])).stdout), (t) => t.rows.length === 1);
    assert.deepEqual(ep.header, ['NAME', 'ENDPOINTS', 'AGE']);
    assert.equal(ep.rows[0].ENDPOINTS, '<none>'); // no pod is ready: there are no nodes
  });

  test('kubectl describe service shows the Service as upstream\'s describer does', async () => {
    const out = await c.kubectlOk(['describe', 'service', 'web']);
    const ip = (await c.kubectlOk(['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const field = (name: string) => new RegExp(`^${name.replace(/[()]/g, '\\$&')}:\\s+(.*)$`, 'm').exec(out)?.[1].trim();
    assert.equal(field('Name'), 'web');
    assert.equal(field('Namespace'), 'default');
    assert.equal(field('Labels'), '<none>');
    assert.equal(field('Selector'), 'app=web');
    assert.equal(field('Type'), 'NodePort');
    assert.equal(field('IP Family Policy'), 'SingleStack');
    assert.equal(field('IP Families'), 'IPv4');
    assert.equal(field('IP'), ip);
    assert.equal(field('IPs'), ip);
    assert.equal(field('Port'), '<unset>  80/TCP');
    assert.equal(field('TargetPort'), '80/TCP');
    assert.equal(field('NodePort'), '<unset>  30080/TCP');
    assert.equal(field('Session Affinity'), 'None');
    assert.equal(field('External Traffic Policy'), 'Cluster');
    assert.equal(field('Events'), '<none>');
  });

  test('kubectl get svc -o yaml shows the stored Service with every defaulted field', async () => {
    const yaml = await c.kubectlOk(['get', 'svc', 'api', '-o', 'yaml']);
    assert.match(yaml, /^ {2}sessionAffinity: None$/m); // what `| grep sessionAffinity` shows
    const svc = YAML.parse(yaml);
    assert.equal(svc.apiVersion, 'v1');
    assert.equal(svc.kind, 'Service');
    assert.equal(svc.metadata.name, 'api');
    assert.equal(svc.metadata.namespace, 'default');
    assert.match(svc.metadata.uid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.match(svc.metadata.resourceVersion, /^\d+$/);
    assert.match(svc.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const lastApplied = JSON.parse(svc.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    assert.deepEqual(lastApplied.spec, { ports: [{ port: 80, targetPort: 5678 }], selector: { app: 'api' } });
    assert.deepEqual(svc.spec, {
      clusterIP: svc.spec.clusterIP,
      clusterIPs: [svc.spec.clusterIP],
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports: [{ port: 80, protocol: 'TCP', targetPort: 5678 }],
      selector: { app: 'api' },
      sessionAffinity: 'None',
      type: 'ClusterIP',
    });
    assert.ok(inServiceCIDR(svc.spec.clusterIP));
    assert.deepEqual(svc.status, { loadBalancer: {} });
    const web = YAML.parse(await c.kubectlOk(['get', 'svc', 'web', '-o', 'yaml']));
    assert.equal(web.spec.externalTrafficPolicy, 'Cluster');
    assert.deepEqual(web.spec.ports, [{ nodePort: 30080, port: 80, protocol: 'TCP', targetPort: 80 }]);
  });

  test('kubectl delete -f deletes what the files created, and the Deployments\' ReplicaSets and Pods go too', async () => {
    const out = await c.kubectlOk(['delete', '-f', BACKEND, '-f', FRONTEND]);
    assert.equal(out, 'deployment.apps "api" deleted\nservice "api" deleted\ndeployment.apps "web" deleted\nservice "web" deleted\n');
    const left = await waitFor('the ReplicaSets and Pods to be collected', () => c.kubectlNames(['get', 'deploy,rs,pods,svc']), (names) => names.length === 1);
    assert.deepEqual(left, ['service/kubernetes']);
    // The node port and cluster IPs went back to their pools: applying again gets 30080 again.
    assert.equal(await c.kubectlOk(['apply', '-f', FRONTEND]), 'deployment.apps/web created\nservice/web created\n');
    assert.equal((await c.kubectlOk(['get', 'svc', 'web', '-o', 'jsonpath={.spec.ports[0].nodePort}'])), '30080');
    await c.kubectlOk(['delete', '-f', FRONTEND]);
  });
});
