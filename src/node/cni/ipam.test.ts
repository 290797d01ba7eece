// host-local style IPAM: durable, never two pods on one address, round-robin reuse.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { HostLocalIpam } from './ipam.js';

const root = mkdtempSync(join(tmpdir(), 'knt-ipam-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `net${n++}`);
const owner = (uid: string) => ({ podUID: uid, podNetns: `knt-pod-${uid}` });

test('the first pod gets .2 (the gateway keeps .1) and each pod keeps its address', async () => {
  const ipam = new HostLocalIpam(freshDir());
  const a = await ipam.allocate('10.244.1.0/24', owner('a'));
  const b = await ipam.allocate('10.244.1.0/24', owner('b'));
  assert.equal(a.ip, '10.244.1.2');
  assert.equal(b.ip, '10.244.1.3');
  assert.equal((await ipam.allocate('10.244.1.0/24', owner('a'))).ip, '10.244.1.2');
});

test('allocations survive a restart: a new instance sees them and does not hand them out', async () => {
  const dir = freshDir();
  const first = new HostLocalIpam(dir);
  await first.allocate('10.244.2.0/24', owner('a'));
  await first.allocate('10.244.2.0/24', owner('b'));
  const restarted = new HostLocalIpam(dir);
  assert.deepEqual((await restarted.list()).map((r) => [r.ip, r.podUID]), [['10.244.2.2', 'a'], ['10.244.2.3', 'b']]);
  assert.equal((await restarted.allocate('10.244.2.0/24', owner('c'))).ip, '10.244.2.4');
  // The record is host-local's layout: one file per address, plus the last reserved one.
  assert.deepEqual(readdirSync(dir).sort(), ['10.244.2.2', '10.244.2.3', '10.244.2.4', 'last_reserved_ip.0']);
  assert.equal(readFileSync(join(dir, 'last_reserved_ip.0'), 'utf8'), '10.244.2.4');
});

test('a released address is not reused before the rest of the range', async () => {
  const ipam = new HostLocalIpam(freshDir());
  await ipam.allocate('10.244.3.0/24', owner('a'));
  await ipam.allocate('10.244.3.0/24', owner('b'));
  await ipam.release('a');
  assert.equal((await ipam.allocate('10.244.3.0/24', owner('c'))).ip, '10.244.3.4');
});

test('a full range is refused in host-local words', async () => {
  const ipam = new HostLocalIpam(freshDir());
  // A /29 has .2 to .6 for pods.
  for (const uid of ['a', 'b', 'c', 'd', 'e']) await ipam.allocate('10.244.4.0/29', owner(uid));
  await assert.rejects(ipam.allocate('10.244.4.0/29', owner('f')), /no IP addresses available in range set: 10\.244\.4\.2-10\.244\.4\.6/);
  await ipam.release('c');
  assert.equal((await ipam.allocate('10.244.4.0/29', owner('f'))).ip, '10.244.4.4');
});

test('two allocators on one directory at once never share an address', async () => {
  const dir = freshDir();
  const a = new HostLocalIpam(dir);
  const b = new HostLocalIpam(dir);
  const got = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).allocate('10.244.5.0/24', owner(`p${i}`))));
  assert.equal(new Set(got.map((r) => r.ip)).size, 20);
});

test('property: across restarts, no address is ever held by two pods', async () => {
  type Op = { kind: 'add' | 'del' | 'restart'; pod: number };
  const op = fc.record({ kind: fc.constantFrom<'add' | 'del' | 'restart'>('add', 'add', 'del', 'restart'), pod: fc.nat(12) });
  await fc.assert(fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops: Op[]) => {
    const dir = freshDir();
    let ipam = new HostLocalIpam(dir);
    const held = new Map<string, string>();
    for (const o of ops) {
      const uid = `pod${o.pod}`;
      if (o.kind === 'restart') ipam = new HostLocalIpam(dir);
      else if (o.kind === 'del') {
        await ipam.release(uid);
        held.delete(uid);
      } else {
        // A /28 has 13 pod addresses: 13 pods fit exactly.
        const r = await ipam.allocate('10.244.6.0/28', owner(uid));
        if (held.has(uid)) assert.equal(r.ip, held.get(uid));
        for (const [other, ip] of held) if (other !== uid) assert.notEqual(ip, r.ip);
        held.set(uid, r.ip);
      }
    }
    const listed = await ipam.list();
    assert.deepEqual(new Map(listed.map((r) => [r.podUID, r.ip])), held);
  }), { numRuns: 40 });
});
