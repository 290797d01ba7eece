import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NetnsBroker } from '../platform/index.js';
import { DnsRelay, nameservers, nodeResolvConf } from './dnsrelay.js';

/** A broker that binds on the host's loopback: the relay's logic without a namespace. */
function loopbackBroker(ports: { udp?: number; tcp?: number }): NetnsBroker {
  return {
    netns: 'test',
    bindUdp: (host, port) => new Promise((resolve) => {
      const s = dgram.createSocket('udp4');
      s.bind(port, host, () => { ports.udp = s.address().port; resolve(s); });
    }),
    listenTcp: (host, port) => new Promise((resolve) => {
      const s = createServer();
      s.listen(port, host, () => { ports.tcp = (s.address() as AddressInfo).port; resolve(s); });
    }),
    connectTcp: () => Promise.reject(new Error('unused')),
    stop: async () => undefined,
  };
}

/** Answers every query with its own question and one flag set, so replies can be recognised. */
function stubResolver(): Promise<{ udp: dgram.Socket; tcp: Server; port: number; seen: number[] }> {
  const seen: number[] = [];
  const answer = (q: Buffer) => {
    seen.push(q.readUInt16BE(0));
    const r = Buffer.from(q);
    r[2] |= 0x80; // QR: a response
    return r;
  };
  return new Promise((resolve) => {
    const udp = dgram.createSocket('udp4');
    udp.on('message', (m, r) => udp.send(answer(m), r.port, r.address));
    udp.bind(0, '127.0.0.1', () => {
      const port = udp.address().port;
      const tcp = createServer((s) => s.on('data', (d) => {
        const len = d.readUInt16BE(0);
        const reply = answer(d.subarray(2, 2 + len));
        const framed = Buffer.alloc(2 + reply.length);
        framed.writeUInt16BE(reply.length, 0);
        reply.copy(framed, 2);
        s.write(framed);
      }));
      tcp.listen(port, '127.0.0.1', () => resolve({ udp, tcp, port, seen }));
    });
  });
}

const query = (id: number) => {
  const q = Buffer.alloc(17);
  q.writeUInt16BE(id, 0);
  q.writeUInt16BE(1, 4); // one question: the root, type A
  q[12] = 0; q.writeUInt16BE(1, 13); q.writeUInt16BE(1, 15);
  return q;
};

describe('DNS relay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'knit-dnsrelay-'));
  let stub: Awaited<ReturnType<typeof stubResolver>>;
  let relay: DnsRelay;
  const ports: { udp?: number; tcp?: number } = {};

  before(async () => {
    stub = await stubResolver();
    writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\nsearch example.test\n');
    relay = new DnsRelay(loopbackBroker(ports), '127.0.0.1', (ip) => ip === '127.0.0.1', () => undefined, join(dir, 'resolv.conf'), { listen: 0, upstream: stub.port });
    await relay.start();
  });
  after(async () => {
    await relay.stop();
    stub.udp.close();
    stub.tcp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('relays a UDP query to the host resolver and answers with the client\'s own id', async () => {
    const client = dgram.createSocket('udp4');
    try {
      const reply = await new Promise<Buffer>((resolve) => {
        client.on('message', resolve);
        client.send(query(0x1234), ports.udp!, '127.0.0.1');
      });
      assert.equal(reply.readUInt16BE(0), 0x1234);
      assert.ok(reply[2] & 0x80, 'a response');
      assert.notEqual(stub.seen.at(-1), undefined);
    } finally {
      client.close();
    }
  });

  it('relays TCP queries as they are', async () => {
    const s = connect(ports.tcp!, '127.0.0.1');
    try {
      const reply = await new Promise<Buffer>((resolve) => {
        s.once('data', resolve);
        const q = query(0x4321);
        const framed = Buffer.alloc(2 + q.length);
        framed.writeUInt16BE(q.length, 0);
        q.copy(framed, 2);
        s.write(framed);
      });
      assert.equal(reply.readUInt16BE(2), 0x4321);
    } finally {
      s.destroy();
    }
  });

  it('writes nodes a resolv.conf naming the gateway and keeping the host\'s search list', () => {
    assert.equal(nodeResolvConf('nameserver 10.0.0.2\nsearch corp.example\noptions edns0\n', '192.168.1.1'), 'nameserver 192.168.1.1\nsearch corp.example\noptions edns0\n');
    assert.deepEqual(nameservers('# c\nnameserver 127.0.0.53\nnameserver ::1\nnameserver 10.1.1.1\n'), ['127.0.0.53', '10.1.1.1']);
  });
});
