// kubectl 1.35 (scripts/setup.sh keeps it in .tools/kubectl-1.35) running the seeds' commands on a
// 2-node cluster, as the other files run them with the machine's kubectl 1.32: apply, get,
// describe, logs, exec, port-forward, run -it, scale, rollout, the typed create commands (protobuf
// bodies) and delete. Both kubectls: apply -f of a kind: List (client-side validation against
// /openapi/v2) and of `get -o yaml` output, explain, and exec/attach to a container that is not
// running.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import { fixture, startCluster, toolPath, type Cluster } from './lib/cluster.js';
import { apply, getPod, readyPod, readyPods, toolboxPod, underPty } from './lib/cluster-node.js';
import { run } from './lib/process.js';
import { parseTable } from './lib/table.js';
import { waitFor } from './lib/wait.js';
import { podNameOf } from './lib/names.js';

const BACKEND = fixture('backend-deployment.yaml');
const FRONTEND = fixture('frontend-deployment.yaml');

describe('kubectl 1.35 against knit', () => {
  let c: Cluster;
  let kubectl135: string;
  before(async () => {
    kubectl135 = toolPath('kubectl-1.35');
    c = await startCluster({ nodes: 2, prefix: 't33-', kubectl: kubectl135 });
  });
  after(async () => {
    await c?.down();
  });
  /** The machine's kubectl (1.32) against the same cluster. */
  const kubectl132 = (args: string[], input?: string) => run('kubectl', args, { env: c.env(), input, timeoutMs: 60_000 });
  /** Both kubectls: 1.35, then 1.32. */
  const both = () => [(args: string[], input?: string) => c.kubectl(args, { input }), kubectl132];

  test('it is the 1.35 client', async () => {
    const v = JSON.parse(await c.kubectlOk(['version', '--client', '-o', 'json']));
    assert.equal(v.clientVersion.minor, '35');
  });

  test('kubectl apply -f the hands-on manifests; get and describe show upstream\'s columns and fields', async () => {
    assert.equal(await c.kubectlOk(['apply', '-f', BACKEND, '-f', FRONTEND]), 'deployment.apps/api created\nservice/api created\ndeployment.apps/web created\nservice/web created\n');
    await readyPods(c, 'app=api', 2);
    await readyPods(c, 'app=web', 2);
    const svc = parseTable(await c.kubectlOk(['get', 'svc']));
    assert.deepEqual(svc.header, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    assert.deepEqual(svc.rows.map((r) => [r.NAME, r.TYPE, r['PORT(S)']]), [['api', 'ClusterIP', '80/TCP'], ['kubernetes', 'ClusterIP', '443/TCP'], ['web', 'NodePort', '80:30080/TCP']]);
    for (const n of await c.kubectlNames(['get', 'pods', '-l', 'app=web'])) assert.match(n, podNameOf('web'));
    const out = await c.kubectlOk(['describe', 'service', 'web']);
    const field = (name: string) => new RegExp(`^${name}:\\s+(.*)$`, 'm').exec(out)?.[1].trim();
    assert.equal(field('Selector'), 'app=web');
    assert.equal(field('Type'), 'NodePort');
    assert.equal(field('NodePort'), '<unset>  30080/TCP');
    assert.match(field('Endpoints') ?? '', /^10\.244\.\d+\.\d+:80,10\.244\.\d+\.\d+:80$/);
  });

  test('kubectl exec deploy/web -- curl -s http://api prints Hello from the API; exec -i, exit codes', async () => {
    const r = await waitFor('the frontend to reach the backend', () => c.kubectl(['exec', 'deploy/web', '--', 'curl', '-s', 'http://api']),
      (res) => res.code === 0, { timeoutMs: 30_000, intervalMs: 250 });
    assert.equal(r.stdout, 'Hello from the API\n');
    const piped = await c.kubectl(['exec', '-i', 'deploy/web', '--', 'sh', '-c', 'tr a-z A-Z; exit 3'], { input: 'from stdin\n' });
    assert.equal(piped.code, 3);
    assert.equal(piped.stdout, 'FROM STDIN\n');
    assert.equal(piped.stderr, 'command terminated with exit code 3\n');
  });

  test('kubectl logs and logs -f', async () => {
    await apply(c, `
apiVersion: v1
kind: Pod
metadata: {name: talker}
spec:
  containers:
  - name: ticker
    image: busybox
    command: [sh, -c, "echo first; i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.5; done"]
`);
    await readyPod(c, 'talker');
    assert.match(await waitFor('a tick', () => c.kubectlOk(['logs', 'talker']), (o) => o.includes('tick 1\n')), /^first\ntick 1\n/);
    assert.equal(await c.kubectlOk(['logs', 'talker', '--tail=1', '--limit-bytes=4']), 'tick');
    const follow = c.kubectlStream(['logs', '-f', 'talker']);
    try {
      await follow.waitForOutput('tick 3 on the followed stream', (o) => o.includes('tick 3\n'));
    } finally {
      await follow.stop();
    }
  });

  test('kubectl port-forward reaches a pod port', async () => {
    const [pod] = await readyPods(c, 'app=web', 2);
    const pf = c.kubectlStream(['port-forward', `pod/${pod.metadata.name}`, ':80']);
    try {
      const out = await pf.waitForOutput('the forwarding line', (o) => /Forwarding from 127\.0\.0\.1:\d+ -> 80/.test(o));
      const port = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)![1];
      const got = await run('curl', ['-sS', '-m', '10', `http://127.0.0.1:${port}/`], { timeoutMs: 30_000 });
      assert.equal(got.code, 0, got.stderr);
      assert.match(got.stdout, /<title>Welcome to nginx!<\/title>/);
    } finally {
      await pf.stop();
    }
  });

  test('kubectl run --rm -it runs a command, shows its output and removes the pod', async () => {
    const r = await underPty(c, [kubectl135, 'run', 'test', '--image=busybox', '--rm', '-it', '--restart=Never', '--', 'sh'], { input: 'wget -qO- http://api; exit 4\r' });
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.match(r.stdout, /Hello from the API/);
    assert.match(r.stdout, /pod "test" deleted/);
    assert.equal((await c.kubectl(['get', 'pod', 'test'])).code, 1);
  });

  test('kubectl scale, set image, rollout status, history and undo', async () => {
    assert.equal(await c.kubectlOk(['scale', 'deployment', 'web', '--replicas=3']), 'deployment.apps/web scaled\n');
    await readyPods(c, 'app=web', 3);
    assert.equal(await c.kubectlOk(['set', 'image', 'deployment/web', 'web=nginx:1.26']), 'deployment.apps/web image updated\n');
    assert.match(await c.kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=120s'], { timeoutMs: 150_000 }), /deployment "web" successfully rolled out\n$/);
    assert.match(await c.kubectlOk(['rollout', 'history', 'deployment/web']), /^REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/m);
    assert.equal(await c.kubectlOk(['rollout', 'undo', 'deployment/web']), 'deployment.apps/web rolled back\n');
    await c.kubectlOk(['rollout', 'status', 'deployment/web', '--timeout=120s'], { timeoutMs: 150_000 });
    const pods = await readyPods(c, 'app=web', 3);
    for (const p of pods) assert.equal((await c.kubectlJson<{ spec: { containers: { image: string }[] } }>(['get', 'pod', p.metadata.name])).spec.containers[0].image, 'nginx:1.25');
  });

  test('the typed create commands (protobuf bodies) and delete', async () => {
    const created = [
      [['create', 'namespace', 'typed'], 'namespace/typed created\n'],
      [['create', 'deployment', 'typed', '-n', 'typed', '--image=nginx', '--replicas=1'], 'deployment.apps/typed created\n'],
      [['create', 'service', 'clusterip', 'typed', '-n', 'typed', '--tcp=80:80'], 'service/typed created\n'],
      [['create', 'configmap', 'typed', '-n', 'typed', '--from-literal=a=b'], 'configmap/typed created\n'],
      [['create', 'secret', 'generic', 'typed', '-n', 'typed', '--from-literal=a=b'], 'secret/typed created\n'],
      [['create', 'serviceaccount', 'typed', '-n', 'typed'], 'serviceaccount/typed created\n'],
    ] as const;
    for (const [args, out] of created) assert.equal(await c.kubectlOk([...args]), out);
    assert.equal((await c.kubectlOk(['get', 'secret', 'typed', '-n', 'typed', '-o', 'jsonpath={.data.a}'])), Buffer.from('b').toString('base64'));
    await readyPods(c, 'app=typed', 1, 'typed');
    assert.equal(await c.kubectlOk(['delete', 'deployment', 'typed', '-n', 'typed']), 'deployment.apps "typed" deleted from typed namespace\n');
    assert.equal(await c.kubectlOk(['delete', 'configmap,secret,serviceaccount,service', 'typed', '-n', 'typed']),
      'configmap "typed" deleted from typed namespace\nsecret "typed" deleted from typed namespace\nserviceaccount "typed" deleted from typed namespace\nservice "typed" deleted from typed namespace\n');
    await waitFor('the Deployment\'s pods to go', () => c.kubectlNames(['get', 'pods', '-n', 'typed']), (names) => names.length === 0);
    assert.equal(await c.kubectlOk(['delete', 'namespace', 'typed']), 'namespace "typed" deleted\n');
  });

  test('kubectl apply -f of a kind: List and of `get -o yaml` output (a List), with both kubectls; explain still works', async () => {
    const listDoc = {
      apiVersion: 'v1', kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'listed' }, data: { a: '1' } },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'listed' }, spec: { selector: { app: 'listed' }, ports: [{ port: 80, targetPort: 'http' }] } },
        {
          apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'listed' },
          spec: {
            replicas: 1, selector: { matchLabels: { app: 'listed' } },
            template: {
              metadata: { labels: { app: 'listed' } },
              spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ name: 'http', containerPort: 80 }], resources: { limits: { cpu: '100m', memory: '64Mi' } } }] },
            },
          },
        },
      ],
    };
    const list = YAML.stringify(listDoc);
    assert.equal(await c.kubectlOk(['apply', '-f', '-'], { input: list }), 'configmap/listed created\nservice/listed created\ndeployment.apps/listed created\n');
    const again = await kubectl132(['apply', '-f', '-'], list);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'configmap/listed unchanged\nservice/listed unchanged\ndeployment.apps/listed unchanged\n');
    // What `kubectl get -o yaml` prints is a List too (fetched again for each apply: it pins the
    // resourceVersions it was read at, so each apply needs the current ones).
    await readyPods(c, 'app=listed', 1);
    for (const k of both()) {
      const got = await c.kubectlOk(['get', 'configmap,service,deployment', 'listed', '-o', 'yaml']);
      assert.equal(YAML.parse(got).kind, 'List');
      const r = await k(['apply', '-f', '-'], got);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^configmap\/listed (configured|unchanged)\nservice\/listed (configured|unchanged)\ndeployment\.apps\/listed (configured|unchanged)\n$/);
    }
    // Client-side validation of the items says what upstream's says.
    const badDoc = structuredClone(listDoc) as { items: Record<string, any>[] };
    badDoc.items[2].spec.bogus = 2;
    const bad = YAML.stringify(badDoc);
    for (const k of both()) {
      const r = await k(['apply', '-f', '-'], bad);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /error validating data: ValidationError\(Deployment\.spec\): unknown field "bogus" in io\.k8s\.api\.apps\.v1\.DeploymentSpec/);
    }
    for (const k of both()) {
      const r = await k(['explain', 'deployment.spec.replicas']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1\n\nFIELD: replicas <integer>/);
    }
    await c.kubectlOk(['delete', 'configmap,service,deployment', 'listed']);
  });

  test('exec and attach to a container that is not running fail as upstream\'s, with both kubectls', async () => {
    await apply(c, toolboxPod('starting', undefined, {
      initContainers: [{ name: 'wait', image: 'busybox', command: ['sleep', '3600'] }],
      containers: [{ name: 'box', image: 'busybox', command: ['sleep', '3600'] }],
    }));
    await waitFor('the init container to run', () => getPod(c, 'starting'), (p) => !!(p.status as { initContainerStatuses?: { state?: { running?: unknown } }[] }).initContainerStatuses?.[0]?.state?.running);
    for (const k of both()) {
      const exec = await k(['exec', 'starting', '-c', 'box', '--', 'echo', 'hi']);
      assert.equal(exec.code, 1);
      assert.equal(exec.stdout, '');
      assert.equal(exec.stderr, 'error: unable to upgrade connection: container not found ("box")\n');
      const attach = await k(['attach', 'starting', '-c', 'box']);
      assert.equal(attach.code, 1);
      assert.match(attach.stderr, /error: unable to upgrade connection: container box not found in pod starting_default\n$/);
      // The running init container is there to enter.
      assert.equal((await k(['exec', 'starting', '-c', 'wait', '--', 'echo', 'hi'])).stdout, 'hi\n');
    }
    await c.kubectlOk(['delete', 'pod', 'starting', '--grace-period=0', '--force']);
  });

  test('kubectl delete -f deletes what the files created', async () => {
    assert.equal(await c.kubectlOk(['delete', '-f', BACKEND, '-f', FRONTEND]),
      'deployment.apps "api" deleted from default namespace\nservice "api" deleted from default namespace\ndeployment.apps "web" deleted from default namespace\nservice "web" deleted from default namespace\n');
    await waitFor('the ReplicaSets and Pods of the Deployments to be collected', () => c.kubectlNames(['get', 'deploy,rs,pods', '-l', 'app in (api,web)']), (names) => names.length === 0);
  });
});
