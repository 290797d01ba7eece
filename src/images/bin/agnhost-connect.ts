// agnhost connect HOST:PORT: one connection attempt, as upstream's NetworkPolicy e2e tests probe
// with it (`/agnhost connect <ip>:<port> --timeout=1s --protocol=tcp|udp|sctp`). Success prints
// nothing and exits 0; a failure prints its kind first (TIMEOUT, REFUSED, DNS, OTHER, UNKNOWN) on
// stderr and exits 1. Over UDP it sends "<udp-data>\n" and succeeds only when an answer comes back.

import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { createConnection, isIP } from 'node:net';
import { tryParseGoDuration } from '../../common/go-duration.js';

export interface ConnectFlags {
  timeout: string;
  protocol: string;
  'udp-data': string;
  'sctp-data': string;
}

function die(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function tcp(dest: string, ip: string, port: number, timeoutMs: number): void {
  const conn = createConnection({ host: ip, port });
  const timer = timeoutMs > 0 ? setTimeout(() => { conn.destroy(); die('TIMEOUT'); }, timeoutMs) : undefined;
  conn.on('connect', () => { clearTimeout(timer); conn.end(); process.exit(0); });
  conn.on('error', (err: NodeJS.ErrnoException) => {
    clearTimeout(timer);
    if (err.code === 'ECONNREFUSED') die('REFUSED');
    if (err.code === 'ETIMEDOUT') die('TIMEOUT');
    die(`OTHER: dial tcp ${dest}: ${err.message}`);
  });
}

function udp(dest: string, ip: string, port: number, timeoutMs: number, data: string): void {
  const socket = createSocket(isIP(ip) === 6 ? 'udp6' : 'udp4');
  let local = '';
  let connected = false;
  const timer = timeoutMs > 0 ? setTimeout(() => die(`TIMEOUT: read udp ${local}->${dest}: i/o timeout`), timeoutMs) : undefined;
  socket.on('message', (msg) => {
    clearTimeout(timer);
    if (msg.length === 0) die('OTHER: No data received from the server. Cannot guarantee the server received the request.');
    process.exit(0);
  });
  // A connected UDP socket hears the ICMP port unreachable as "connection refused".
  socket.on('error', (err: NodeJS.ErrnoException) => {
    clearTimeout(timer);
    if (!connected) die(`OTHER: dial udp ${dest}: connect: ${err.message}`);
    if (err.code === 'ECONNREFUSED') die(`REFUSED: read udp ${local}->${dest}: read: connection refused`);
    die(`UNKNOWN: ${err.message}`);
  });
  // The callback comes on failure too (the error event says why): only a connected socket sends.
  socket.connect(port, ip, () => {
    try {
      socket.remoteAddress();
    } catch {
      return;
    }
    connected = true;
    const a = socket.address();
    local = `${a.address}:${a.port}`;
    socket.send(`${data}\n`);
  });
}

export async function connect(flags: ConnectFlags, args: string[]): Promise<void> {
  if (args.length !== 1) die(`Error: accepts 1 arg(s), received ${args.length}`);
  const dest = args[0];
  const timeoutMs = tryParseGoDuration(flags.timeout) ?? 0;
  const protocol = flags.protocol || 'tcp';
  if (!['tcp', 'udp', 'sctp'].includes(protocol)) die(`Unsupported protocol\n${protocol}`);
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(dest);
  if (!m) die(`UNKNOWN: address ${dest}: missing port in address`);
  const host = m[1] ?? m[2];
  let ip = host;
  if (!isIP(host)) {
    try { ip = (await lookup(host)).address; } catch { die(`DNS: lookup ${host}: no such host`); }
  }
  const port = Number(m[3]);
  if (protocol === 'tcp') return tcp(dest, ip, port, timeoutMs);
  if (protocol === 'udp') return udp(dest, ip, port, timeoutMs, flags['udp-data']);
  // Node.js has no SCTP sockets (and this machine's kernel has no SCTP): the dial fails as Go's would.
  die(`OTHER: dial sctp ${dest}: socket: protocol not supported`);
}
