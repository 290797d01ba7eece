// Platform benchmark: (1) creating a 3-node topology with knit's batched ip commands against the
// same commands run one process each; (2) the netns broker's cost per connection: connect and
// read the first reply through the broker (a socket opened in another namespace and passed over
// IPC) against a plain connect to a server on loopback in this namespace. Both references are
// measured in this run. Namespaces are named knit-knb-<random>-* and removed at the end.
//
//   node --import tsx bench/platform.bench.ts [--rounds 5] [--connections 300]

import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { ipBatch, run, sysctls, startNetnsBroker } from '../src/platform/index.js';
import { startAnswerServer } from '../src/platform/testing/index.js';
import { createTopology, destroyTopology, planTopology, resolveTopology, readHostRoutes } from '../src/cluster/topology/index.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROUNDS = arg('rounds', 5);
const CONNECTIONS = arg('connections', 300);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const clusterName = () => `knb-${randomBytes(3).toString('hex')}`;
const nodes = ['node-1', 'node-2', 'node-3'];

async function timeBatched(): Promise<number> {
  const cluster = clusterName();
  const t0 = performance.now();
  try {
    await createTopology({ clusterName: cluster, nodes });
    return performance.now() - t0;
  } finally {
    await destroyTopology(cluster);
  }
}

/** The same plan, every ip command and every sysctl in a process of its own, in order. */
async function timeOneByOne(): Promise<number> {
  const cluster = clusterName();
  const plan = planTopology(resolveTopology({ clusterName: cluster, nodes }, await readHostRoutes()));
  const t0 = performance.now();
  try {
    for (const line of plan.namespaces) await ipBatch([line]);
    for (const c of plan.configure) {
      for (const line of c.lines) await ipBatch([line], c.netns);
      for (const [k, v] of Object.entries(c.sysctls)) await sysctls(c.netns, { [k]: v });
    }
    return performance.now() - t0;
  } finally {
    await destroyTopology(cluster);
  }
}

function readFirst(sock: net.Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    sock.once('data', () => { sock.destroy(); resolve(); });
    sock.once('error', reject);
  });
}

async function perConnection(connect: () => Promise<net.Socket>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    const t0 = performance.now();
    await readFirst(await connect());
    times.push((performance.now() - t0) * 1000);
  }
  return times;
}

async function benchBroker(): Promise<void> {
  const ns = `knit-knb-${randomBytes(3).toString('hex')}-lan`;
  await run('ip', ['netns', 'add', ns]);
  const local = net.createServer((c) => c.end('hi\n'));
  await new Promise<void>((r) => local.listen(0, '127.0.0.1', r));
  const localPort = (local.address() as net.AddressInfo).port;
  const broker = await startNetnsBroker(ns);
  try {
    await ipBatch(['link set lo up'], ns);
    const remote = await startAnswerServer(ns, '127.0.0.1', 7000, 'x');
    try {
      // Warm both paths up first.
      await perConnection(() => broker.connectTcp('127.0.0.1', 7000)).catch(() => {});
      const direct = await perConnection(async () => net.connect(localPort, '127.0.0.1'));
      const brokered = await perConnection(() => broker.connectTcp('127.0.0.1', 7000));
      const d = median(direct);
      const b = median(brokered);
      console.log(`netns broker, connect + first reply, median of ${CONNECTIONS}:`);
      console.log(`  direct loopback connect   ${d.toFixed(0)} us`);
      console.log(`  through the broker        ${b.toFixed(0)} us   (overhead ${(b - d).toFixed(0)} us per connection, ratio ${(b / d).toFixed(2)})`);
    } finally {
      await remote.stop();
    }
  } finally {
    await broker.stop();
    local.close();
    await run('ip', ['netns', 'delete', ns]);
  }
}

async function main(): Promise<void> {
  const batched: number[] = [];
  const single: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    batched.push(await timeBatched());
    single.push(await timeOneByOne());
  }
  const b = median(batched);
  const s = median(single);
  console.log(`3-node topology, median of ${ROUNDS}:`);
  console.log(`  one process per command   ${s.toFixed(0)} ms`);
  console.log(`  createTopology (batched)  ${b.toFixed(0)} ms   (ratio ${(b / s).toFixed(2)}, ${(s / b).toFixed(1)}x faster)`);
  await benchBroker();
}

await main();
