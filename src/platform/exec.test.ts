// execInNetns against the real kernel, in a namespace named knt-* that the test creates.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execInNetns, ip, netnsAdd, netnsDelete } from './index.js';
import { uniqueName } from './testing/index.js';

const ns = uniqueName();
let created = false;

before(async () => {
  await netnsAdd(ns);
  created = true;
  await ip(['link', 'add', 'knt-only-here', 'type', 'bridge'], ns);
});

after(async () => {
  if (created) await netnsDelete(ns);
});

test('the command runs in the namespace (its /sys too) and its exit code comes back', async () => {
  assert.equal(await execInNetns(ns, ['sh', '-c', 'test -e /sys/class/net/knt-only-here']), 0);
  assert.equal(await execInNetns(ns, ['sh', '-c', 'exit 7']), 7);
});

test('a command ended by a signal exits 128 + the signal number, as in a shell', async () => {
  assert.equal(await execInNetns(ns, ['sh', '-c', 'kill -KILL $$']), 137);
  assert.equal(await execInNetns(ns, ['sh', '-c', 'kill -TERM $$']), 143);
});

test('a name that is not a namespace\'s is refused before anything runs', async () => {
  await assert.rejects(execInNetns('../etc', ['true']), /invalid network namespace name/);
  await assert.rejects(execInNetns(ns, []), /no command/);
});
