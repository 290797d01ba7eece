// Bad input against a live DNS server, run by `node` inside a pod (see probe() in dns.ts):
// `node dns-probe.js <server> [port]`. It sends malformed and unusual packets, then a burst of
// random ones, then a plain query, and prints one JSON report: the rcode each case got (null when
// no reply came, as for packets that are not queries) and whether the server still answers.

import { randomBytes } from 'node:crypto';
import { rcodeName, RRType } from '../../../src/dns/wire/constants.js';
import { decodeHeader, decodeMessage } from '../../../src/dns/wire/decode.js';
import { encodeMessage } from '../../../src/dns/wire/encode.js';
import { query, tcpExchange, udpExchange } from '../../../src/dns/testing.js';

export interface ProbeReport {
  cases: Record<string, string | null>;
  /** The replies to the random packets that were not well-formed responses to their query's ID. */
  badReplies: number;
  /** The answer to `kubernetes.default.svc.cluster.local A` after everything else. */
  after: { rcode: string; addresses: string[] };
}

const [server, portText] = process.argv.slice(2);
const port = Number(portText ?? 53);
const NAME = 'kubernetes.default.svc.cluster.local.';
const RANDOM_PACKETS = 300;

function rcodeOf(reply: Buffer): string {
  try {
    return rcodeName(decodeMessage(reply).rcode);
  } catch {
    return rcodeName(reply.readUInt16BE(2) & 0xf);
  }
}

async function udp(packet: Buffer): Promise<string | null> {
  try {
    return rcodeOf(await udpExchange(port, packet, 2000, server));
  } catch {
    return null; // no reply
  }
}

async function tcp(packet: Buffer): Promise<string | null> {
  try {
    return rcodeOf((await tcpExchange(port, [packet], server))[0]);
  } catch {
    return null;
  }
}

function withHeader(packet: Buffer, edit: (b: Buffer) => void): Buffer {
  const b = Buffer.from(packet);
  edit(b);
  return b;
}

async function main(): Promise<void> {
  const plain = encodeMessage(query(NAME, RRType.A));
  const cases: Record<string, string | null> = {};
  cases['shorter than a header'] = await udp(plain.subarray(0, 7));
  cases['a response, not a query'] = await udp(withHeader(plain, (b) => { b[2] |= 0x80; }));
  cases['question cut short'] = await udp(plain.subarray(0, plain.length - 3));
  cases['label running past the end'] = await udp(Buffer.concat([plain.subarray(0, 12), Buffer.from([63, 0x61, 0x62, 0x63])]));
  cases['compression pointer loop'] = await udp(Buffer.concat([plain.subarray(0, 12), Buffer.from([0xc0, 12, 0, 1, 0, 1])]));
  cases['two questions'] = await udp(withHeader(plain, (b) => b.writeUInt16BE(2, 4)));
  cases['opcode STATUS'] = await udp(withHeader(plain, (b) => { b[2] = (b[2] & 0x87) | (2 << 3); }));
  cases['opcode NOTIFY'] = await udp(withHeader(plain, (b) => { b[2] = (b[2] & 0x87) | (4 << 3); }));
  cases['opcode UPDATE'] = await udp(withHeader(plain, (b) => { b[2] = (b[2] & 0x87) | (5 << 3); }));
  cases['class CHAOS'] = await udp(encodeMessage(query(NAME, RRType.A, { cls: 3 })));
  cases['class 77'] = await udp(encodeMessage(query(NAME, RRType.A, { cls: 77 })));
  cases['unknown type 65280'] = await udp(encodeMessage(query(NAME, 65280)));
  cases['EDNS version 1'] = await udp(encodeMessage(query(NAME, RRType.A, { edns: { version: 1 } })));
  const oversize = encodeMessage(query(NAME, RRType.A, { edns: { options: [{ code: 12, data: Buffer.alloc(6000) }] } }));
  cases['oversize query over UDP'] = await udp(oversize);
  cases['oversize query over TCP'] = await tcp(oversize);

  let badReplies = 0;
  for (let i = 0; i < RANDOM_PACKETS; i++) {
    const packet = i % 2 ? randomBytes(12 + (i % 60)) : withHeader(plain, (b) => { for (let k = 0; k < 3; k++) b[(i * 7 + k * 13) % b.length] ^= 1 << (i % 8); });
    packet[2] &= 0x7f; // a query, so the server answers whatever it can
    let reply: Buffer;
    try { reply = await udpExchange(port, packet, 500, server); } catch { continue; }
    const h = decodeHeader(reply);
    if (!h || !h.qr || h.id !== packet.readUInt16BE(0)) badReplies++;
  }

  const last = decodeMessage(await udpExchange(port, plain, 5000, server));
  const addresses = last.answers.map((rr) => (rr as { address?: string }).address ?? '').filter(Boolean);
  const report: ProbeReport = { cases, badReplies, after: { rcode: rcodeName(last.rcode), addresses } };
  process.stdout.write(JSON.stringify(report) + '\n');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
