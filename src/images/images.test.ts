// Each built-in image answers as its upstream does, checked with curl inside a network namespace
// of the test's own (krt-img-<pid>), which after() removes with everything started in it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Container } from '../kube/types.js';
import { nginxLaunch } from './nginx.js';
import { builtinProgram, prepareImageTools, resolveImage } from './index.js';

const run = promisify(execFile);
const NS = `krt-img-${process.pid}`;
const HOSTNAME = 'krt-host-1';
const dir = mkdtempSync(join(tmpdir(), 'krt-img-'));
const toolsDir = join(dir, 'tools');
const started: ChildProcess[] = [];

before(() => {
  execFileSync('ip', ['netns', 'add', NS]);
  execFileSync('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up']);
  prepareImageTools(toolsDir);
});

after(() => {
  for (const child of started) if (child.pid && child.exitCode === null) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
  try { execFileSync('ip', ['netns', 'delete', NS]); } catch { /* not created */ }
  rmSync(dir, { recursive: true, force: true });
});

function resolved(image: string, c: Partial<Container> = {}, name = 'c') {
  const stateDir = join(dir, name);
  const r = resolveImage(image, { name, ...c }, { stateDir, toolsDir, podName: 'web-1' });
  for (const f of r.files) {
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(f.path, f.content);
  }
  return r;
}

/**
 * Starts argv in the namespace with its own hostname, as a pod's container runs. Output goes to a
 * file (a container's stdout is a FIFO or file, which /dev/stdout can reopen; a socket cannot).
 */
function start(argv: string[], env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const out = join(dir, `out-${started.length}.log`);
  const fd = openSync(out, 'w');
  const child = spawn('/usr/sbin/ip', ['netns', 'exec', NS, 'unshare', '--uts', '--', 'sh', '-c', 'hostname "$0" && exec "$@"', HOSTNAME, ...argv], { env, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  started.push(child);
  return { child, output: () => readFileSync(out, 'utf8') };
}

function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    process.kill(-child.pid!, signal);
  });
}

async function inNs(...cmd: string[]): Promise<string> {
  return (await run('/usr/sbin/ip', ['netns', 'exec', NS, ...cmd])).stdout;
}

/** curl inside the namespace, retried until the server listens. */
async function curl(...args: string[]): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      return await inNs('curl', '-sS', '--max-time', '5', ...args);
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** One UDP datagram from inside the namespace; the reply text. */
async function udp(port: number, message: string): Promise<string> {
  // Sent every 200 ms until an answer comes: the server may still be starting.
  const script = `const s=require('dgram').createSocket('udp4');s.on('message',m=>{process.stdout.write(m);process.exit(0)});const send=()=>s.send(${JSON.stringify(message)},${port},'127.0.0.1');send();setInterval(send,200);setTimeout(()=>process.exit(3),20000)`;
  return inNs(process.execPath, '-e', script);
}

test('hashicorp/http-echo answers with -text and -status-code, and /health', async () => {
  const echo = resolved('hashicorp/http-echo', { args: ['-text=Hello from the API'] });
  const server = start(echo.argv, echo.env);
  assert.equal(await curl('http://localhost:5678/anything'), 'Hello from the API\n');
  assert.equal(await curl('http://localhost:5678/health'), '{"status":"ok"}\n');
  assert.match(await curl('-i', 'http://localhost:5678/'), /X-App-Name: http-echo/i);
  const other = resolved('hashicorp/http-echo', { args: ['-listen=:5679', '-status-code=404'] });
  const server2 = start(other.argv, other.env);
  assert.equal(await curl('-w', ' %{http_code}', 'http://localhost:5679/'), 'hello-world\n 404');
  assert.equal(await stop(server.child), 2);
  await stop(server2.child);
  assert.match(server.output(), /\[INFO\] server is listening on :5678/);
});

test('agnhost netexec: hostname, echo, clientip, dial over HTTP and UDP, healthz, shell', async () => {
  const r = resolved('registry.k8s.io/e2e-test-images/agnhost:2.40', { args: ['netexec', '--http-port=8080', '--udp-port=8081'] });
  const server = start(r.argv, r.env);
  assert.equal(await curl('http://127.0.0.1:8080/hostname'), HOSTNAME);
  assert.equal(await curl('http://127.0.0.1:8080/echo?msg=echoed_msg'), 'echoed_msg');
  assert.match(await curl('http://127.0.0.1:8080/clientip'), /^127\.0\.0\.1:\d+$/);
  assert.equal(await curl('-o', '/dev/null', '-w', '%{http_code}', 'http://127.0.0.1:8080/healthz'), '200');
  assert.equal(await curl('http://127.0.0.1:8080/dial?host=127.0.0.1&port=8080&request=hostname&protocol=http&tries=2'), `{"responses":["${HOSTNAME}","${HOSTNAME}"]}`);
  assert.equal(await curl('http://127.0.0.1:8080/dial?host=127.0.0.1&port=8081&request=hostname&protocol=udp&tries=1'), `{"responses":["${HOSTNAME}"]}`);
  assert.equal(await curl('http://127.0.0.1:8080/dial?host=127.0.0.1&port=1&request=hostname'),
    '{"errors":["Get \\"http://127.0.0.1:1/hostname\\": dial tcp 127.0.0.1:1: connect: connection refused"]}');
  assert.equal(await curl('http://127.0.0.1:8080/shell?cmd=echo%20hi'), '{"output":"hi\\n"}');
  assert.equal(await udp(8081, 'echo hello'), 'hello');
  assert.equal(await udp(8081, 'hostname'), HOSTNAME);
  assert.match(await udp(8081, 'clientip'), /^127\.0\.0\.1:\d+$/);
  await stop(server.child);
  assert.match(server.output(), /Started HTTP server on port 8080/);
});

test('agnhost serve-hostname over HTTP, and raw TCP and UDP with --http=false', async () => {
  const http = resolved('registry.k8s.io/e2e-test-images/agnhost:2.40', { args: ['serve-hostname'] });
  const s1 = start(http.argv, http.env);
  assert.equal(await curl('http://127.0.0.1:9376/'), HOSTNAME);
  const raw = resolved('registry.k8s.io/e2e-test-images/agnhost:2.40', { args: ['serve-hostname', '--tcp', '--udp', '--http=false', '--port=9377'] });
  const s2 = start(raw.argv, raw.env);
  assert.equal(await udp(9377, 'x'), HOSTNAME);
  assert.equal(await inNs('busybox', 'nc', '127.0.0.1', '9377'), HOSTNAME);
  // serve-hostname waits a minute after SIGTERM (awaiting pod deletion): end it with SIGKILL.
  await stop(s1.child, 'SIGKILL');
  await stop(s2.child, 'SIGKILL');
});

test('agnhost porter serves each SERVE_*_PORT_n; agnhost connect probes TCP and UDP as upstream\'s NetworkPolicy tests do', async () => {
  const server = resolved('registry.k8s.io/e2e-test-images/agnhost:2.53', { args: ['porter'] });
  const s = start(server.argv, { ...server.env, SERVE_PORT_80: 'foo', SERVE_UDP_PORT_81: 'foo' });
  assert.equal(await curl('http://127.0.0.1:80/anything'), 'foo');
  assert.equal(await udp(81, 'hostname'), 'foo');
  const connect = async (...args: string[]) => {
    const r = resolved('registry.k8s.io/e2e-test-images/agnhost:2.53', { args: ['connect', ...args] });
    try {
      await inNs('env', ...Object.entries(r.env).map(([k, v]) => `${k}=${v}`), ...r.argv);
      return 'ok';
    } catch (err) {
      return `exit ${(err as { code: number }).code}: ${(err as { stderr: string }).stderr.trim()}`;
    }
  };
  // Flags after the address, as the e2e tests write them.
  assert.equal(await connect('127.0.0.1:80', '--timeout=1s', '--protocol=tcp'), 'ok');
  assert.equal(await connect('127.0.0.1:81', '--timeout=1s', '--protocol=udp'), 'ok');
  assert.equal(await connect('--timeout=1s', '127.0.0.1:82'), 'exit 1: REFUSED');
  assert.match(await connect('127.0.0.1:82', '--timeout=1s', '--protocol=udp'), /^exit 1: REFUSED: read udp 127\.0\.0\.1:\d+->127\.0\.0\.1:82: read: connection refused$/);
  // A datagram dropped on the way (into a link whose peer is down) goes unanswered.
  await inNs('ip', 'link', 'add', 'void0', 'type', 'veth', 'peer', 'name', 'void1');
  await inNs('ip', 'addr', 'add', '10.0.0.2/24', 'dev', 'void0');
  await inNs('ip', 'link', 'set', 'void0', 'up');
  assert.match(await connect('10.0.0.1:81', '--timeout=300ms', '--protocol=udp'), /^exit 1: TIMEOUT: read udp 10\.0\.0\.2:\d+->10\.0\.0\.1:81: i\/o timeout$/);
  assert.equal(await connect('127.0.0.1:80', '--protocol=icmp'), 'exit 1: Unsupported protocol\nicmp');
  await stop(s.child);
});

test('pause sleeps until signalled and exits 0', async () => {
  const r = resolved('registry.k8s.io/pause:3.10');
  const p = start(r.argv, r.env);
  // It warns as it starts (it is not pid 1), then waits for a signal.
  while (!p.output().includes('Warning: pause should be the first process')) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(p.child.exitCode, null);
  assert.equal(await stop(p.child), 0);
  assert.match(p.output(), /Shutting down, got signal: Terminated/);
});

test('nginx serves the welcome page on port 80 and logs requests on stdout', { skip: !existsSync('/usr/sbin/nginx') }, async () => {
  const r = resolved('nginx:1.25', {}, 'nginx');
  const server = start(r.argv, r.env);
  const page = await curl('http://localhost/');
  assert.match(page, /<title>Welcome to nginx!<\/title>/);
  assert.match(server.output(), /"GET \/ HTTP\/1\.1" 200/);
  await stop(server.child);
});

test('without /usr/sbin/nginx a built-in server gives the same welcome page', async () => {
  const launch = nginxLaunch(['nginx', '-g', 'daemon off;'], join(dir, 'nginx2'), builtinProgram('nginx-welcome'), '/nonexistent/nginx');
  assert.equal(launch.notes[0].reason, 'BuiltinFallback');
  const server = start(launch.argv, { PATH: '/usr/bin:/bin' });
  assert.match(await curl('http://localhost/'), /<title>Welcome to nginx!<\/title>/);
  await stop(server.child);
});

test('an unknown image gets the stand-in: the pod name over HTTP, raw TCP and UDP', async () => {
  const r = resolved('myapp:v1', { ports: [{ containerPort: 8080 }, { containerPort: 5353, protocol: 'UDP' }] });
  const s = start(r.argv, r.env);
  assert.equal(await curl('http://127.0.0.1:8080/'), 'web-1\n');
  assert.equal(await inNs('busybox', 'nc', '127.0.0.1', '8080'), 'web-1\n');
  assert.equal(await udp(5353, 'anything'), 'web-1');
  assert.equal(await stop(s.child), 0);
});

test('busybox commands are busybox applets; curl images run curl', async () => {
  const bb = resolved('busybox:1.36', { command: ['sh', '-c', 'for c in sh wget nslookup sleep; do readlink "$(command -v $c)"; done'] });
  const out = await run('/usr/sbin/ip', ['netns', 'exec', NS, ...bb.argv], { env: bb.env });
  assert.equal(out.stdout, '/usr/bin/busybox\n'.repeat(4));

  const echo = resolved('hashicorp/http-echo', { args: ['-text=via curl', '-listen=:5680'] });
  const server = start(echo.argv, echo.env);
  await curl('http://localhost:5680/');
  const c = resolved('curlimages/curl', { args: ['-s', 'http://localhost:5680/'] });
  assert.equal(c.argv[0], 'curl');
  assert.equal((await run('/usr/sbin/ip', ['netns', 'exec', NS, ...c.argv], { env: c.env })).stdout, 'via curl\n');
  await stop(server.child);
});
