// Pods on a real 3-node cluster: where the scheduler puts them, the status and events the node
// agent reports, the seeds' images running unchanged, what a pod's containers share (localhost,
// hostNetwork), the environment kubelet builds, each pod's /etc/hosts and /etc/resolv.conf.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from './lib/cluster.js';
import {
  AGNHOST, apply, getPod, isReady, netexecPod, nodeExecOk, PREFIX, podExecOk, readyPod, readyPods, toolboxPod,
} from './lib/cluster-node.js';
import { parseTable } from './lib/table.js';
import { waitFor } from './lib/wait.js';

const NODES = ['node-1', 'node-2', 'node-3'];
/** metav1.Time as the API writes it: whole seconds. */
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

let c: Cluster;
before(async () => {
  c = await startCluster({ nodes: 3, prefix: PREFIX });
  // A client for the other pods' servers, on node-1.
  await apply(c, toolboxPod('client', 'node-1'));
  await readyPod(c, 'client');
});
after(async () => {
  await c?.down();
});

/** `wget -qO- URL` from the client pod. */
const fetch = (url: string) => podExecOk(c, 'client', ['wget', '-qO-', url]);

/** The events kubectl describe lists for a pod, in its order. */
async function describedEvents(name: string): Promise<{ type: string; reason: string; from: string; message: string }[]> {
  const lines = (await c.kubectlOk(['describe', 'pod', name])).split('\n');
  const at = lines.findIndex((l) => l.startsWith('Events:'));
  if (at < 0 || lines[at].includes('<none>')) return [];
  const table = lines.slice(at + 1).filter((l) => !/^\s+-+\s/.test(l)).map((l) => l.replace(/^ {2}/, '')).join('\n');
  return parseTable(table).rows.map((r) => ({ type: r.Type, reason: r.Reason, from: r.From, message: r.Message }));
}

describe('scheduling', () => {
  test('the replicas of a Deployment are spread over the nodes', async () => {
    await apply(c, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'spread' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'spread' } }, template: { metadata: { labels: { app: 'spread' } }, spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10' }] } } },
    });
    const pods = await readyPods(c, 'app=spread', 3);
    assert.deepEqual(pods.map((p) => p.spec.nodeName).sort(), NODES);
  });

  test('nodeName and nodeSelector are honoured; a selector no node matches leaves the pod Pending', async () => {
    await c.kubectlOk(['label', 'node', 'node-2', 'disk=ssd']);
    await apply(c, { ...toolboxPod('by-name', 'node-3') });
    await apply(c, { ...toolboxPod('by-selector', undefined, { nodeSelector: { disk: 'ssd' } }) });
    await apply(c, { ...toolboxPod('by-nothing', undefined, { nodeSelector: { disk: 'tape' } }) });
    assert.equal((await readyPod(c, 'by-name')).spec.nodeName, 'node-3');
    assert.equal((await readyPod(c, 'by-selector')).spec.nodeName, 'node-2');
    const pending = await waitFor('by-nothing unschedulable', () => getPod(c, 'by-nothing'),
      (p) => p.status.conditions?.some((x) => x.type === 'PodScheduled' && x.status === 'False' && x.reason === 'Unschedulable') ?? false);
    assert.equal(pending.status.phase, 'Pending');
    assert.equal(pending.spec.nodeName, undefined);
    const events = await describedEvents('by-nothing');
    assert.ok(events.some((e) => e.type === 'Warning' && e.reason === 'FailedScheduling' && e.message.startsWith('0/3 nodes are available')), JSON.stringify(events));
    await c.kubectlOk(['delete', 'pod', 'by-name', 'by-selector', 'by-nothing', '--wait=false']);
  });
});

describe('pod status and events', () => {
  test('a running pod reports phase, conditions, IPs, container statuses; kubectl shows IP and NODE', async () => {
    await apply(c, netexecPod('status-pod', 'node-2'));
    const p = await readyPod(c, 'status-pod');
    assert.equal(p.status.phase, 'Running');
    assert.deepEqual(p.status.conditions?.map((x) => [x.type, x.status]), [
      ['PodReadyToStartContainers', 'True'], ['Initialized', 'True'], ['Ready', 'True'], ['ContainersReady', 'True'], ['PodScheduled', 'True'],
    ]);
    assert.match(p.status.podIP ?? '', /^10\.244\.2\.\d+$/);
    assert.deepEqual(p.status.podIPs, [{ ip: p.status.podIP }]);
    assert.equal(p.status.hostIP, '192.168.1.11');
    assert.deepEqual(p.status.hostIPs, [{ ip: '192.168.1.11' }]);
    const cs = p.status.containerStatuses![0];
    assert.deepEqual([cs.name, cs.ready, cs.restartCount], ['netexec', true, 0]);
    assert.match(cs.state?.running?.startedAt ?? '', RFC3339);
    const row = parseTable(await c.kubectlOk(['get', 'pod', 'status-pod', '-o', 'wide'])).rows[0];
    assert.deepEqual([row.READY, row.STATUS, row.RESTARTS, row.IP, row.NODE], ['1/1', 'Running', '0', p.status.podIP, 'node-2']);
  });

  test('kubectl describe pod lists the scheduler\'s and the kubelet\'s events in order', async () => {
    await apply(c, toolboxPod('eventful'));
    await readyPod(c, 'eventful');
    const events = await waitFor('the four events', () => describedEvents('eventful'), (e) => e.length >= 4);
    const node = (await getPod(c, 'eventful')).spec.nodeName;
    assert.deepEqual(events.map((e) => [e.type, e.reason, e.from, e.message]), [
      ['Normal', 'Scheduled', 'default-scheduler', `Successfully assigned default/eventful to ${node}`],
      ['Normal', 'Pulled', 'kubelet', 'Container image "busybox" already present on machine'],
      ['Normal', 'Created', 'kubelet', 'Created container: box'],
      ['Normal', 'Started', 'kubelet', 'Started container box'],
    ]);
  });
});

describe('the seeds\' images', () => {
  before(async () => {
    await apply(c, `
apiVersion: v1
kind: Pod
metadata: {name: nginx}
spec:
  containers: [{name: nginx, image: nginx, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: echo}
spec:
  containers: [{name: echo, image: hashicorp/http-echo, args: ["-text=Hello from the API", "-listen=:8088"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: hostname}
spec:
  containers: [{name: sh, image: ${AGNHOST}, args: [serve-hostname]}]
---
apiVersion: v1
kind: Pod
metadata: {name: agnhost-pause}
spec:
  containers: [{name: pause, image: ${AGNHOST}}]
---
apiVersion: v1
kind: Pod
metadata: {name: pause}
spec:
  containers: [{name: pause, image: registry.k8s.io/pause:3.10}]
---
apiVersion: v1
kind: Pod
metadata: {name: once}
spec:
  restartPolicy: Never
  containers: [{name: box, image: busybox, command: [sh, -c, "echo busybox says hi; ls /bin/sh >/dev/null"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: curl}
spec:
  restartPolicy: Never
  containers: [{name: curl, image: curlimages/curl, args: ["-sS", "http://127.0.0.1:1/"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: standin}
spec:
  containers:
  - name: app
    image: registry.example.com/acme/orders:2.1
    ports: [{containerPort: 7000}, {containerPort: 7001, protocol: UDP}]
---
apiVersion: v1
kind: Pod
metadata: {name: ownimage}
spec:
  restartPolicy: Never
  containers: [{name: app, image: registry.example.com/acme/tool:1, command: [sh, -c, "echo ran my own command"]}]
`);
  });

  test('nginx serves its welcome page on port 80', async () => {
    const p = await readyPod(c, 'nginx');
    assert.match(await fetch(`http://${p.status.podIP}/`), /<title>Welcome to nginx!<\/title>/);
  });

  test('hashicorp/http-echo answers with -text on -listen', async () => {
    const p = await readyPod(c, 'echo');
    assert.equal(await fetch(`http://${p.status.podIP}:8088/`), 'Hello from the API\n');
  });

  test('agnhost serve-hostname answers with the pod\'s name; agnhost and pause with no args pause', async () => {
    const p = await readyPod(c, 'hostname');
    assert.equal(await fetch(`http://${p.status.podIP}:9376/`), 'hostname');
    assert.equal((await readyPod(c, 'agnhost-pause')).status.containerStatuses?.[0].restartCount, 0);
    assert.equal(await c.kubectlOk(['logs', 'agnhost-pause']), 'Paused\n');
    assert.equal((await readyPod(c, 'pause')).status.phase, 'Running');
  });

  test('busybox and curl images run their commands', async () => {
    const once = await waitFor('once to succeed', () => getPod(c, 'once'), (p) => p.status.phase === 'Succeeded');
    assert.equal(once.status.containerStatuses?.[0].state?.terminated?.reason, 'Completed');
    assert.equal(await c.kubectlOk(['logs', 'once']), 'busybox says hi\n');
    // The image's entrypoint hands options to curl: curl's own error and exit code for a closed port.
    const curl = await waitFor('curl to fail', () => getPod(c, 'curl'), (p) => p.status.phase === 'Failed');
    assert.equal(curl.status.containerStatuses?.[0].state?.terminated?.exitCode, 7);
    assert.match(await c.kubectlOk(['logs', 'curl']), /^curl: \(7\) Failed to connect to 127\.0\.0\.1 port 1/);
  });

  test('another image with ports and no command: a stand-in answers with the pod\'s name on each port, and an event says so', async () => {
    const p = await readyPod(c, 'standin');
    assert.equal(await fetch(`http://${p.status.podIP}:7000/`), 'standin\n');
    // UDP, through agnhost netexec's /dial as upstream's e2e tests ask.
    await apply(c, netexecPod('dialer'));
    await readyPod(c, 'dialer');
    const dial = await podExecOk(c, 'dialer', ['curl', '-sS', `http://localhost:8080/dial?request=hello&protocol=udp&host=${p.status.podIP}&port=7001&tries=1`]);
    assert.deepEqual(JSON.parse(dial), { responses: ['standin'] });
    const events = await describedEvents('standin');
    assert.ok(events.some((e) => e.reason === 'StandIn' && e.message.includes('7000/TCP, 7001/UDP')), JSON.stringify(events));
  });

  test('another image with a command runs that command', async () => {
    await waitFor('ownimage to succeed', () => getPod(c, 'ownimage'), (p) => p.status.phase === 'Succeeded');
    assert.equal(await c.kubectlOk(['logs', 'ownimage']), 'ran my own command\n');
  });
});

describe('what a pod\'s containers share', () => {
  test('containers of one pod reach each other on localhost', async () => {
    await apply(c, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'duo' },
      spec: { containers: [{ name: 'web', image: 'nginx' }, { name: 'side', image: 'busybox', command: ['sleep', '3600'] }] },
    });
    await readyPod(c, 'duo');
    for (const host of ['localhost', '127.0.0.1']) {
      assert.match(await podExecOk(c, 'duo', ['wget', '-qO-', `http://${host}:80/`], { container: 'side' }), /Welcome to nginx!/);
    }
    assert.equal(await podExecOk(c, 'duo', ['hostname'], { container: 'side' }), 'duo\n');
  });

  test('a hostNetwork pod runs in its node\'s namespace', async () => {
    await apply(c, toolboxPod('hostnet', 'node-3', { hostNetwork: true }));
    const p = await readyPod(c, 'hostnet');
    assert.equal(p.status.podIP, '192.168.1.12');
    assert.match(await podExecOk(c, 'hostnet', ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']), /inet 192\.168\.1\.12\/24 /);
    assert.equal(await podExecOk(c, 'hostnet', ['hostname']), 'node-3\n');
    // It sees the node's pod network: cni0 and the routes to the other nodes' pods.
    const routes = await podExecOk(c, 'hostnet', ['ip', 'route']);
    assert.match(routes, /^10\.244\.3\.0\/24 dev cni0 /m);
    assert.match(routes, /^10\.244\.1\.0\/24 via 10\.244\.1\.0 dev flannel\.1 /m);
  });
});

describe('the environment', () => {
  test('env, envFrom, fieldRef and the Service link variables are as kubelet sets them', async () => {
    await apply(c, `
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {COLOR: blue, SIZE: large}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {PASSWORD: s3cret}
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: http, port: 80, targetPort: 8080}, {name: metrics, port: 9090, protocol: UDP}]
`);
    const svc = await c.kubectlJson<{ spec: { clusterIP: string } }>(['get', 'service', 'api']);
    await apply(c, `
apiVersion: v1
kind: Pod
metadata: {name: env}
spec:
  nodeName: node-2
  containers:
  - name: main
    image: busybox
    command: [sleep, "3600"]
    envFrom:
    - configMapRef: {name: settings}
    - secretRef: {name: creds}
      prefix: SECRET_
    env:
    - {name: GREETING, value: "a $(COLOR) $(SIZE) thing"}
    - {name: ESCAPED, value: "$$(COLOR)"}
    - name: ONE_KEY
      valueFrom: {configMapKeyRef: {name: settings, key: SIZE}}
    - name: MY_POD_NAME
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    - name: MY_POD_NAMESPACE
      valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
    - name: MY_POD_IP
      valueFrom: {fieldRef: {fieldPath: status.podIP}}
    - name: MY_NODE_NAME
      valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
`);
    const p = await readyPod(c, 'env');
    const env = Object.fromEntries((await podExecOk(c, 'env', ['env'])).trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const ip = svc.spec.clusterIP;
    assert.deepEqual({
      COLOR: env.COLOR, SIZE: env.SIZE, SECRET_PASSWORD: env.SECRET_PASSWORD, GREETING: env.GREETING, ESCAPED: env.ESCAPED, ONE_KEY: env.ONE_KEY,
      MY_POD_NAME: env.MY_POD_NAME, MY_POD_NAMESPACE: env.MY_POD_NAMESPACE, MY_POD_IP: env.MY_POD_IP, MY_NODE_NAME: env.MY_NODE_NAME, HOSTNAME: env.HOSTNAME,
    }, {
      COLOR: 'blue', SIZE: 'large', SECRET_PASSWORD: 's3cret', GREETING: 'a blue large thing', ESCAPED: '$(COLOR)', ONE_KEY: 'large',
      MY_POD_NAME: 'env', MY_POD_NAMESPACE: 'default', MY_POD_IP: p.status.podIP, MY_NODE_NAME: 'node-2', HOSTNAME: 'env',
    });
    // pkg/kubelet/envvars: docker-link variables for the Services of the pod's namespace.
    assert.deepEqual(Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('API_'))), {
      API_SERVICE_HOST: ip, API_SERVICE_PORT: '80', API_SERVICE_PORT_HTTP: '80', API_SERVICE_PORT_METRICS: '9090',
      API_PORT: `tcp://${ip}:80`,
      API_PORT_80_TCP: `tcp://${ip}:80`, API_PORT_80_TCP_PROTO: 'tcp', API_PORT_80_TCP_PORT: '80', API_PORT_80_TCP_ADDR: ip,
      API_PORT_9090_UDP: `udp://${ip}:9090`, API_PORT_9090_UDP_PROTO: 'udp', API_PORT_9090_UDP_PORT: '9090', API_PORT_9090_UDP_ADDR: ip,
    });
    assert.equal(env.KUBERNETES_SERVICE_HOST, '10.96.0.1');
    assert.equal(env.KUBERNETES_SERVICE_PORT, '443');
    assert.equal(env.KUBERNETES_PORT, 'tcp://10.96.0.1:443');
  });

  test('a missing ConfigMap keeps the container waiting with CreateContainerConfigError', async () => {
    await apply(c, { ...toolboxPod('no-config'), spec: { containers: [{ name: 'box', image: 'busybox', command: ['sleep', '3600'], envFrom: [{ configMapRef: { name: 'absent' } }] }] } });
    const p = await waitFor('no-config waiting', () => getPod(c, 'no-config'), (x) => x.status.containerStatuses?.[0].state?.waiting?.reason === 'CreateContainerConfigError');
    assert.equal(p.status.phase, 'Pending');
    assert.equal((p.status.containerStatuses?.[0].state?.waiting as { message?: string }).message, 'configmap "absent" not found');
    assert.equal(parseTable(await c.kubectlOk(['get', 'pod', 'no-config'])).rows[0].STATUS, 'CreateContainerConfigError');
    await c.kubectlOk(['delete', 'pod', 'no-config', '--wait=false']);
  });

  test('each pod has its own /etc/hosts and /etc/resolv.conf', async () => {
    await apply(c, `
apiVersion: v1
kind: Pod
metadata: {name: files-a}
spec:
  hostname: alpha
  subdomain: group
  containers: [{name: box, image: busybox, command: [sleep, "3600"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: files-b}
spec:
  containers: [{name: box, image: busybox, command: [sleep, "3600"]}]
`);
    const a = await readyPod(c, 'files-a');
    const b = await readyPod(c, 'files-b');
    const hostsA = await podExecOk(c, 'files-a', ['cat', '/etc/hosts']);
    const hostsB = await podExecOk(c, 'files-b', ['cat', '/etc/hosts']);
    assert.match(hostsA, /^# Kubernetes-managed hosts file\.$/m);
    assert.match(hostsA, /^127\.0\.0\.1\tlocalhost$/m);
    assert.match(hostsA, new RegExp(`^${a.status.podIP!.replace(/\./g, '\\.')}\\talpha\\.group\\.default\\.svc\\.cluster\\.local\\talpha$`, 'm'));
    assert.match(hostsB, new RegExp(`^${b.status.podIP!.replace(/\./g, '\\.')}\\tfiles-b$`, 'm'));
    assert.doesNotMatch(hostsB, /alpha/);
    assert.equal(await podExecOk(c, 'files-a', ['hostname']), 'alpha\n');
    for (const pod of ['files-a', 'files-b']) {
      const resolv = await podExecOk(c, pod, ['cat', '/etc/resolv.conf']);
      const lines = resolv.trim().split('\n');
      assert.ok(lines.includes('nameserver 10.96.0.10'), resolv);
      assert.ok(lines.some((l) => l.startsWith('search default.svc.cluster.local svc.cluster.local cluster.local')), resolv);
      assert.ok(lines.includes('options ndots:5'), resolv);
    }
    // The host's own files are untouched.
    assert.doesNotMatch(await podExecOk(c, 'client', ['cat', '/etc/hosts']), /alpha/);
  });
});

describe('restarts, probes and termination', () => {
  test('restartPolicy Always restarts a failing container with back-off: CrashLoopBackOff', async () => {
    await apply(c, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'crash' }, spec: { containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo failing; exit 3'] }] } });
    const p = await waitFor('crash in CrashLoopBackOff after a restart', () => getPod(c, 'crash'),
      (x) => (x.status.containerStatuses?.[0].restartCount ?? 0) >= 1 && x.status.containerStatuses?.[0].state?.waiting?.reason === 'CrashLoopBackOff', { timeoutMs: 90_000 });
    const cs = p.status.containerStatuses![0];
    assert.equal(cs.lastState?.terminated?.exitCode, 3);
    assert.equal(cs.lastState?.terminated?.reason, 'Error');
    assert.equal(p.status.phase, 'Running');
    assert.equal(parseTable(await c.kubectlOk(['get', 'pod', 'crash'])).rows[0].STATUS, 'CrashLoopBackOff');
    const events = await describedEvents('crash');
    assert.ok(events.some((e) => e.type === 'Warning' && e.reason === 'BackOff' && e.message === `Back-off restarting failed container c in pod crash_default(${p.metadata.uid})`), JSON.stringify(events));
    await c.kubectlOk(['delete', 'pod', 'crash', '--wait=false']);
  });

  test('restartPolicy OnFailure and Never: Succeeded and Failed', async () => {
    await apply(c, `
apiVersion: v1
kind: Pod
metadata: {name: onfailure-ok}
spec:
  restartPolicy: OnFailure
  containers: [{name: c, image: busybox, command: [sh, -c, "exit 0"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: never-fails}
spec:
  restartPolicy: Never
  containers: [{name: c, image: busybox, command: [sh, -c, "exit 1"]}]
`);
    const ok = await waitFor('onfailure-ok Succeeded', () => getPod(c, 'onfailure-ok'), (p) => p.status.phase === 'Succeeded');
    assert.deepEqual([ok.status.containerStatuses?.[0].restartCount, ok.status.containerStatuses?.[0].state?.terminated?.reason], [0, 'Completed']);
    const failed = await waitFor('never-fails Failed', () => getPod(c, 'never-fails'), (p) => p.status.phase === 'Failed');
    assert.deepEqual([failed.status.containerStatuses?.[0].restartCount, failed.status.containerStatuses?.[0].state?.terminated?.exitCode], [0, 1]);
    const rows = parseTable(await c.kubectlOk(['get', 'pods', 'onfailure-ok', 'never-fails'])).rows;
    assert.deepEqual(rows.map((r) => `${r.NAME} ${r.STATUS}`).sort(), ['never-fails Error', 'onfailure-ok Completed']);
  });

  test('a failing readiness probe (httpGet) keeps a running pod out of Ready', async () => {
    await apply(c, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unready' },
      spec: { containers: [{ name: 'web', image: 'nginx', readinessProbe: { httpGet: { path: '/missing', port: 80 }, periodSeconds: 1 } }] },
    });
    const events = await waitFor('a 404 readiness failure', () => describedEvents('unready'),
      (e) => e.some((x) => x.reason === 'Unhealthy' && x.message === 'Readiness probe failed: HTTP probe failed with statuscode: 404'));
    assert.ok(events.every((e) => e.reason !== 'Killing'), 'readiness failures do not restart');
    const p = await getPod(c, 'unready');
    assert.equal(p.status.phase, 'Running');
    assert.equal(isReady(p), false);
    assert.equal(p.status.containerStatuses?.[0].ready, false);
    assert.equal(p.status.containerStatuses?.[0].restartCount, 0);
  });

  test('startup gates liveness and readiness (exec); a failing liveness probe (tcpSocket) restarts the container', async () => {
    // Containers share the machine's filesystem: the startup probe waits for a file this test makes.
    const marker = `/tmp/${c.name}-started`;
    await apply(c, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'probed' },
      spec: {
        containers: [{
          name: 'web', image: 'busybox', command: ['httpd', '-f', '-p', '8000'],
          startupProbe: { exec: { command: ['test', '-e', marker] }, periodSeconds: 1, failureThreshold: 600 },
          readinessProbe: { httpGet: { path: '/', port: 8000 }, periodSeconds: 1 },
          livenessProbe: { tcpSocket: { port: 8001 }, periodSeconds: 1, failureThreshold: 2 },
        }],
      },
    });
    try {
      await waitFor('probed running', () => getPod(c, 'probed'), (p) => !!p.status.containerStatuses?.[0].state?.running);
      await new Promise((r) => setTimeout(r, 3000));
      const still = await getPod(c, 'probed');
      // Not started: neither Ready nor restarted by the (failing) liveness probe.
      assert.deepEqual([still.status.containerStatuses?.[0].restartCount, isReady(still)], [0, false], JSON.stringify(still.status));
      assert.equal((still.status.containerStatuses?.[0] as { started?: boolean }).started, false);
      await nodeExecOk(c, 'node-1', ['touch', marker]);
      // Started: liveness runs now, and with nothing on 8001 it restarts the container.
      const restarted = await waitFor('probed restarted by liveness', () => getPod(c, 'probed'), (p) => (p.status.containerStatuses?.[0].restartCount ?? 0) >= 1, { timeoutMs: 90_000 });
      const events = await describedEvents('probed');
      assert.ok(events.some((e) => e.reason === 'Unhealthy' && e.message === `Liveness probe failed: dial tcp ${restarted.status.podIP}:8001: connect: connection refused`), JSON.stringify(events));
      assert.ok(events.some((e) => e.reason === 'Killing' && e.message === 'Container web failed liveness probe, will be restarted'), JSON.stringify(events));
    } finally {
      await nodeExecOk(c, 'node-1', ['rm', '-f', marker]);
      await c.kubectlOk(['delete', 'pod', 'probed', '--wait=false']);
    }
  });

  test('deletion: SIGTERM, Terminating while the grace period runs, SIGKILL for a container that ignores it', async () => {
    await apply(c, `
apiVersion: v1
kind: Pod
metadata: {name: polite}
spec:
  terminationGracePeriodSeconds: 30
  containers:
  - {name: c, image: busybox, command: [sh, -c, "trap 'echo got SIGTERM; sleep 2; echo bye; exit 0' TERM; echo up; while true; do sleep 1; done"]}
---
apiVersion: v1
kind: Pod
metadata: {name: stubborn}
spec:
  terminationGracePeriodSeconds: 8
  containers:
  - {name: c, image: busybox, command: [sh, -c, "trap 'echo ignoring SIGTERM' TERM; echo up; while true; do sleep 1; done"]}
`);
    await readyPod(c, 'polite');
    await readyPod(c, 'stubborn');
    const logs = { polite: c.kubectlStream(['logs', '-f', 'polite']), stubborn: c.kubectlStream(['logs', '-f', 'stubborn']) };
    try {
      await logs.polite.waitForOutput('polite up', (o) => o.includes('up\n'));
      await logs.stubborn.waitForOutput('stubborn up', (o) => o.includes('up\n'));
      await c.kubectlOk(['delete', 'pod', 'polite', 'stubborn', '--wait=false']);
      await logs.stubborn.waitForOutput('SIGTERM ignored', (o) => o.includes('ignoring SIGTERM'));
      // After SIGTERM, before the grace period ends: the pod shows Terminating.
      const row = parseTable(await c.kubectlOk(['get', 'pod', 'stubborn'])).rows[0];
      assert.equal(row.STATUS, 'Terminating');
      assert.ok((await getPod(c, 'stubborn')).metadata.deletionTimestamp);
      await logs.polite.waitForOutput('polite shut down', (o) => o.includes('got SIGTERM\nbye\n'));
      // Both go: the polite one on its own, the stubborn one by SIGKILL.
      await waitFor('both pods gone', async () => (await c.kubectl(['get', 'pod', 'polite', 'stubborn', '--ignore-not-found', '-o', 'name'])).stdout, (o) => o === '', { timeoutMs: 90_000 });
      const events = await c.kubectlOk(['get', 'events', '--field-selector', 'involvedObject.name=stubborn,reason=Killing', '-o', 'jsonpath={.items[*].message}']);
      assert.equal(events, 'Stopping container c');
    } finally {
      await logs.polite.stop();
      await logs.stubborn.stop();
    }
  });
});

describe('replacement', () => {
  test('a deleted pod of a Deployment is replaced by a new pod with a new IP', async () => {
    const earlier = await readyPods(c, 'app=spread', 3);
    const old = earlier[0];
    await c.kubectlOk(['delete', 'pod', old.metadata.name]);
    const now = await readyPods(c, 'app=spread', 3);
    const newcomers = now.filter((p) => !earlier.some((e) => e.metadata.uid === p.metadata.uid));
    assert.equal(newcomers.length, 1);
    assert.notEqual(newcomers[0].metadata.name, old.metadata.name);
    assert.notEqual(newcomers[0].status.podIP, old.status.podIP);
  });
});
