// The real kubectl (1.32) against the streaming library, through a fake API server that answers
// what kubectl asks first and hands the pod's upgrades to serveExecWebSocket / servePortForward.
// Commands run on the host (echo, cat, sh); port-forward reaches an echo server on loopback.

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ExecHandler } from './exec.js';
import { serveExec } from './index.js';
import { collect, FakeApiServer, POD, POD_UID } from './testing.js';
import { servePortForward, type PortForwardDial } from './portforward.js';
import type { StreamingConnection } from './upgrade.js';

const missing = ['kubectl', 'openssl', 'script'].filter((cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0);
const skip = missing.length ? `not installed: ${missing.join(', ')}` : false;

/** Runs the command on the host, as a container runtime would run it in the pod. */
const runOnHost: ExecHandler = (s) => new Promise((resolve, reject) => {
  const child = spawn(s.command[0], s.command.slice(1), { stdio: 'pipe' });
  child.on('error', reject);
  if (s.stdin) s.stdin.pipe(child.stdin);
  else child.stdin.end();
  if (s.stdout) child.stdout.pipe(s.stdout, { end: false });
  if (s.stderr) child.stderr.pipe(s.stderr, { end: false });
  s.signal.addEventListener('abort', () => child.kill());
  child.on('close', (code) => resolve(code ?? 1));
});

describe('kubectl exec, attach and port-forward', { skip }, () => {
  let api: FakeApiServer;
  let execHandler: ExecHandler = runOnHost;
  let dial: PortForwardDial;
  const connections: StreamingConnection[] = [];
  const children: ChildProcess[] = [];
  let echo: net.Server;
  let echoPort = 0;
  const dialed: number[] = [];

  before(async () => {
    echo = net.createServer((c) => c.pipe(c));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    echoPort = (echo.address() as net.AddressInfo).port;
    api = await FakeApiServer.start((req, socket, head) => {
      const path = new URL(req.url ?? '/', 'https://localhost').pathname;
      const c = path.endsWith('/portforward')
        ? servePortForward(req, socket, head, (port) => dial(port), { pod: POD, uid: POD_UID })
        : serveExec(req, socket, head, (s) => execHandler(s));
      if (c) connections.push(c);
    });
  });

  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill();
    for (const c of connections) c.close();
    await Promise.all(connections.map((c) => c.closed));
    await api?.stop();
    await new Promise<void>((resolve) => (echo ? echo.close(() => resolve()) : resolve()));
  });

  const kubectl = (args: string[], input = '', env: Record<string, string> = {}) => {
    const child = api.kubectl(args, env);
    children.push(child);
    return collect(child, input);
  };

  const execTransports = [
    { name: 'WebSocket', env: {} as Record<string, string>, method: 'GET', upgrade: 'websocket' },
    { name: 'SPDY (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false)', env: { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }, method: 'POST', upgrade: 'SPDY/3.1' },
  ];
  for (const { name: transport, env, method, upgrade } of execTransports) {
    /** The upgrades kubectl made since `from`: exactly one, over this transport (no fallback). */
    const assertUpgradedOnce = (from: number, verb: 'exec' | 'attach') => {
      const upgrades = api.requests.slice(from).filter((q) => q.includes('(upgrade:'));
      assert.equal(upgrades.length, 1, upgrades.join('; '));
      assert.ok(upgrades[0].startsWith(`${method} /api/v1/namespaces/default/pods/${POD}/${verb}?`) && upgrades[0].endsWith(`(upgrade: ${upgrade})`), upgrades[0]);
    };

    it(`kubectl exec pod -- echo hi, over ${transport}`, { timeout: 30_000 }, async () => {
      execHandler = runOnHost;
      const from = api.requests.length;
      const r = await kubectl(['exec', POD, '--', 'echo', 'hi'], '', env);
      assert.deepEqual(r, { code: 0, stdout: 'hi\n', stderr: '' });
      assertUpgradedOnce(from, 'exec');
    });

    it(`kubectl exec -i passes stdin through and ends it, over ${transport}`, { timeout: 30_000 }, async () => {
      execHandler = runOnHost;
      const input = 'hello\nworld\n'.repeat(1000);
      const r = await kubectl(['exec', '-i', POD, '--', 'cat'], input, env);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, input);
    });

    it(`kubectl exec reports a non-zero exit code as its own, over ${transport}`, { timeout: 30_000 }, async () => {
      execHandler = runOnHost;
      const r = await kubectl(['exec', POD, '--', 'sh', '-c', 'echo oops >&2; exit 3'], '', env);
      assert.equal(r.code, 3);
      assert.equal(r.stderr, 'oops\ncommand terminated with exit code 3\n');
    });

    it(`kubectl exec -it gets a terminal: tty, its size, raw input, over ${transport}`, { timeout: 30_000 }, async () => {
      let tty: boolean | undefined;
      execHandler = async (s) => {
        tty = s.tty;
        s.resize.on('resize', (size) => s.stdout!.write(`size ${size.width}x${size.height}\r\n`));
        for await (const chunk of s.stdin!) {
          s.stdout!.write(`got ${chunk}\r\n`);
          if (String(chunk).includes('q')) return 0;
        }
        return 1;
      };
      // script gives kubectl a terminal of a known size; "q" goes in once the size came back out.
      const command = `stty cols 100 rows 40; kubectl --kubeconfig ${api.kubeconfig} exec -it ${POD} -- sh`;
      const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: 'pipe', env: { ...process.env, ...env } });
      children.push(child);
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('size 100x40') && !out.includes('got')) child.stdin.write('q');
      });
      const code = await new Promise((resolve) => child.on('close', resolve));
      assert.equal(tty, true);
      assert.equal(code, 0);
      assert.match(out, /size 100x40\r\ngot q\r\n/);
    });
  }

  it('kubectl attach streams the container\'s output', { timeout: 30_000 }, async () => {
    execHandler = async (s) => {
      assert.deepEqual(s.command, []);
      s.stdout!.write('attached\n');
      return 0;
    };
    const r = await kubectl(['attach', POD]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'attached\n');
    assert.ok(api.requests.some((q) => q.startsWith(`GET /api/v1/namespaces/default/pods/${POD}/attach?`)));
  });

  /** Starts kubectl port-forward pod :8080 and returns the local port it listens on. */
  async function portForward(env: Record<string, string> = {}): Promise<{ port: number; child: ChildProcess; stderr: () => string }> {
    const child = api.kubectl(['port-forward', `pod/${POD}`, ':8080'], env);
    children.push(child);
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout!.on('data', (d) => {
        out += d;
        const m = /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('close', (code) => reject(new Error(`kubectl port-forward exited ${code}: ${err}`)));
    });
    return { port, child, stderr: () => err };
  }

  /** Sends payload through the forwarded port and resolves with what came back. */
  function roundTrip(port: number, payload: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      let length = 0;
      socket.on('data', (d) => {
        chunks.push(d);
        length += d.length;
        if (length >= payload.length) socket.end();
      });
      socket.on('close', () => resolve(Buffer.concat(chunks)));
      socket.on('error', reject);
      socket.write(payload);
    });
  }

  const transports: { name: string; env: Record<string, string>; upgrade: RegExp }[] = [
    { name: 'WebSocket-tunnelled SPDY', env: {}, upgrade: /^GET .*\/portforward \(upgrade: websocket\)$/ },
    { name: 'SPDY (KUBECTL_PORT_FORWARD_WEBSOCKETS=false)', env: { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }, upgrade: /^POST .*\/portforward \(upgrade: SPDY\/3\.1\)$/ },
  ];
  for (const { name: transport, env, upgrade } of transports) {
    it(`kubectl port-forward pod :8080 over ${transport}, several connections at once`, { timeout: 60_000 }, async () => {
      dial = async (port) => {
        dialed.push(port);
        return net.connect(echoPort, '127.0.0.1');
      };
      const before = api.requests.length;
      const pf = await portForward(env);
      const payloads = [1, 2, 3, 4, 5].map((i) => Buffer.alloc(i === 5 ? 2 << 20 : 1000 * i, `payload-${i}-`));
      const echoed = await Promise.all(payloads.map((p) => roundTrip(pf.port, p)));
      echoed.forEach((e, i) => assert.ok(e.equals(payloads[i]), `connection ${i} echoed intact`));
      // A second wave over the same kubectl: streams of finished connections were released.
      assert.ok((await roundTrip(pf.port, Buffer.from('again'))).equals(Buffer.from('again')));
      assert.ok(dialed.length >= 6 && dialed.every((p) => p === 8080));
      const upgrades = api.requests.slice(before).filter((q) => q.includes('(upgrade:'));
      assert.equal(upgrades.length, 1, 'no fallback');
      assert.match(upgrades[0], upgrade);
      pf.child.kill();
      await new Promise((resolve) => pf.child.on('close', resolve));
      await connections.at(-1)!.closed;
    });
  }

  it('kubectl port-forward reports a port nothing listens on in the kubelet\'s words', { timeout: 60_000 }, async () => {
    dial = async () => {
      throw new Error('dial tcp 10.244.1.5:8080: connect: connection refused');
    };
    const pf = await portForward();
    await roundTrip(pf.port, Buffer.from('x'));
    await new Promise((resolve) => pf.child.on('close', resolve));
    assert.match(pf.stderr(), new RegExp(`an error occurred forwarding ${pf.port} -> 8080: error forwarding port 8080 to pod ${POD}, uid ${POD_UID}: dial tcp 10.244.1.5:8080: connect: connection refused`));
  });
});
