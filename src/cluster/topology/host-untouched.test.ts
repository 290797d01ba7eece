// The real host's network stays exactly as it was: while a cluster with pods runs (the host gets
// no link, address, route or rule of knit's) and after it is destroyed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { netnsList } from '../../platform/index.js';
import { uniqueName } from '../../platform/testing/index.js';
import { createTopology, destroyTopology } from './index.js';
import { startPodNetworks } from './testdata/pod-networks.js';
import { networkSnapshot } from './testdata/stand-in-host.js';

test('createTopology and destroyTopology leave the host\'s links, addresses, routes, rules and firewall as they were', async () => {
  const cluster = uniqueName();
  const dataDir = mkdtempSync(join(tmpdir(), 'knt-host-'));
  const before = await networkSnapshot();
  try {
    await startPodNetworks(await createTopology({ clusterName: cluster, nodes: ['n1', 'n2', 'n3'] }), dataDir);
    assert.deepEqual(await networkSnapshot(), before, 'a running cluster puts nothing in the host namespace');
  } finally {
    await destroyTopology(cluster);
    rmSync(dataDir, { recursive: true, force: true });
  }
  assert.deepEqual(await networkSnapshot(), before);
  assert.deepEqual((await netnsList()).filter((n) => n.includes(cluster)), []);
});
