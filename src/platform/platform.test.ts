// The platform layer against the real kernel, in namespaces named knt-*.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, existsSync, readlinkSync, statSync, mkdtempSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  run, PlatformError, ip, ipJson, ipBatch, nft, iptablesRestore, iptablesSave, conntrack,
  sysctls, sysctlGet, netnsAdd, netnsDelete, netnsList, netnsExists, spawnInNetns, netnsAlias, netnsAttach,
  spawnInNamespacesOf, type OwnedProcess,
} from './index.js';
import { uniqueName } from './testing/index.js';

const ns = uniqueName();
const created: string[] = [];

before(async () => {
  await netnsAdd(ns);
  created.push(ns);
});

after(async () => {
  for (const name of created) await netnsDelete(name);
});

test('a failing command says what ran, where, and what it printed', async () => {
  await assert.rejects(ip(['link', 'show', 'dev', 'knt-nolink'], ns), (e: unknown) => {
    assert.ok(e instanceof PlatformError);
    assert.match(e.message, /ip link show dev knt-nolink \(in network namespace knt-/);
    assert.match(e.message, /does not exist/);
    assert.equal(e.exitCode, 1);
    return true;
  });
});

test('a missing tool is named with the package that provides it', async () => {
  await assert.rejects(run('knt-no-such-tool', []), /knt-no-such-tool was not found on PATH/);
  // nsenter exists but the namespace does not: the hint says so.
  await assert.rejects(run('nft', ['list', 'ruleset'], { netns: 'knt-missing-000000' }),
    /network namespace "knt-missing-000000" does not exist/);
});

test('a command that runs too long is killed and reported', async () => {
  await assert.rejects(run('sleep', ['30'], { timeoutMs: 200 }), /did not finish within 200 ms and was killed/);
});

test('invalid namespace names are refused before anything runs', async () => {
  await assert.rejects(netnsAdd('../etc'), /invalid network namespace name/);
  assert.throws(() => netnsExists('a/b'), /invalid network namespace name/);
});

test('ipBatch applies lines in order and names the line that failed', async () => {
  await assert.rejects(
    ipBatch(['link add knt0 type bridge', 'addr add 10.77.0.1/24 dev knt0', 'addr add not-an-address dev knt0'], ns),
    (e: unknown) => {
      assert.ok(e instanceof PlatformError);
      assert.match(e.message, /ip addr add not-an-address dev knt0/);
      assert.match(e.message, /line 3 of a batch of 3/);
      return true;
    },
  );
  const addrs = await ipJson<{ addr_info: { local: string }[] }>(['addr', 'show', 'dev', 'knt0'], ns);
  assert.deepEqual(addrs[0].addr_info.map((a) => a.local), ['10.77.0.1']);
  // Nothing leaked into the caller's namespace.
  await assert.rejects(ip(['link', 'show', 'dev', 'knt0']), /does not exist/);
});

test('namespaces are created, listed, refused twice, and deleted idempotently', async () => {
  const other = uniqueName();
  created.push(other);
  await netnsAdd(other);
  assert.ok(netnsExists(other));
  assert.ok((await netnsList()).includes(other));
  await assert.rejects(netnsAdd(other), /File exists/);
  await netnsAdd(other, { existOk: true });
  await netnsDelete(other);
  assert.equal(netnsExists(other), false);
  await netnsDelete(other);
});

test('a stray namespace file left by a crash is removed by netnsDelete', async () => {
  const stray = uniqueName();
  created.push(stray);
  writeFileSync(`/run/netns/${stray}`, '');
  await netnsDelete(stray);
  assert.equal(existsSync(`/run/netns/${stray}`), false);
});

test('sysctls apply to the namespace only', async () => {
  const hostBefore = await sysctlGet(undefined, 'net.ipv4.conf.all.route_localnet');
  const want = hostBefore === '1' ? '0' : '1';
  await sysctls(ns, { 'net.ipv4.conf.all.route_localnet': want, 'net.ipv4.ip_forward': 1 });
  assert.equal(await sysctlGet(ns, 'net.ipv4.conf.all.route_localnet'), want);
  assert.equal(await sysctlGet(ns, 'net.ipv4.ip_forward'), '1');
  assert.equal(await sysctlGet(undefined, 'net.ipv4.conf.all.route_localnet'), hostBefore);
  await assert.rejects(sysctls(ns, { 'net.ipv4.ip_forward; rm -rf /': 1 }), /invalid sysctl key/);
});

test('iptables-restore is one transaction in the namespace; --noflush keeps other chains', async () => {
  await iptablesRestore('*nat\n:KNT-ONE - [0:0]\n-A KNT-ONE -s 10.77.0.0/24 -j RETURN\nCOMMIT\n', { netns: ns, noflush: true });
  await iptablesRestore('*nat\n:KNT-TWO - [0:0]\n-A KNT-TWO -d 10.77.0.0/24 -j RETURN\nCOMMIT\n', { netns: ns, noflush: true });
  const saved = await iptablesSave(ns, 'nat');
  assert.match(saved, /-A KNT-ONE -s 10\.77\.0\.0\/24 -j RETURN/);
  assert.match(saved, /-A KNT-TWO -d 10\.77\.0\.0\/24 -j RETURN/);
  // A bad rule aborts the whole transaction: KNT-THREE must not appear.
  await assert.rejects(iptablesRestore('*nat\n:KNT-THREE - [0:0]\n-A KNT-THREE -j NO-SUCH-TARGET\nCOMMIT\n', { netns: ns, noflush: true }));
  assert.doesNotMatch(await iptablesSave(ns, 'nat'), /KNT-THREE/);
  assert.doesNotMatch(await iptablesSave(undefined, 'nat'), /KNT-ONE/);
});

test('nft scripts apply in the namespace and list ruleset prints them', async () => {
  await nft('table ip knt_test {\n chain c { type filter hook input priority 0; }\n}\n', ns);
  assert.match(await nft('list ruleset\n', ns), /table ip knt_test/);
  assert.doesNotMatch(await nft('list ruleset\n'), /knt_test/);
});

test('conntrack -D with nothing to delete is not an error', async () => {
  await conntrack(['-D', '-p', 'udp', '--orig-dst', '10.77.0.99'], ns);
});

test('spawnInNetns runs inside the namespace and stop() ends it', async () => {
  // /proc/net/dev lists the links of the reader's network namespace.
  const code = "const d = require('fs').readFileSync('/proc/net/dev', 'utf8'); console.log(d.split('\\n').slice(2).map((l) => l.split(':')[0].trim()).filter(Boolean).sort().join(',')); setInterval(() => {}, 1000);";
  for (const via of ['ip-netns-exec', 'nsenter'] as const) {
    const proc = spawnInNetns(ns, process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'], via });
    try {
      const line = await new Promise<string>((resolve) => proc.child.stdout!.once('data', (b: Buffer) => resolve(b.toString().trim())));
      assert.ok(line.split(',').includes('knt0'), `${via}: ${line}`);
    } finally {
      const exit = await proc.stop();
      assert.equal(exit.signal, 'SIGTERM');
      assert.equal(proc.running, false);
    }
  }
});

test('stop() kills a process that ignores SIGTERM once the grace period is over', async () => {
  const proc = spawnInNetns(ns, process.execPath, ['-e', "process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000);"], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise((resolve) => proc.child.stdout!.once('data', resolve));
  } finally {
    const exit = await proc.stop(300);
    assert.equal(exit.signal, 'SIGKILL');
  }
});

/** The namespace files a process is in, as /proc shows them: "net:[4026532...]". */
const NAMESPACES_OF = "const fs = require('fs'); console.log(JSON.stringify({ net: fs.readlinkSync('/proc/self/ns/net'), uts: fs.readlinkSync('/proc/self/ns/uts'), cwd: process.cwd() })); setInterval(() => {}, 1000);";

async function firstLine(proc: OwnedProcess): Promise<string> {
  return new Promise<string>((resolve) => proc.child.stdout!.once('data', (b: Buffer) => resolve(b.toString().trim())));
}

const sameFile = (a: string, b: string) => {
  const [x, y] = [statSync(a), statSync(b)];
  return x.dev === y.dev && x.ino === y.ino;
};

test('an alias names the same namespace, and deleting it leaves the namespace', async () => {
  const alias = uniqueName();
  created.push(alias);
  await netnsAlias(alias, ns);
  assert.ok(sameFile(`/run/netns/${alias}`, `/run/netns/${ns}`));
  await netnsDelete(alias);
  assert.equal(netnsExists(alias), false);
  assert.ok(netnsExists(ns));
  assert.equal((await ipJson(['link', 'show', 'dev', 'lo'], ns)).length, 1);
});

test('netnsAttach names the namespace a process runs in', async () => {
  const name = uniqueName();
  created.push(name);
  const proc = spawnInNetns(ns, process.execPath, ['-e', NAMESPACES_OF], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await firstLine(proc);
    await netnsAttach(name, proc.pid!);
    assert.ok(sameFile(`/run/netns/${name}`, `/run/netns/${ns}`));
  } finally {
    await proc.stop();
    await netnsDelete(name);
  }
  assert.ok(netnsExists(ns));
});

test('newUts gives the process a UTS namespace of its own; spawnInNamespacesOf enters a process\'s namespaces', async () => {
  const holder = spawnInNetns(ns, process.execPath, ['-e', NAMESPACES_OF], { stdio: ['ignore', 'pipe', 'inherit'], newUts: true, detached: true });
  try {
    const held = JSON.parse(await firstLine(holder)) as { net: string; uts: string };
    assert.notEqual(held.uts, readlinkSync('/proc/self/ns/uts'));
    assert.ok(sameFile(`/proc/${holder.pid}/ns/net`, `/run/netns/${ns}`));
    const entered = spawnInNamespacesOf(holder.pid!, process.execPath, ['-e', NAMESPACES_OF], { wd: '/tmp', stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      assert.deepEqual(JSON.parse(await firstLine(entered)), { ...held, cwd: '/tmp' });
    } finally {
      await entered.stop();
    }
  } finally {
    await holder.stop();
  }
});

test('bindMounts show a directory at another path to the process alone, read-only when asked', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'knt-mounts-'));
  try {
    mkdirSync(join(dir, 'source'));
    writeFileSync(join(dir, 'source', 'token'), 'secret');
    // The target does not exist yet: it is made (empty) and the source shows there.
    const target = join(dir, 'run', 'secrets', 'serviceaccount');
    const probe = `const fs = require('fs'); let writable = true; try { fs.writeFileSync(${JSON.stringify(join(target, 'x'))}, 'x'); } catch { writable = false; }
      console.log(JSON.stringify({ token: fs.readFileSync(${JSON.stringify(join(target, 'token'))}, 'utf8'), writable })); setInterval(() => {}, 1000);`;
    const proc = spawnInNetns(ns, process.execPath, ['-e', probe], { stdio: ['ignore', 'pipe', 'inherit'], newUts: true, bindMounts: [{ source: join(dir, 'source'), target, readOnly: true }] });
    try {
      assert.deepEqual(JSON.parse(await firstLine(proc)), { token: 'secret', writable: false });
      assert.deepEqual(readdirSync(target), [], 'the host sees the empty mount point, not the files');
    } finally {
      await proc.stop();
    }
    assert.throws(() => spawnInNetns(ns, 'true', [], { via: 'nsenter', bindMounts: [{ source: dir, target }] }), /mount namespace of the process's own/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('creating a namespace from inside `ip netns exec` is refused with the way out', async () => {
  // From source under tsx, or built in dist/.
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const loader = ext === '.ts' ? ['--import', import.meta.resolve('tsx')] : [];
  const script = fileURLToPath(new URL(`./netns${ext}`, import.meta.url));
  const probe = `import(${JSON.stringify(script)}).then((m) => { try { m.checkMountsReachHost(); console.log('ok'); } catch (e) { console.log(e.message); } });`;
  const outputs: Record<string, string> = {};
  for (const via of ['ip-netns-exec', 'nsenter'] as const) {
    const proc = spawnInNetns(ns, process.execPath, [...loader, '-e', probe], { stdio: ['ignore', 'pipe', 'inherit'], via });
    let out = '';
    proc.child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
    await proc.exited;
    outputs[via] = out.trim();
  }
  assert.match(outputs['ip-netns-exec'], /private mount namespace.*via: "nsenter"/);
  assert.equal(outputs.nsenter, 'ok');
});
