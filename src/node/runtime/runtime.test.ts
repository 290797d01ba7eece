// The runtime with real processes in namespaces: containers of a pod share the network and the
// pod's hostname, get the kubelet's env, and can be exec'ed into, attached to and logged.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Service } from '../../kube/types.js';
import { TestNode, testPod, waitFor, text } from './testing.js';
import type { PodRuntime } from './runtime.js';

let node: TestNode;
let rt: PodRuntime;
const services: Service[] = [
  { metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] } },
  { metadata: { name: 'api', namespace: 'default' }, spec: { clusterIP: '10.96.50.100', ports: [{ port: 80, protocol: 'TCP' }] } },
];

before(async () => {
  node = new TestNode(`rt${process.pid % 100000}`);
  rt = node.runtime({ services, resolver: { configMap: async () => ({ GREETING: 'hello' }), secret: async () => undefined } });
  await rt.start();
});
after(() => node.cleanup());

const running = (uid: string, name: string) => () => rt.podStatus(uid)?.containerStatuses?.find((c) => c.name === name)?.state?.running;

test('two containers share localhost; the hostname is the pod name; env and service links are set', async () => {
  const net = node.podNetwork();
  const pod = testPod('web-7f9c', {
    containers: [
      { name: 'api', image: 'hashicorp/http-echo', args: ['-text=Hello from the API'], ports: [{ containerPort: 5678 }] },
      {
        name: 'client',
        image: 'busybox',
        command: ['sh', '-c', 'until wget -qO- http://localhost:5678 2>/dev/null; do sleep 0.2; done; hostname; cat /etc/resolv.conf; env | sort; sleep 3600'],
        env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'MSG', value: '$(GREETING) from $(POD_NAME)' }],
        envFrom: [{ configMapRef: { name: 'settings' } }],
      },
    ],
  });
  const uid = pod.metadata.uid!;
  rt.syncPod(pod, net);
  await waitFor('both containers running', () => running(uid, 'api')() && running(uid, 'client')());
  const log = await waitFor('client log with env', async () => {
    const s = await text(rt.logs(uid, 'client'));
    return s.includes('POD_NAME=') ? s : undefined;
  });
  assert.match(log, /^Hello from the API\nweb-7f9c\n/);
  assert.match(log, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local\nnameserver 10\.96\.0\.10\noptions ndots:5$/m);
  for (const line of ['POD_NAME=web-7f9c', 'MSG=hello from web-7f9c', 'GREETING=hello', 'HOSTNAME=web-7f9c', 'API_SERVICE_HOST=10.96.50.100', 'API_PORT_80_TCP=tcp://10.96.50.100:80', 'KUBERNETES_SERVICE_HOST=10.96.0.1', 'KUBERNETES_SERVICE_PORT_HTTPS=443']) {
    assert.ok(log.split('\n').includes(line), `env has ${line}`);
  }
  // The pod IP answers from the node's namespace, as kube-proxy's endpoints reach it.
  assert.equal(node.exec(node.nodeNs, 'curl', '-s', `http://${net.podIPs[0]}:5678/`), 'Hello from the API\n');

  const status = rt.podStatus(uid)!;
  assert.equal(status.phase, 'Running');
  assert.equal(status.podIP, net.podIPs[0]);
  assert.deepEqual(status.conditions?.filter((c) => c.status === 'True').map((c) => c.type), ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
  const metrics = rt.metrics();
  assert.match(metrics, /^kubelet_started_containers_total\{container_type="container"\} [2-9]$/m);
  assert.match(metrics, /^kubelet_running_pods [1-9]$/m);
  assert.match(metrics, /^kubelet_running_containers\{container_state="running"\} [2-9]$/m);
  assert.deepEqual(node.eventsFor('api'), [
    'Pulled: Container image "hashicorp/http-echo" already present on machine',
    'Created: Created container: api',
    'Started: Started container api',
  ]);
});

test('exec runs in the pod with stdin, exit codes and an optional tty', async () => {
  const net = node.podNetwork();
  const pod = testPod('shell', { containers: [{ name: 'box', image: 'busybox', command: ['sleep', '3600'] }] });
  const uid = pod.metadata.uid!;
  rt.syncPod(pod, net);
  await waitFor('box running', running(uid, 'box'));

  const s = rt.exec(uid, 'box', { command: ['sh', '-c', 'read line; echo "got $line on $(hostname)"; echo oops >&2; exit 3'], stdin: true });
  s.stdin!.end('hello\n');
  const [stdout, stderr, code] = await Promise.all([text(s.stdout), text(s.stderr), s.exit]);
  assert.equal(stdout, 'got hello on shell\n');
  assert.equal(stderr, 'oops\n');
  assert.equal(code, 3);

  const tty = rt.exec(uid, 'box', { command: ['sh', '-c', 'tty; stty size'], tty: true });
  tty.resize(100, 40);
  const [ttyOut, ttyCode] = await Promise.all([text(tty.stdout), tty.exit]);
  assert.match(ttyOut, /^\/dev\/pts\/\d+\r?\n/);
  assert.equal(ttyCode, 0);

  assert.throws(() => rt.exec(uid, 'box', { command: ['nosuchcommand'] }), /exec: "nosuchcommand": executable file not found in \$PATH/);
  assert.throws(() => rt.exec(uid, 'nope', { command: ['true'] }), /container nope is not valid for pod shell/);
});

test('attach reaches a container stdin kept open by the runtime', async () => {
  const net = node.podNetwork();
  const pod = testPod('interactive', { containers: [{ name: 'cat', image: 'busybox', command: ['cat'], stdin: true }] });
  const uid = pod.metadata.uid!;
  rt.syncPod(pod, net);
  await waitFor('cat running', running(uid, 'cat'));
  const a = rt.attach(uid, 'cat', { stdin: true, stdout: true });
  assert.equal(a.tty, false);
  let seen = '';
  a.stdout.on('data', (d: Buffer) => { seen += d.toString(); });
  a.stdin!.write('ping\n');
  await waitFor('echo through attach', () => seen === 'ping\n', 10_000).catch((e) => { throw new Error(`${e.message}: ${JSON.stringify(seen)}`); });
  a.close();
  // stdin stays open after the client leaves (no stdinOnce): the container keeps running.
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(running(uid, 'cat')());
});

test('a container that ended is not running: exec and attach are refused in containerd\'s words', async () => {
  const net = node.podNetwork();
  const pod = testPod('brief', { restartPolicy: 'Never', containers: [{ name: 'once', image: 'busybox', command: ['true'] }, { name: 'stays', image: 'busybox', command: ['sleep', '3600'] }] });
  const uid = pod.metadata.uid!;
  assert.equal(rt.isRunning(uid, 'once'), false, 'a pod the runtime does not run yet');
  assert.equal(rt.sandboxRunning(uid), false);
  rt.syncPod(pod, net);
  await waitFor('once exited, stays running', () => rt.podStatus(uid)?.containerStatuses?.find((c) => c.name === 'once')?.state?.terminated && running(uid, 'stays')());
  assert.equal(rt.isRunning(uid, 'once'), false);
  assert.equal(rt.isRunning(uid, 'stays'), true);
  assert.equal(rt.sandboxRunning(uid), true);
  assert.throws(() => rt.exec(uid, 'once', { command: ['true'] }), { message: 'failed to exec in container: container is in CONTAINER_EXITED state' });
  assert.throws(() => rt.attach(uid, 'once', { stdout: true }), { message: 'container is in CONTAINER_EXITED state' });
});

test('the service-account directory shows at /var/run/secrets/kubernetes.io/serviceaccount, read-only, in the pod only', async () => {
  const net = node.podNetwork();
  const dir = join(node.dataDir, 'serviceaccount-of-mounted');
  mkdirSync(dir);
  writeFileSync(join(dir, 'token'), 'a-token');
  writeFileSync(join(dir, 'namespace'), 'default');
  const pod = testPod('mounted', { containers: [{ name: 'box', image: 'busybox', command: ['sleep', '3600'] }] });
  const uid = pod.metadata.uid!;
  rt.syncPod(pod, net, { serviceAccountDir: dir });
  await waitFor('box running', running(uid, 'box'));
  const s = rt.exec(uid, 'box', { command: ['sh', '-c', 'cat /var/run/secrets/kubernetes.io/serviceaccount/token; echo; touch /var/run/secrets/kubernetes.io/serviceaccount/x 2>&1 || echo read-only'] });
  const [out] = await Promise.all([text(s.stdout), s.exit]);
  assert.match(out, /^a-token\n.*\nread-only\n$/s);
  // A renewed token (rewritten in place by the agent) shows through the mount.
  writeFileSync(join(dir, 'token'), 'renewed');
  const again = rt.exec(uid, 'box', { command: ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token'] });
  assert.equal(await text(again.stdout), 'renewed');
  assert.equal(existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token'), false, 'the host sees only the empty mount point');
});

test('logs: previous run, follow until the container exits, tail and timestamps', async () => {
  const net = node.podNetwork();
  const pod = testPod('counter', { restartPolicy: 'Always', containers: [{ name: 'count', image: 'busybox', command: ['sh', '-c', 'echo start $(cat /proc/uptime | cut -d" " -f1); for i in 1 2 3; do echo line $i; sleep 0.3; done; exit 1'] }] });
  const uid = pod.metadata.uid!;
  rt.syncPod(pod, net);
  await waitFor('first run', running(uid, 'count'));
  const followed = await text(rt.logs(uid, 'count', { follow: true }));
  assert.match(followed, /^start [\d.]+\nline 1\nline 2\nline 3\n$/);
  await waitFor('a restart', () => (rt.podStatus(uid)?.containerStatuses?.[0].restartCount ?? 0) >= 1);
  const previous = await text(rt.logs(uid, 'count', { previous: true }));
  assert.match(previous, /line 3\n$/);
  assert.equal(await text(rt.logs(uid, 'count', { previous: true, tailLines: 1 })), 'line 3\n');
  assert.match(await text(rt.logs(uid, 'count', { previous: true, tailLines: 1, timestamps: true })), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line 3\n$/);
});

test('an unknown image runs the stand-in and says so in an event', async () => {
  const net = node.podNetwork();
  const pod = testPod('app-1', { containers: [{ name: 'app', image: 'myapp:v1', ports: [{ containerPort: 8080 }] }] });
  rt.syncPod(pod, net);
  await waitFor('stand-in running', running(pod.metadata.uid!, 'app'));
  assert.equal(await waitFor('stand-in answer', () => {
    try { return node.exec(node.nodeNs, 'curl', '-s', '--max-time', '2', `http://${net.podIPs[0]}:8080/`); } catch { return undefined; }
  }), 'app-1\n');
  assert.ok(node.eventsFor('app').some((e) => e.startsWith('StandIn: Image "myapp:v1" is not known to knit')));
});

test('port forwarding reaches a server listening on localhost only inside the pod', async () => {
  const net = node.podNetwork();
  const pod = testPod('local-only', { containers: [{ name: 'web', image: 'busybox', command: ['httpd', '-f', '-h', '/tmp', '-p', '127.0.0.1:8000'] }] });
  const uid = pod.metadata.uid!;
  rt.syncPod(pod, net);
  await waitFor('httpd running', running(uid, 'web'));
  // From the node, the pod IP has nothing on 8000; the runtime's port forward reaches localhost.
  assert.throws(() => node.exec(node.nodeNs, 'curl', '-sS', '--max-time', '2', `http://${net.podIPs[0]}:8000/`));
  const reply = await waitFor('an answer through the port forward', async () => {
    const conn = await rt.portForward(uid, 8000);
    conn.end('HEAD /krt-no-such-file HTTP/1.0\r\n\r\n');
    return (await text(conn)).split('\r\n')[0];
  });
  assert.equal(reply, 'HTTP/1.1 404 Not Found');
  await assert.rejects(rt.portForward(uid, 8001), {
    message: `failed to connect to localhost:8001 inside namespace "${uid}", IPv4: dial tcp4 127.0.0.1:8001: connect: connection refused IPv6 dial tcp6 [::1]:8001: connect: connection refused `,
  });
});
