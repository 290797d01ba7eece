// What `knit up` decides about the system's tools, without uninstalling anything: the machine's
// files are replaced by a stand-in `exists`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDebianLike, missingPackages, planSystemNeeds, SYSTEM_NEEDS } from './needs.js';

const allBut = (...absent: string[]) => (path: string) => !SYSTEM_NEEDS.some((n) => absent.includes(n.tool) && n.paths.includes(path));

test('missing tools become their Debian packages, each package once; nginx is optional', () => {
  assert.deepEqual(missingPackages(allBut()), { required: [], optional: [] });
  assert.deepEqual(missingPackages(allBut('ip', 'bridge', 'conntrack')), { required: ['iproute2', 'conntrack'], optional: [] });
  assert.deepEqual(missingPackages(allBut('nginx')), { required: [], optional: ['nginx-light'] });
  assert.deepEqual(missingPackages(() => false), {
    required: ['iproute2', 'iptables', 'nftables', 'conntrack', 'busybox', 'curl', 'util-linux'],
    optional: ['nginx-light', 'ulogd2', 'ulogd2-json'],
  });
  // Any of a tool's usual places will do.
  assert.deepEqual(missingPackages((p) => p !== '/usr/sbin/ip'), { required: [], optional: [] });
});

test('nothing missing: nothing to do; only nginx missing: a note, never a refusal', () => {
  assert.deepEqual(planSystemNeeds({ required: [], optional: [] }, { debianLike: false, root: false }), { action: 'none' });
  const nginx = planSystemNeeds({ required: [], optional: ['nginx-light'] }, { debianLike: false, root: true });
  assert.equal(nginx.action, 'none');
  assert.match(nginx.action === 'none' ? nginx.note ?? '' : '', /nginx is not installed: pods of the nginx image answer with a built-in server/);
  const ulogd = planSystemNeeds({ required: [], optional: ['ulogd2', 'ulogd2-json'] }, { debianLike: true, root: false });
  assert.deepEqual(ulogd, { action: 'none', note: 'ulogd2 (with ulogd2-json) is not installed: NetworkPolicy is enforced, but denied connections are not logged' });
});

test('as root on Debian or Ubuntu the missing packages are installed, nginx along, saying so', () => {
  const plan = planSystemNeeds({ required: ['conntrack', 'busybox'], optional: ['nginx-light'] }, { debianLike: true, root: true });
  assert.deepEqual(plan, {
    action: 'install',
    packages: ['conntrack', 'busybox', 'nginx-light'],
    command: 'apt-get update && apt-get install -y conntrack busybox nginx-light',
    announce: ' • Installing what knit needs: conntrack busybox nginx-light (apt-get)',
  });
});

test('elsewhere knit stops and prints the one command that installs what is missing', () => {
  assert.deepEqual(planSystemNeeds({ required: ['nftables'], optional: ['nginx-light'] }, { debianLike: false, root: true }), {
    action: 'refuse',
    message: "knit needs nftables, which this machine lacks. Install them (on Debian or Ubuntu: sudo sh -c 'apt-get update && apt-get install -y nftables'; elsewhere, your system's packages of the same names) and run knit up again.",
  });
  assert.deepEqual(planSystemNeeds({ required: ['curl'], optional: [] }, { debianLike: true, root: false }), {
    action: 'refuse',
    message: "knit needs curl, which this machine lacks. Install them (sudo sh -c 'apt-get update && apt-get install -y curl') and run knit up again.",
  });
});

test('Debian and Ubuntu are told by /etc/os-release and apt-get', () => {
  assert.equal(isDebianLike('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n', true), true);
  assert.equal(isDebianLike('NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n', true), true);
  assert.equal(isDebianLike('ID=fedora\n', true), false);
  assert.equal(isDebianLike('ID=debian\n', false), false);
  assert.equal(isDebianLike(undefined, true), false);
});
