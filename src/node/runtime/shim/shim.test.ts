// The shim in this process (no namespaces needed): its protocol against real containers, and
// stop() ending everything it holds.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isSameProcess } from '../procfs.js';
import { ShimClient } from './client.js';
import type { AttachStreams } from './client.js';
import type { ShimRun, StartSpec } from './protocol.js';
import { HOST_PATH, Shim } from './shim.js';

const dir = mkdtempSync('/tmp/krt-shim-');
after(() => rmSync(dir, { recursive: true, force: true }));

let runs = 0;
function spec(name: string, argv: string[], extra: Partial<StartSpec> = {}): StartSpec {
  const n = ++runs;
  return {
    id: `run${n}`.padEnd(64, '0'), name, attempt: 0, argv, env: { PATH: HOST_PATH }, cwd: '/',
    stdin: false, stdinOnce: false, tty: false, logPath: join(dir, name, `${n}.log`), stateDir: join(dir, name, String(n)), ...extra,
  };
}

function newShim(name: string): { shim: Shim; client: ShimClient; shutdownAsked: Promise<void> } {
  const podDir = join(dir, name);
  mkdirSync(podDir);
  const socketPath = join(dir, `${name}.sock`);
  let asked!: () => void;
  const shutdownAsked = new Promise<void>((resolve) => { asked = resolve; });
  const shim = new Shim({ podDir, config: { podUid: name, hostname: name, socketPath }, log: () => undefined, onShutdown: () => asked() });
  return { shim, client: new ShimClient(socketPath), shutdownAsked };
}

test('a run is started, its exit reaches the watch, its output the CRI log', async () => {
  const { shim, client } = newShim('p1');
  try {
    await shim.listen();
    let ready!: () => void;
    let exited!: (run: ShimRun) => void;
    const watching = new Promise<void>((resolve) => { ready = resolve; });
    const exit = new Promise<ShimRun>((resolve) => { exited = resolve; });
    const watch = client.watch(() => ready(), (run) => exited(run), () => undefined);
    await watching;
    const s = spec('app', ['sh', '-c', 'echo hello; exit 3']);
    const reply = await client.call({ op: 'start', spec: s });
    assert.equal(reply.run?.state, 'running');
    const run = await exit;
    assert.deepEqual([run.id, run.state, run.exitCode, run.reason], [s.id, 'exited', 3, 'Error']);
    assert.match(readFileSync(s.logPath, 'utf8'), /^\S+ stdout F hello\n$/);
    watch.close();
  } finally {
    await shim.stop();
  }
});

test('stop() kills the containers and closes the watches, attaches and the socket', async () => {
  const { shim, client } = newShim('p2');
  const s = spec('sleeper', ['sh', '-c', "trap '' TERM; sleep 600"], { stdin: true });
  let run: ShimRun | undefined;
  let watchClosed = false;
  let attach: AttachStreams | undefined;
  try {
    await shim.listen();
    run = (await client.call({ op: 'start', spec: s })).run;
    // A stop with a long grace period arms a timer that stop() must not leave behind.
    await client.call({ op: 'stop', id: s.id, graceMs: 600_000 });
    client.watch(() => undefined, () => undefined, () => { watchClosed = true; });
    attach = client.attach(s.id, { stdin: true, stdout: true, stderr: true });
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    await shim.stop();
  }
  assert.equal(isSameProcess(run!.pid!, undefined), false);
  assert.equal(await attach!.exit, 137);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(watchClosed, true);
  assert.equal(existsSync(join(dir, 'p2.sock')), false);
  await assert.rejects(client.request({ op: 'hello' }));
});

test('a shutdown request kills the containers, answers, then tells the owner', async () => {
  const { shim, client, shutdownAsked } = newShim('p3');
  try {
    await shim.listen();
    const { run } = await client.call({ op: 'start', spec: spec('app', ['sleep', '600']) });
    assert.deepEqual(await client.request({ op: 'shutdown' }), { ok: true });
    assert.equal(isSameProcess(run!.pid!, undefined), false);
    await shutdownAsked;
  } finally {
    await shim.stop();
  }
});
