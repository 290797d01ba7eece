// A crash while the topology is being created (kill -9 of the creating process) leaves nothing
// that destroyTopology does not find and remove. Runs in a stand-in host namespace (knt-*) with
// routeHost on, so the host-side veth and routes are covered too.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { netnsDelete, type OwnedProcess } from '../../platform/index.js';
import { uniqueName } from '../../platform/testing/index.js';
import { createStandInHost, networkSnapshot, startTopologyOp, topologyOp } from './testdata/stand-in-host.js';

const host = uniqueName();
before(async () => { await createStandInHost(host); });
after(async () => { await netnsDelete(host); });

const nothing = { namespaces: [], hostLinks: [], files: [] };

/**
 * Starts a create, kills it as `kill` decides, then destroys. With pauseAt the creating process
 * freezes as that step begins, so the kill lands exactly there.
 */
async function crashAndClean(kill: (proc: OwnedProcess, line: string) => void, pauseAt?: string): Promise<void> {
  const expectLeftovers = pauseAt !== undefined;
  const cluster = uniqueName();
  const hostBefore = await networkSnapshot(host);
  try {
    const proc: OwnedProcess = startTopologyOp(host, { op: 'create', pauseAt, config: { clusterName: cluster, nodes: ['n1', 'n2', 'n3'], routeHost: true } },
      (line) => kill(proc, line));
    const exit = await proc.exited;
    if (expectLeftovers) {
      assert.equal(exit.signal, 'SIGKILL');
      const left = await topologyOp(host, { op: 'leftovers', cluster });
      assert.ok(left.namespaces.length > 0, 'the crash left namespaces behind');
      // A new create for the same cluster is refused until the leftovers are gone.
      await assert.rejects(topologyOp(host, { op: 'create', config: { clusterName: cluster, nodes: ['n1'] } }), /already has network namespaces/);
    }
  } finally {
    await topologyOp(host, { op: 'destroy', cluster });
  }
  assert.deepEqual(await topologyOp(host, { op: 'leftovers', cluster }), nothing);
  assert.deepEqual(await networkSnapshot(host), hostBefore);
}

for (const step of ['underlay', 'host', 'done']) {
  test(`kill -9 when creation reaches "${step}": destroyTopology leaves nothing`, async () => {
    await crashAndClean((proc, line) => { if (line === `step ${step}`) proc.signal('SIGKILL'); }, step);
  });
}

test('kill -9 at random moments inside the ip batches: destroyTopology leaves nothing', async () => {
  for (const delayMs of [0, 3, 8, 15, 25]) {
    await crashAndClean((proc, line) => {
      if (line === 'step namespaces') setTimeout(() => proc.signal('SIGKILL'), delayMs);
    });
  }
});
