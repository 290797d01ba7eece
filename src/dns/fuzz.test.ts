// The server never crashes: random bytes and mutated real queries, a bounded number of each,
// fed to the query handler directly and then over real UDP and TCP sockets. Every reply must be
// a well-formed response to the query's ID, and the server must still answer afterwards.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import fc from 'fast-check';
import { ClusterModel } from './cluster-model.js';
import { DnsServer } from './dns-server.js';
import { silentLogger } from './log.js';
import type { RequestInfo } from './query-handler.js';
import { ask, clusterIPService, endpointSlice, externalNameService, headlessService, query, StubUpstream } from './testing.js';
import { RRType } from './wire/constants.js';
import { decodeHeader, decodeMessage } from './wire/decode.js';
import { encodeMessage } from './wire/encode.js';

const SEED = Number(process.env.KNIT_FUZZ_SEED ?? 20240611);
const MUTATIONS = 20_000;

/** A small deterministic PRNG (mulberry32), so a failure can be replayed with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS: Buffer[] = [
  encodeMessage(query('backend.default.svc.cluster.local.', RRType.A)),
  encodeMessage(query('_http._tcp.web.default.svc.cluster.local.', RRType.SRV, { edns: { udpSize: 4096, dnssecOk: true } })),
  encodeMessage(query('5.1.244.10.in-addr.arpa.', RRType.PTR, { edns: { options: [{ code: 10, data: Buffer.alloc(8, 7) }] } })),
  encodeMessage(query('database.default.svc.cluster.local.', RRType.AAAA)),
  encodeMessage(query('example.com.', RRType.MX)),
  encodeMessage({ ...query('www.example.com.', RRType.A), answers: [{ name: 'www.example.com.', type: 5, class: 1, ttl: 1, target: 'backend.default.svc.cluster.local.' }] }),
];

function mutate(seed: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(seed);
  const pick = (n: number): number => Math.floor(rnd() * n);
  switch (pick(7)) {
    case 0: for (let i = 0, n = 1 + pick(4); i < n; i++) b[pick(b.length)] ^= 1 << pick(8); return b;
    case 1: return b.subarray(0, pick(b.length + 1));
    case 2: { const at = pick(b.length); return Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + pick(8) }, () => pick(256))), b.subarray(at)]); }
    case 3: if (b.length >= 12) b.writeUInt16BE(pick(4), 4 + 2 * pick(4)); return b; // section counts
    case 4: { const at = 12 + pick(Math.max(1, b.length - 13)); if (at + 1 < b.length) { b[at] = 0xc0 | pick(64); b[at + 1] = pick(256); } return b; } // compression pointers
    case 5: if (b.length >= 4) { b[2] = pick(256); b[3] = pick(256); } return b; // flags, opcode, rcode
    default: return Buffer.concat([b, Buffer.from(Array.from({ length: pick(40) }, () => pick(256)))]);
  }
}

let model: ClusterModel;
let upstream: StubUpstream;
let server: DnsServer;
let port: number;
let handle: (p: Buffer, i: RequestInfo) => Buffer | null | Promise<Buffer | null>;

before(async () => {
  model = new ClusterModel();
  model.upsertNamespace({ metadata: { name: 'default' } });
  model.upsertService(clusterIPService('default', 'backend', '10.96.100.50', [{ name: 'http', port: 80 }]));
  model.upsertService(headlessService('default', 'web', [{ name: 'http', port: 80 }]));
  model.upsertEndpointSlice(endpointSlice('default', 'web', [{ ip: '10.244.1.5', hostname: 'web-0' }], [{ name: 'http', port: 80 }]));
  model.upsertService(externalNameService('default', 'database', 'db.example.com'));
  model.markSynced();
  upstream = await new StubUpstream().start();
  server = new DnsServer({
    model, logger: silentLogger, listen: { host: '127.0.0.1', dnsPort: 0 },
    corefile: `.:53 {\n kubernetes cluster.local in-addr.arpa {\n  pods insecure\n  fallthrough in-addr.arpa\n }\n forward . 127.0.0.1:${upstream.port}\n cache 30\n loadbalance\n log\n}`,
  });
  await server.start();
  port = server.dnsAddresses()[0].port;
  const h = (server as unknown as { handler: { handle: typeof handle } }).handler;
  handle = (p, i) => h.handle(p, i);
});

after(async () => {
  await server?.stop();
  await upstream?.close();
});

/** Runs one packet through the handler; fails the test on a throw or a malformed reply. */
async function check(packet: Buffer, what: string): Promise<void> {
  let out: Buffer | null;
  try {
    out = await handle(packet, { proto: 'udp', client: '127.0.0.1', clientPort: 5000, port: 53 });
  } catch (e) {
    assert.fail(`${what}: the handler threw ${(e as Error).stack}\npacket ${packet.toString('hex')}`);
  }
  if (out === null) return;
  const h = decodeHeader(out);
  assert.ok(h && h.qr, `${what}: reply without a response header for ${packet.toString('hex')}`);
  assert.equal(h.id, packet.readUInt16BE(0), `${what}: reply to another ID`);
  assert.doesNotThrow(() => decodeMessage(out), `${what}: malformed reply ${out.toString('hex')} to ${packet.toString('hex')}`);
  assert.ok(out.length <= 65535);
}

describe('fuzz', () => {
  it('random bytes never crash the handler', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 600 }), async (bytes) => {
      await check(Buffer.from(bytes), 'random');
    }), { numRuns: 5000, seed: SEED });
  });

  it(`${MUTATIONS} mutated queries never crash the handler (seed ${SEED})`, async () => {
    const rnd = prng(SEED);
    for (let i = 0; i < MUTATIONS; i++) {
      const seed = SEEDS[i % SEEDS.length];
      let p = seed;
      for (let k = 0, n = 1 + Math.floor(rnd() * 3); k < n; k++) p = mutate(p, rnd);
      if (p.length < 2) continue;
      await check(p, `mutation ${i}`);
    }
  });

  it('mutated packets over real UDP and TCP leave the server answering', async () => {
    const rnd = prng(SEED + 1);
    const udp = dgram.createSocket('udp4');
    udp.on('message', () => {});
    const tcp = net.connect({ host: '127.0.0.1', port });
    tcp.on('error', () => {});
    tcp.on('data', () => {});
    await new Promise<void>((r) => tcp.once('connect', () => r()));
    try {
      for (let i = 0; i < 2000; i++) {
        const p = mutate(SEEDS[i % SEEDS.length], rnd);
        udp.send(p, port, '127.0.0.1');
        if (!tcp.destroyed && p.length > 0) {
          const len = Buffer.alloc(2);
          len.writeUInt16BE(p.length);
          tcp.write(Buffer.concat([len, p]));
        }
      }
    } finally {
      await new Promise<void>((r) => udp.close(() => r()));
      tcp.destroy();
    }
    const r = await ask(port, query('backend.default.svc.cluster.local.', RRType.A));
    assert.equal(r.answers.length, 1);
    const t = await ask(port, query('backend.default.svc.cluster.local.', RRType.A), 'tcp');
    assert.equal(t.answers.length, 1);
  });
});
