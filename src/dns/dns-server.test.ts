// The whole server on loopback: UDP and TCP, truncation, EDNS0, malformed input, forwarding and
// caching against a resolver this test starts, refusing clients outside the cluster, the HTTP
// endpoints and applying a new Corefile.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { ClusterModel } from './cluster-model.js';
import { DnsServer } from './dns-server.js';
import { DnsListener } from './listeners.js';
import { silentLogger } from './log.js';
import { ask, clusterIPService, endpointSlice, externalNameService, headlessService, query, StubUpstream, tcpExchange, udpExchange } from './testing.js';
import { Rcode, RRType } from './wire/constants.js';
import { decodeMessage } from './wire/decode.js';
import { encodeMessage } from './wire/encode.js';
import type { Message } from './wire/types.js';

const corefile = (upstreamPort: number, ttl = 30): string => `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl ${ttl}
    }
    prometheus :9153
    forward . 127.0.0.1:${upstreamPort}
    cache 30
    loop
    reload
    loadbalance
}`;

let model: ClusterModel;
let upstream: StubUpstream;
let server: DnsServer;
let port: number;

const addresses = (m: Message): string[] => m.answers.map((rr) => (rr as { address?: string }).address ?? '').sort();

before(async () => {
  model = new ClusterModel();
  for (const ns of ['default', 'kube-system']) model.upsertNamespace({ metadata: { name: ns } });
  model.upsertService(clusterIPService('default', 'backend', '10.96.100.50', [{ name: 'http', port: 80 }]));
  model.upsertService(headlessService('default', 'big', [{ name: 'http', port: 80 }]));
  model.upsertEndpointSlice(endpointSlice('default', 'big', Array.from({ length: 60 }, (_, i) => ({ ip: `10.244.${1 + (i % 3)}.${10 + i}` })), [{ name: 'http', port: 80 }]));
  model.upsertService(externalNameService('default', 'database', 'db.example.com'));
  model.markSynced();

  upstream = await new StubUpstream().start();
  upstream.table.set('example.com. 1', { answers: [{ name: 'example.com.', type: 1, class: 1, ttl: 300, address: '93.184.216.34' }] });
  upstream.table.set('db.example.com. 1', { answers: [{ name: 'db.example.com.', type: 1, class: 1, ttl: 300, address: '192.0.2.44' }] });
  upstream.table.set('many.example.com. 1', { answers: Array.from({ length: 60 }, (_, i) => ({ name: 'many.example.com.', type: 1 as const, class: 1, ttl: 300, address: `198.51.100.${i}` })) });
  upstream.table.set('9.9.9.9.in-addr.arpa. 12', { answers: [{ name: '9.9.9.9.in-addr.arpa.', type: 12, class: 1, ttl: 300, target: 'dns9.quad9.net.' }] });

  server = new DnsServer({
    model, corefile: corefile(upstream.port), logger: silentLogger,
    listen: { host: '127.0.0.1', dnsPort: 0, healthPort: 0, readyPort: 0, metricsPort: 0 },
    clusterCIDRs: ['10.244.0.0/16'],
  });
  await server.start();
  port = server.dnsAddresses()[0].port;
});

after(async () => {
  await server?.stop({ lameduck: false });
  await upstream?.close();
});

describe('transport', () => {
  it('answers over UDP and TCP on the same port', async () => {
    for (const proto of ['udp', 'tcp'] as const) {
      const r = await ask(port, query('backend.default.svc.cluster.local.', RRType.A), proto);
      assert.equal(r.rcode, Rcode.NOERROR);
      assert.equal(r.aa, true);
      assert.equal(r.ra, false);
      assert.deepEqual(addresses(r), ['10.96.100.50']);
    }
  });

  it('answers several queries on one TCP connection', async () => {
    const qs = ['backend.default.svc.cluster.local.', 'nope.default.svc.cluster.local.', 'dns-version.cluster.local.'].map((n, i) => query(n, i === 2 ? RRType.TXT : RRType.A, { id: 100 + i }));
    const replies = (await tcpExchange(port, qs.map((q) => encodeMessage(q)))).map((b) => decodeMessage(b));
    const byId = new Map(replies.map((r) => [r.id, r]));
    assert.equal(byId.get(100)?.rcode, Rcode.NOERROR);
    assert.equal(byId.get(101)?.rcode, Rcode.NXDOMAIN);
    assert.deepEqual((byId.get(102)?.answers[0] as { texts: string[] }).texts, ['1.1.0']);
  });

  it('closes idle TCP connections', async () => {
    const l = new DnsListener({ host: '127.0.0.1', port: 0, handler: () => null, logger: silentLogger, tcpIdleMs: 50 });
    await l.start();
    try {
      const sock = net.connect({ host: '127.0.0.1', port: l.port });
      await new Promise<void>((resolve) => sock.on('close', () => resolve()));
    } finally {
      await l.close();
    }
  });
});

describe('size limits', () => {
  it('sets TC with what fits in 512 octets over UDP without EDNS0', async () => {
    const bytes = await udpExchange(port, encodeMessage(query('big.default.svc.cluster.local.', RRType.A)));
    assert.ok(bytes.length <= 512);
    const r = decodeMessage(bytes);
    assert.equal(r.tc, true);
    assert.ok(r.answers.length > 10 && r.answers.length < 60);
  });

  it('fits the EDNS0 size the client gives', async () => {
    const r = await ask(port, query('big.default.svc.cluster.local.', RRType.A, { edns: { udpSize: 4096 } }));
    assert.equal(r.tc, false);
    assert.equal(r.answers.length, 60);
    assert.equal(r.edns?.udpSize, 1232);
  });

  it('gives the whole answer over TCP', async () => {
    const r = await ask(port, query('big.default.svc.cluster.local.', RRType.A), 'tcp');
    assert.equal(r.tc, false);
    assert.equal(r.answers.length, 60);
  });

  it('echoes the DO bit', async () => {
    const r = await ask(port, query('backend.default.svc.cluster.local.', RRType.A, { edns: { dnssecOk: true } }));
    assert.equal(r.edns?.dnssecOk, true);
  });
});

describe('bad input', () => {
  it('FORMERR for a malformed body, keeping the ID', async () => {
    const bytes = Buffer.concat([Buffer.from('abcd01000001000000000000', 'hex'), Buffer.from([5, 0x61])]);
    const r = decodeMessage(await udpExchange(port, bytes));
    assert.equal(r.id, 0xabcd);
    assert.equal(r.qr, true);
    assert.equal(r.rcode, Rcode.FORMERR);
  });

  it('FORMERR for two questions', async () => {
    const m = query('a.', RRType.A);
    m.questions.push({ name: 'b.', type: 1, class: 1 });
    assert.equal((await ask(port, m)).rcode, Rcode.FORMERR);
  });

  it('no reply at all when not even a header arrived', async () => {
    const sockReply = udpExchange(port, Buffer.from('abcd01', 'hex'), 300);
    await assert.rejects(sockReply, /no UDP reply/);
  });

  it('NOTIMP for opcodes other than QUERY', async () => {
    for (const opcode of [2, 5, 15]) {
      const r = await ask(port, { ...query('backend.default.svc.cluster.local.', RRType.A), opcode });
      assert.equal(r.rcode, Rcode.NOTIMP, `opcode ${opcode}`);
      assert.equal(r.opcode, opcode);
    }
  });

  it('REFUSED for classes other than IN, as CoreDNS answers', async () => {
    for (const cls of [3, 4, 255]) {
      assert.equal((await ask(port, query('version.bind.', RRType.TXT, { cls }))).rcode, Rcode.REFUSED);
    }
  });

  it('BADVERS for EDNS versions other than 0', async () => {
    const r = await ask(port, query('backend.default.svc.cluster.local.', RRType.A, { edns: { version: 1 } }));
    assert.equal(r.rcode, Rcode.BADVERS);
  });

  it('REFUSED for an oversize query', async () => {
    const m = query('backend.default.svc.cluster.local.', RRType.A, { edns: { options: [{ code: 65001, data: Buffer.alloc(5000) }] } });
    assert.equal((await ask(port, m)).rcode, Rcode.REFUSED);
  });
});

describe('forwarding', () => {
  it('forwards names outside the cluster zone and serves repeats from the cache', async () => {
    const before = upstream.asked.filter((q) => q.name === 'example.com.').length;
    const r1 = await ask(port, query('example.com.', RRType.A));
    assert.deepEqual(addresses(r1), ['93.184.216.34']);
    assert.equal(r1.ra, true);
    assert.equal(r1.answers[0].ttl, 30, 'capped by cache 30');
    const r2 = await ask(port, query('EXAMPLE.com.', RRType.A));
    assert.deepEqual(addresses(r2), ['93.184.216.34']);
    assert.equal(r2.questions[0].name, 'EXAMPLE.com.');
    assert.equal(upstream.asked.filter((q) => q.name.toLowerCase() === 'example.com.').length, before + 1);
    assert.match(server.metrics.render(), /coredns_cache_hits_total\{server="dns:\/\/:53",type="success",zones="\.",view=""\} 1/);
  });

  it('caches NXDOMAIN from upstream (negative caching)', async () => {
    const r1 = await ask(port, query('nosuch.example.org.', RRType.A));
    assert.equal(r1.rcode, Rcode.NXDOMAIN);
    const r2 = await ask(port, query('nosuch.example.org.', RRType.A));
    assert.equal(r2.rcode, Rcode.NXDOMAIN);
    assert.equal(upstream.asked.filter((q) => q.name === 'nosuch.example.org.').length, 1);
  });

  it('retries over TCP when the upstream truncates', async () => {
    const r = await ask(port, query('many.example.com.', RRType.A), 'tcp');
    assert.equal(r.answers.length, 60);
    assert.deepEqual(upstream.asked.filter((q) => q.name === 'many.example.com.').map((q) => q.proto), ['tcp']);
    const u = await ask(port, query('many.example.com.', RRType.A, { edns: { udpSize: 4096 } }));
    assert.equal(u.answers.length, 60);
  });

  it('follows an ExternalName to its target upstream: CNAME then A', async () => {
    const r = await ask(port, query('database.default.svc.cluster.local.', RRType.A));
    assert.equal(r.aa, true);
    assert.deepEqual(r.answers.map((rr) => `${rr.name} ${rr.type}`), ['database.default.svc.cluster.local. 5', 'db.example.com. 1']);
    assert.deepEqual(addresses(r).filter(Boolean), ['192.0.2.44']);
  });

  it('keeps an ExternalName\'s CNAME when upstream fails on its target (as CoreDNS does)', async () => {
    model.upsertService(externalNameService('default', 'broken', 'broken.example.com'));
    upstream.table.set('broken.example.com. 1', { rcode: Rcode.SERVFAIL });
    try {
      const r = await ask(port, query('broken.default.svc.cluster.local.', RRType.A));
      assert.equal(r.rcode, Rcode.NOERROR);
      assert.deepEqual(r.answers.map((rr) => `${rr.name} ${rr.type} ${(rr as { target?: string }).target}`), ['broken.default.svc.cluster.local. 5 broken.example.com.']);
    } finally {
      model.deleteService('default', 'broken');
    }
  });

  it('passes PTRs of addresses outside the cluster to upstream (fallthrough)', async () => {
    const r = await ask(port, query('9.9.9.9.in-addr.arpa.', RRType.PTR));
    assert.deepEqual(r.answers.map((rr) => (rr as { target: string }).target), ['dns9.quad9.net.']);
    const svc = await ask(port, query('50.100.96.10.in-addr.arpa.', RRType.PTR));
    assert.deepEqual(svc.answers.map((rr) => (rr as { target: string }).target), ['backend.default.svc.cluster.local.']);
  });

  it('is no open resolver: REFUSED for clients outside the cluster, cluster names still answered', async () => {
    // the handler sees the client address a packet came from; outside addresses cannot reach loopback
    const handle = (server as unknown as { handler: { handle(p: Buffer, i: object): Buffer | Promise<Buffer> } }).handler;
    const from = { proto: 'udp', client: '203.0.113.9', clientPort: 5353, port: 53 };
    const ext = decodeMessage(await handle.handle(encodeMessage(query('example.com.', RRType.A)), from));
    assert.equal(ext.rcode, Rcode.REFUSED);
    const pod = decodeMessage(await handle.handle(encodeMessage(query('example.com.', RRType.A)), { ...from, client: '10.244.2.7' }));
    assert.equal(pod.rcode, Rcode.NOERROR);
    const svc = decodeMessage(await handle.handle(encodeMessage(query('backend.default.svc.cluster.local.', RRType.A)), from));
    assert.equal(svc.rcode, Rcode.NOERROR);
  });
});

describe('search paths (short and partial names)', () => {
  // what a pod's resolver does with ndots:5 and the ClusterFirst search list
  async function resolve(name: string): Promise<{ tried: string[]; answer?: Message }> {
    const search = ['default.svc.cluster.local.', 'svc.cluster.local.', 'cluster.local.'];
    const dots = name.split('.').length - 1;
    const candidates = name.endsWith('.') ? [name] : dots >= 5 ? [name + '.', ...search.map((s) => `${name}.${s}`)] : [...search.map((s) => `${name}.${s}`), name + '.'];
    const tried: string[] = [];
    for (const c of candidates) {
      tried.push(c);
      const r = await ask(port, query(c, RRType.A));
      if (r.rcode === Rcode.NOERROR && r.answers.length) return { tried, answer: r };
    }
    return { tried };
  }

  it('"backend" resolves on the first search domain', async () => {
    const r = await resolve('backend');
    assert.deepEqual(r.tried, ['backend.default.svc.cluster.local.']);
    assert.deepEqual(addresses(r.answer!), ['10.96.100.50']);
  });

  it('"backend.default" and "BACKEND.Default.svc" resolve after quick NXDOMAINs', async () => {
    const a = await resolve('backend.default');
    assert.deepEqual(a.tried, ['backend.default.default.svc.cluster.local.', 'backend.default.svc.cluster.local.']);
    const b = await resolve('BACKEND.Default.svc');
    assert.equal(b.tried.length, 3);
    assert.equal(b.answer?.answers[0].name, 'BACKEND.Default.svc.cluster.local.');
  });

  it('"example.com" walks the search list, then goes upstream', async () => {
    const r = await resolve('example.com');
    assert.equal(r.tried.length, 4);
    assert.deepEqual(addresses(r.answer!), ['93.184.216.34']);
  });
});

describe('HTTP endpoints', () => {
  const get = async (which: 'health' | 'ready' | 'metrics', path: string) => {
    const res = await fetch(`http://127.0.0.1:${server.httpPort(which)}${path}`);
    return { status: res.status, body: await res.text() };
  };

  it('health answers OK', async () => {
    assert.deepEqual(await get('health', '/health'), { status: 200, body: 'OK' });
  });

  it('ready answers 200 only once the model has synced', async () => {
    const fresh = new ClusterModel();
    const s = new DnsServer({ model: fresh, corefile: '.:53 {\n ready\n kubernetes cluster.local\n}', logger: silentLogger, listen: { host: '127.0.0.1', dnsPort: 0, readyPort: 0 } });
    await s.start();
    try {
      const url = `http://127.0.0.1:${s.httpPort('ready')}/ready`;
      assert.equal((await fetch(url)).status, 503);
      fresh.markSynced();
      assert.equal((await fetch(url)).status, 200);
    } finally {
      await s.stop();
    }
  });

  it("metrics carry CoreDNS's names and labels", async () => {
    const { status, body } = await get('metrics', '/metrics');
    assert.equal(status, 200);
    assert.match(body, /coredns_dns_requests_total\{server="dns:\/\/:53",zone="\.",view="",proto="udp",family="1",type="A"\} \d+/);
    assert.match(body, /coredns_dns_responses_total\{server="dns:\/\/:53",zone="\.",view="",rcode="NXDOMAIN",plugin="kubernetes"\} \d+/);
    assert.match(body, /coredns_dns_request_duration_seconds_bucket\{server="dns:\/\/:53",zone="\.",view="",type="A",le="0.00025"\} \d+/);
    assert.match(body, /coredns_cache_misses_total/);
    assert.match(body, /coredns_proxy_request_duration_seconds_count\{proxy_name="forward",to="127.0.0.1:\d+",rcode="NOERROR"\} \d+/);
  });
});

describe('configuration changes', () => {
  it('applies a new Corefile without a restart, and keeps the old one when the new one is bad', async () => {
    await server.applyCorefile(corefile(upstream.port, 7));
    assert.equal(server.dnsAddresses()[0].port, port);
    assert.equal((await ask(port, query('backend.default.svc.cluster.local.', RRType.A))).answers[0].ttl, 7);
    await assert.rejects(server.applyCorefile('.:53 {\n kubernetes cluster.local {\n  pods maybe\n }\n}'), /Corefile:3/);
    assert.equal((await ask(port, query('backend.default.svc.cluster.local.', RRType.A))).answers[0].ttl, 7);
    assert.match(server.metrics.render(), /coredns_reload_failed_total 1/);
    await server.applyCorefile(corefile(upstream.port, 30));
  });

  it('drops the cache with the forwarder it fronts: a new upstream answers at once', async () => {
    await ask(port, query('example.com.', RRType.A)); // cached from the first upstream
    const other = await new StubUpstream().start();
    other.table.set('example.com. 1', { answers: [{ name: 'example.com.', type: 1, class: 1, ttl: 300, address: '192.0.2.99' }] });
    try {
      await server.applyCorefile(corefile(other.port));
      assert.deepEqual(addresses(await ask(port, query('example.com.', RRType.A))), ['192.0.2.99']);
    } finally {
      await server.applyCorefile(corefile(upstream.port));
      await other.close();
    }
  });

  it('takes new client ranges for forwarding without a restart', async () => {
    const handle = (server as unknown as { handler: { handle(p: Buffer, i: object): Buffer | Promise<Buffer> } }).handler;
    const from = (client: string) => ({ proto: 'udp', client, clientPort: 5353, port: 53 });
    const rcode = async (client: string) => decodeMessage(await handle.handle(encodeMessage(query('example.com.', RRType.A)), from(client))).rcode;
    try {
      server.setClientRanges(['10.244.0.0/16', '192.168.1.10/32']);
      assert.equal(await rcode('192.168.1.10'), Rcode.NOERROR);
      assert.equal(await rcode('192.168.1.200'), Rcode.REFUSED);
      assert.equal(await rcode('127.0.0.1'), Rcode.NOERROR, 'loopback stays allowed');
    } finally {
      server.setClientRanges(['10.244.0.0/16']);
    }
    assert.equal(await rcode('192.168.1.10'), Rcode.REFUSED);
  });

  it('says whether pods are needed (`pods verified`)', async () => {
    assert.equal(server.podsVerified(), false);
    try {
      await server.applyCorefile(corefile(upstream.port).replace('pods insecure', 'pods verified'));
      assert.equal(server.podsVerified(), true);
    } finally {
      await server.applyCorefile(corefile(upstream.port));
    }
    assert.equal(server.podsVerified(), false);
  });

  it('refuses to forward to itself', async () => {
    await assert.rejects(server.applyCorefile(`.:53 {\n forward . 127.0.0.1:${port}\n}`), /this server itself: queries would loop/);
  });
});
