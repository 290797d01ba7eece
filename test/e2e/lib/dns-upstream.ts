// A tiny DNS resolver for the DNS tests to forward to, run by `node` inside a pod (see
// upstreamPod in dns.ts): UDP and TCP on port 53, A records from the table given as the first
// argument (JSON: name -> IPv4 address, names case-insensitive), NODATA for other types of those
// names, NXDOMAIN for the rest. It prints "query <name> <TYPE> <proto> <client>" for each question,
// so a test reads from `kubectl logs` what reached the upstream (and what a cache kept back).
// It runs until the pod is deleted (SIGTERM ends it).

import dgram from 'node:dgram';
import net from 'node:net';
import { typeName } from '../../../src/dns/wire/constants.js';
import { decodeMessage } from '../../../src/dns/wire/decode.js';
import { encodeMessage } from '../../../src/dns/wire/encode.js';
import type { Message } from '../../../src/dns/wire/types.js';

const table = new Map(Object.entries(JSON.parse(process.argv[2] ?? '{}') as Record<string, string>)
  .map(([name, ip]) => [(name.endsWith('.') ? name : `${name}.`).toLowerCase(), ip]));
const SOA = { name: 'test.', type: 6 as const, class: 1, ttl: 60, mname: 'ns.test.', rname: 'hostmaster.test.', serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: 60 };

function answer(packet: Buffer, proto: 'udp' | 'tcp', client: string): Buffer | null {
  let q: Message;
  try { q = decodeMessage(packet); } catch { return null; }
  const question = q.questions[0];
  if (!question) return null;
  process.stdout.write(`query ${question.name.toLowerCase()} ${typeName(question.type)} ${proto} ${client}\n`);
  const ip = table.get(question.name.toLowerCase());
  const reply: Message = {
    ...q, qr: true, aa: true, ra: true, rcode: ip === undefined ? 3 : 0, answers: [], authorities: [], additionals: [],
    edns: q.edns ? { udpSize: 1232, version: 0, dnssecOk: false, options: [] } : undefined,
  };
  if (ip !== undefined && question.type === 1) reply.answers = [{ name: question.name, type: 1, class: 1, ttl: 300, address: ip }];
  else reply.authorities = [SOA];
  return encodeMessage(reply, { maxSize: proto === 'udp' ? 512 : 65535 });
}

const udp = dgram.createSocket('udp4');
udp.on('message', (m, from) => {
  const out = answer(m, 'udp', from.address);
  if (out) udp.send(out, from.port, from.address);
});
udp.bind(53, '0.0.0.0');

const tcp = net.createServer((conn) => {
  let buf = Buffer.alloc(0);
  conn.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      const out = answer(buf.subarray(2, 2 + buf.readUInt16BE(0)), 'tcp', conn.remoteAddress ?? '');
      buf = buf.subarray(2 + buf.readUInt16BE(0));
      if (!out) continue;
      const len = Buffer.alloc(2);
      len.writeUInt16BE(out.length);
      conn.write(Buffer.concat([len, out]));
    }
  });
  conn.on('error', () => conn.destroy());
});
tcp.listen(53, '0.0.0.0');

process.once('SIGTERM', () => {
  udp.close();
  tcp.close();
  process.exit(0);
});
