import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import type { Probe } from '../../kube/types.js';
import { KUBE_PROBE_USER_AGENT, networkProbe, ProbeWorker, runHttpProbe, runTcpProbe, type ProbeOutcome } from './probe.js';

let server: Server;
let port = 0;
let lastHeaders: IncomingHttpHeaders = {};

before(async () => {
  server = createServer((req, res) => {
    lastHeaders = req.headers;
    const path = req.url ?? '/';
    if (path === '/ok') return void res.end('fine');
    if (path === '/fail') return void res.writeHead(500).end('bad');
    if (path === '/redirect-local') return void res.writeHead(302, { Location: '/ok' }).end();
    if (path === '/redirect-away') return void res.writeHead(302, { Location: 'http://192.0.2.1/elsewhere' }).end('moved');
    if (path === '/slow') return void setTimeout(() => res.end('late'), 1500);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const url = (path: string) => `http://127.0.0.1:${port}${path}`;
const headers = { 'User-Agent': KUBE_PROBE_USER_AGENT, Accept: '*/*' };

test('httpGet: 2xx/3xx succeed, other codes fail in the kubelet words', async () => {
  assert.deepEqual(await runHttpProbe(url('/ok'), headers, 1000), { result: 'success', output: 'fine' });
  assert.equal(lastHeaders['user-agent'], 'kube-probe/1.32');
  assert.deepEqual(await runHttpProbe(url('/fail'), headers, 1000), { result: 'failure', output: 'HTTP probe failed with statuscode: 500' });
  assert.deepEqual(await runHttpProbe(url('/redirect-local'), headers, 1000), { result: 'success', output: 'fine' });
  assert.deepEqual(await runHttpProbe(url('/redirect-away'), headers, 1000), { result: 'warning', output: 'Probe terminated redirects, Response body: moved' });
});

test('httpGet: refused and timed-out requests read like Go errors', async () => {
  const closed = createTcpServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  assert.deepEqual(await runHttpProbe(`http://127.0.0.1:${closedPort}/healthz`, headers, 1000),
    { result: 'failure', output: `Get "http://127.0.0.1:${closedPort}/healthz": dial tcp 127.0.0.1:${closedPort}: connect: connection refused` });
  assert.deepEqual(await runHttpProbe(url('/slow'), headers, 200),
    { result: 'failure', output: `Get "${url('/slow')}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
  assert.deepEqual(await runTcpProbe('127.0.0.1', closedPort, 1000), { result: 'failure', output: `dial tcp 127.0.0.1:${closedPort}: connect: connection refused` });
  assert.deepEqual(await runTcpProbe('127.0.0.1', port, 1000), { result: 'success', output: '' });
});

test('probe specs resolve named ports, defaults and headers', () => {
  const c = { name: 'web', ports: [{ name: 'http', containerPort: 8080 }] };
  assert.deepEqual(networkProbe({ httpGet: { path: '/healthz', port: 'http', httpHeaders: [{ name: 'X-Probe', value: '1' }] } }, c, '10.244.1.5'),
    { type: 'http', url: 'http://10.244.1.5:8080/healthz', headers: { 'X-Probe': '1', 'User-Agent': 'kube-probe/1.32', Accept: '*/*' }, timeoutMs: 1000 });
  assert.deepEqual(networkProbe({ tcpSocket: { port: 5432 }, timeoutSeconds: 3 }, c, '10.244.1.5'), { type: 'tcp', host: '10.244.1.5', port: 5432, timeoutMs: 3000 });
  assert.throws(() => networkProbe({ tcpSocket: { port: 'nope' } }, c, '10.244.1.5'), /couldn't find port: nope/);
});

/** Runs a worker over a scripted list of outcomes and reports what it decided. */
async function drive(kind: 'liveness' | 'readiness' | 'startup', probe: Probe, script: ProbeOutcome['result'][], started = () => true) {
  const results: boolean[] = [];
  const events: string[] = [];
  let calls = 0;
  await new Promise<void>((resolve) => {
    // Ends when the script is used up, or soon after the worker stops asking (on hold).
    const idle = setTimeout(() => { worker.stop(); resolve(); }, 300);
    const worker = new ProbeWorker({
      kind,
      probe: { periodSeconds: 0.001, ...probe },
      startedAt: Date.now(),
      isStarted: started,
      run: async () => {
        const result = script[calls++];
        if (calls >= script.length) setImmediate(() => { clearTimeout(idle); worker.stop(); resolve(); });
        return { result, output: result === 'failure' ? 'HTTP probe failed with statuscode: 500' : '' };
      },
      onResult: (ok) => results.push(ok),
      onEvent: (_t, reason, message) => events.push(`${reason}: ${message}`),
    });
    worker.start();
  });
  return { results, events, calls };
}

test('results count only once they pass failureThreshold / successThreshold', async () => {
  const r = await drive('readiness', { failureThreshold: 3, successThreshold: 2 }, ['failure', 'failure', 'failure', 'success', 'success', 'failure']);
  assert.deepEqual(r.results, [false, true]);
  assert.equal(r.events.length, 4);
  assert.equal(r.events[0], 'Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 500');
});

test('a liveness failure is reported once, then the worker holds until the next run', async () => {
  const r = await drive('liveness', { failureThreshold: 1 }, ['success', 'failure', 'failure', 'failure']);
  assert.deepEqual(r.results, [true, false]);
  assert.equal(r.calls, 2);
});

test('liveness and readiness wait for the startup probe; errors are ignored', async () => {
  let started = false;
  const startup = await drive('startup', { failureThreshold: 5 }, ['error', 'failure', 'success'], () => started);
  assert.deepEqual(startup.results, [true]);
  assert.deepEqual(startup.events, ['Unhealthy: Startup probe failed: HTTP probe failed with statuscode: 500']);
  started = false;
  const gated = new ProbeWorker({ kind: 'liveness', probe: { periodSeconds: 0.001 }, startedAt: Date.now(), isStarted: () => started, run: async () => assert.fail('must not run'), onResult: () => undefined, onEvent: () => undefined });
  gated.start();
  await new Promise((r) => setTimeout(r, 20));
  gated.stop();
});
