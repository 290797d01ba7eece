// @kubernetes/client-node (1.4) against a 1-node cluster: an informer (makeInformer: list, then
// watch with bookmarks), Exec, Attach, PortForward (WebSocket channels, its first frames carrying
// the port) and Log with follow.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import type { WebSocket } from 'ws';
import { startCluster, type Cluster } from './lib/cluster.js';
import { AGNHOST, apply, readyPod } from './lib/cluster-node.js';
import { waitFor } from './lib/wait.js';

const NS = 'node-client';

/** A Writable that keeps what it is given. */
function collector(): Writable & { text: () => string } {
  const chunks: Buffer[] = [];
  const w = new Writable({ write: (chunk: Buffer, _enc, cb) => { chunks.push(Buffer.from(chunk)); cb(); } }) as Writable & { text: () => string };
  w.text = () => Buffer.concat(chunks).toString('utf8');
  return w;
}

describe('@kubernetes/client-node against knit', () => {
  let c: Cluster;
  let kc: k8s.KubeConfig;
  before(async () => {
    c = await startCluster({ nodes: 1, prefix: 't35-' });
    kc = c.client().kc;
    await c.createNamespace(NS);
    await apply(c, `
apiVersion: v1
kind: Pod
metadata: {name: srv, namespace: ${NS}}
spec:
  containers:
  - {name: netexec, image: ${AGNHOST}, args: [netexec, --http-port=8080], readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1}}
---
apiVersion: v1
kind: Pod
metadata: {name: echo, namespace: ${NS}}
spec:
  containers:
  - {name: echo, image: busybox, stdin: true, command: [sh, -c, 'echo ready; while read line; do echo "heard: $line"; done']}
---
apiVersion: v1
kind: Pod
metadata: {name: ticker, namespace: ${NS}}
spec:
  containers:
  - {name: ticker, image: busybox, command: [sh, -c, "i=0; while true; do i=$((i+1)); echo line $i; sleep 0.3; done"]}
`);
    for (const pod of ['srv', 'echo', 'ticker']) await readyPod(c, pod, NS);
  });
  after(async () => {
    await c?.down();
  });

  test('makeInformer lists, then watches: add, update, delete, and the cache follows', async () => {
    const { core } = c.client();
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'before' }, data: { n: '0' } } });
    const informer = k8s.makeInformer<k8s.V1ConfigMap>(kc, `/api/v1/namespaces/${NS}/configmaps`, () => core.listNamespacedConfigMap({ namespace: NS }));
    const events: string[] = [];
    for (const verb of [k8s.ADD, k8s.UPDATE, k8s.DELETE] as const) {
      informer.on(verb, (obj) => events.push(`${verb} ${obj.metadata?.name} ${obj.data?.n ?? ''}`.trim()));
    }
    const errors: unknown[] = [];
    informer.on(k8s.ERROR, (err) => errors.push(err));
    await informer.start();
    try {
      await waitFor('the listed object', async () => events, (e) => e.includes('add before 0'));
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'watched' }, data: { n: '1' } } });
      await core.patchNamespacedConfigMap({ namespace: NS, name: 'watched', body: { data: { n: '2' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await core.deleteNamespacedConfigMap({ namespace: NS, name: 'watched' });
      await waitFor('the watched events', async () => events, (e) => e.includes('delete watched 2'));
      assert.deepEqual(events.filter((e) => e.includes('watched')), ['add watched 1', 'update watched 2', 'delete watched 2']);
      assert.deepEqual(informer.list().map((o) => o.metadata?.name).sort(), ['before', 'kube-root-ca.crt']);
      assert.deepEqual(errors, []);
    } finally {
      await informer.stop();
    }
  });

  test('Exec: output, stderr, stdin and the Status with the exit code', async () => {
    const exec = new k8s.Exec(kc);
    const run = (command: string[], input?: string) => new Promise<{ stdout: string; stderr: string; status: k8s.V1Status }>((resolve, reject) => {
      const stdout = collector();
      const stderr = collector();
      const stdin = input === undefined ? null : new PassThrough();
      exec.exec(NS, 'echo', 'echo', command, stdout, stderr, stdin, false, (status) => resolve({ stdout: stdout.text(), stderr: stderr.text(), status }))
        .then(() => stdin?.end(input), reject);
    });
    const ok = await run(['sh', '-c', 'echo out; echo err >&2']);
    assert.deepEqual([ok.stdout, ok.stderr, ok.status.status], ['out\n', 'err\n', 'Success']);
    const piped = await run(['sh', '-c', 'tr a-z A-Z; exit 2'], 'from stdin\n');
    assert.equal(piped.stdout, 'FROM STDIN\n');
    assert.equal(piped.status.status, 'Failure');
    assert.equal(piped.status.reason, 'NonZeroExitCode');
    assert.deepEqual(piped.status.details?.causes, [{ reason: 'ExitCode', message: '2' }]);
  });

  test('Attach: a running container\'s stdin and output', async () => {
    const stdout = collector();
    const stdin = new PassThrough();
    const ws = await new k8s.Attach(kc).attach(NS, 'echo', 'echo', stdout, null, stdin, false);
    try {
      stdin.write('one\n');
      stdin.write('two\n');
      await waitFor('the container\'s answers', async () => stdout.text(), (t) => t.includes('heard: two\n'));
      assert.equal(stdout.text(), 'heard: one\nheard: two\n', 'attach shows what comes after it');
    } finally {
      ws.close();
    }
  });

  test('PortForward: a request to a pod port and its answer over the WebSocket channels', async () => {
    const output = collector();
    const errors = collector();
    const input = new PassThrough();
    const ws = await new k8s.PortForward(kc).portForward(NS, 'srv', [8080], output, errors, input) as WebSocket;
    const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
    // The client ends the WebSocket when its input ends: keep it open until the pod has answered
    // (netexec closes the connection after one answer, and the server then closes the WebSocket).
    input.write('GET /hostname HTTP/1.0\r\n\r\n');
    await closed;
    input.end();
    assert.match(output.text(), /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nsrv$/);
    assert.equal(errors.text(), '');
  });

  test('Log with follow streams new lines as they come', async () => {
    const out = collector();
    const abort = await new k8s.Log(kc).log(NS, 'ticker', 'ticker', out, { follow: true, tailLines: 1 });
    try {
      const text = await waitFor('three followed lines', async () => out.text(), (t) => t.split('\n').filter(Boolean).length >= 3);
      const numbers = text.split('\n').filter(Boolean).slice(0, 3).map((l) => Number(/^line (\d+)$/.exec(l)?.[1]));
      assert.ok(numbers.every(Number.isInteger), text);
      assert.deepEqual(numbers, [numbers[0], numbers[0] + 1, numbers[0] + 2], 'the tail line, then each new one');
    } finally {
      abort.abort();
    }
  });
});
