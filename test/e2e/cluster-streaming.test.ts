// kubectl's streaming commands on a real cluster, through the API server to the node agent:
// logs (-f, -c, --previous), exec with and without a terminal, attach, `kubectl run --rm -it`,
// port-forward (also to a server that listens on the pod's localhost only).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from './lib/cluster.js';
import { apply, getPod, netexecPod, nodeExecOk, PREFIX, podExec, podExecOk, readyPod, toolboxPod, underPty } from './lib/cluster-node.js';
import { run } from './lib/process.js';
import { waitFor } from './lib/wait.js';

let c: Cluster;
let serverIP: string;
before(async () => {
  c = await startCluster({ nodes: 2, prefix: PREFIX });
  await apply(c, netexecPod('server', 'node-2'));
  await apply(c, toolboxPod('shell', 'node-1'));
  serverIP = (await readyPod(c, 'server')).status.podIP!;
  await readyPod(c, 'shell');
});
after(async () => {
  await c?.down();
});

test('kubectl logs: a container by -c, -f following new lines, --previous after a restart', async () => {
  // The container exits when the test makes a marker file (containers share the machine's files).
  const marker = `/tmp/${c.name}-restart`;
  await apply(c, `
apiVersion: v1
kind: Pod
metadata: {name: talker}
spec:
  containers:
  - name: ticker
    image: busybox
    command: [sh, -c, "echo run-$(cat /proc/sys/kernel/random/uuid); i=0; while [ ! -e ${marker} ]; do i=$((i+1)); echo tick $i; sleep 0.5; done; rm -f ${marker}; exit 1"]
  - name: quiet
    image: busybox
    command: [sh, -c, "echo from the quiet one; sleep 3600"]
`);
  try {
    await readyPod(c, 'talker');
    assert.equal(await c.kubectlOk(['logs', 'talker', '-c', 'quiet']), 'from the quiet one\n');
    const without = await c.kubectl(['logs', 'talker']);
    assert.equal(without.code, 0, 'the first container is the default');
    assert.match(without.stdout, /^run-/);
    const follow = c.kubectlStream(['logs', '-f', 'talker', '-c', 'ticker']);
    let firstRun: string;
    try {
      await follow.waitForOutput('tick 1', (o) => o.includes('tick 1\n'));
      // New lines keep coming on the same connection.
      await follow.waitForOutput('tick 3', (o) => o.includes('tick 3\n'));
      firstRun = follow.stdout.split('\n')[0];
    } finally {
      await follow.stop();
    }
    await nodeExecOk(c, (await getPod(c, 'talker')).spec.nodeName!, ['touch', marker]);
    await waitFor('talker restarted', () => getPod(c, 'talker'), (p) => (p.status.containerStatuses?.find((s) => s.name === 'ticker')?.restartCount ?? 0) >= 1
      && !!p.status.containerStatuses?.find((s) => s.name === 'ticker')?.state?.running);
    const previous = await c.kubectlOk(['logs', 'talker', '-c', 'ticker', '--previous']);
    assert.equal(previous.split('\n')[0], firstRun);
    const current = await waitFor('the new run\'s first line', () => c.kubectlOk(['logs', 'talker', '-c', 'ticker']), (o) => o.startsWith('run-'));
    assert.notEqual(current.split('\n')[0], firstRun);
    const never = await c.kubectl(['logs', 'talker', '-c', 'quiet', '--previous']);
    assert.notEqual(never.code, 0);
    assert.match(never.stderr, /previous terminated container "quiet" in pod "talker" not found/);
  } finally {
    await run('rm', ['-f', marker]);
  }
});

test('kubectl exec without a terminal: stdout, stderr, stdin and the exit code', async () => {
  const r = await podExec(c, 'shell', ['sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.equal(r.code, 3);
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\ncommand terminated with exit code 3\n');
  const piped = await c.kubectl(['exec', '-i', 'shell', '--', 'sh', '-c', 'tr a-z A-Z'], { input: 'hello from stdin\n' });
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stdout, 'HELLO FROM STDIN\n');
  // deploy/NAME and the pod's own hostname, as in the seeds' `kubectl exec deploy/web -- ...`.
  assert.equal(await podExecOk(c, 'shell', ['hostname']), 'shell\n');
  const missing = await podExec(c, 'shell', ['no-such-command']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /executable file not found in \$PATH/);
});

test('kubectl exec -it gives a terminal', async () => {
  const r = await underPty(c, ['kubectl', 'exec', '-it', 'shell', '--', 'sh'], { input: 'tty; echo answer $((6*7)); exit 5\r' });
  assert.equal(r.code, 5, r.stdout + r.stderr);
  assert.match(r.stdout, /\/dev\/pts\/\d+/);
  assert.match(r.stdout, /answer 42/);
});

test('kubectl attach reaches a running container\'s stdin and output', async () => {
  // stdinOnce: the container's stdin closes when the attached client closes its own, as kubelet does it.
  await apply(c, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'listener' },
    spec: {
      restartPolicy: 'Never',
      containers: [{ name: 'l', image: 'busybox', stdin: true, stdinOnce: true, command: ['sh', '-c', 'echo listening; while read line; do echo "heard: $line"; done; echo stdin closed'] }],
    },
  });
  await readyPod(c, 'listener');
  const r = await c.kubectl(['attach', '-i', 'listener'], { input: 'one\ntwo\n', timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /heard: one\nheard: two\nstdin closed\n/);
  assert.doesNotMatch(r.stdout, /listening/, 'attach shows what comes after it, not what came before');
  const done = await waitFor('listener Succeeded', () => getPod(c, 'listener'), (p) => p.status.phase === 'Succeeded');
  assert.equal(done.status.containerStatuses?.[0].state?.terminated?.exitCode, 0);
  assert.equal(await c.kubectlOk(['logs', 'listener']), 'listening\nheard: one\nheard: two\nstdin closed\n');
});

test('kubectl run --rm -it runs a command in a new pod, shows its output and removes the pod', async () => {
  const r = await underPty(c, ['kubectl', 'run', 'test', '--image=busybox', '--rm', '-it', '--restart=Never', '--', 'wget', '-qO-', `http://${serverIP}:8080/hostname`]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /server/);
  assert.match(r.stdout, /pod "test" deleted/);
  // The command's answer is shown once, whether attach caught it or kubectl fell back to the logs.
  assert.equal(r.stdout.match(/server/g)?.length, 1, r.stdout);
  assert.equal((await c.kubectl(['get', 'pod', 'test'])).code, 1);
  // With a shell: what is typed reaches it, its exit code becomes kubectl's.
  const shell = await underPty(c, ['kubectl', 'run', 'test2', '--image=busybox', '--rm', '-it', '--restart=Never', '--', 'sh'], { input: `wget -qO- http://${serverIP}:8080/clientip; echo; exit 4\r` });
  assert.equal(shell.code, 4, shell.stdout + shell.stderr);
  assert.match(shell.stdout, /10\.244\.\d+\.\d+:\d+/);
  assert.match(shell.stdout, /pod "test2" deleted/);
});

test('kubectl port-forward reaches a pod port, also one that listens on the pod\'s localhost only', async () => {
  await apply(c, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'local-only' },
    spec: { containers: [{ name: 'web', image: 'busybox', command: ['httpd', '-f', '-h', '/tmp', '-p', '127.0.0.1:8000'] }] },
  });
  const local = await readyPod(c, 'local-only');
  // Not reachable from outside the pod...
  assert.notEqual((await nodeExecOk(c, local.spec.nodeName!, ['sh', '-c', `curl -s -o /dev/null -w '%{http_code}' http://${local.status.podIP}:8000/ || true`])), '404');
  for (const [pod, port, path, expect] of [['server', 8080, '/hostname', /^server$/], ['local-only', 8000, '/no-such-file', /404 Not Found/]] as const) {
    const pf = c.kubectlStream(['port-forward', `pod/${pod}`, `:${port}`]);
    try {
      const out = await pf.waitForOutput('the forwarding line', (o) => /Forwarding from 127\.0\.0\.1:\d+ -> \d+/.test(o));
      const m = /Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/.exec(out)!;
      assert.equal(Number(m[2]), port);
      const got = await run('curl', ['-sS', '-m', '10', `http://127.0.0.1:${m[1]}${path}`], { timeoutMs: 30_000 });
      assert.equal(got.code, 0, got.stderr);
      assert.match(got.stdout, expect);
      // The server in the pod sees the connection come from the pod itself, as from a runtime's port forward.
      if (pod === 'server') {
        const seen = await run('curl', ['-sS', '-m', '10', `http://127.0.0.1:${m[1]}/clientip`], { timeoutMs: 30_000 });
        assert.match(seen.stdout, /^127\.0\.0\.1:\d+$/);
      }
    } finally {
      await pf.stop();
    }
  }
});
