// Packets the kernel logs to an NFLOG group (nftables `log group N`), read with Debian's ulogd2:
// ulogd binds the group in the network namespace, decodes each packet and writes it as a JSON
// line to a unix socket this module listens on. ulogd is a well-kept reader of NFLOG; writing a
// netlink client by hand would be the alternative. One reader per group and namespace.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { OwnedProcess, spawnInNetns } from './netns.js';
import { PlatformError } from './run.js';

export interface NflogRecord {
  /** When the kernel logged the packet (ms since the epoch). */
  at: number;
  prefix: string;
  /** IP protocol number: 6 TCP, 17 UDP, 132 SCTP, 1 ICMP. */
  protocol: number;
  srcIp: string;
  dstIp: string;
  srcPort?: number;
  dstPort?: number;
}

export interface NflogReaderOptions {
  group: number;
  /** A directory the reader may use for ulogd's configuration and socket. */
  dir: string;
  /** Read the group in this named namespace (default: the current one). */
  netns?: string;
  onRecord(r: NflogRecord): void;
  /** ulogd's own complaints and exits. */
  onError(message: string): void;
}

export interface NflogReader {
  stop(): Promise<void>;
}

/** Where Debian keeps ulogd's plugins (the multiarch directory), or undefined without ulogd2-json. */
function pluginDir(): string | undefined {
  for (const lib of ['/usr/lib', '/usr/lib64']) {
    const dirs = existsSync(lib) ? readdirSync(lib).map((d) => join(lib, d, 'ulogd')) : [];
    for (const dir of [join(lib, 'ulogd'), ...dirs]) if (existsSync(join(dir, 'ulogd_output_JSON.so'))) return dir;
  }
  return undefined;
}

function config(plugins: string, group: number, dir: string, socket: string): string {
  return [
    '[global]',
    `logfile="${join(dir, 'ulogd.log')}"`,
    'loglevel=5',
    ...['inppkt_NFLOG', 'raw2packet_BASE', 'filter_IP2STR', 'output_JSON'].map((p) => `plugin="${plugins}/ulogd_${p}.so"`),
    'stack=log1:NFLOG,base1:BASE,ip2str1:IP2STR,json1:JSON',
    '[log1]',
    `group=${group}`,
    // Hand each packet over at once instead of batching them for a second.
    'netlink_qthreshold=1',
    '[json1]',
    'sync=1',
    'mode="unix"',
    `file="${socket}"`,
    '',
  ].join('\n');
}

function parse(line: string): NflogRecord | undefined {
  try {
    const j = JSON.parse(line) as Record<string, unknown>;
    const num = (k: string) => (typeof j[k] === 'number' ? (j[k] as number) : undefined);
    if (typeof j.src_ip !== 'string' || typeof j.dest_ip !== 'string') return undefined;
    const sec = num('oob.time.sec');
    return {
      at: sec !== undefined ? sec * 1000 + Math.floor((num('oob.time.usec') ?? 0) / 1000) : Date.now(),
      prefix: typeof j['oob.prefix'] === 'string' ? j['oob.prefix'] : '',
      protocol: num('ip.protocol') ?? 0,
      srcIp: j.src_ip, dstIp: j.dest_ip,
      srcPort: num('src_port'), dstPort: num('dest_port'),
    };
  } catch {
    return undefined;
  }
}

/** Starts ulogd on the group and calls onRecord for every packet it logs. */
export async function startNflogReader(o: NflogReaderOptions): Promise<NflogReader> {
  const plugins = pluginDir();
  if (!plugins) {
    throw new PlatformError({
      command: 'ulogd', netns: o.netns, exitCode: null, stderr: '',
      detail: 'ulogd2 with its JSON output plugin is not installed', hint: 'install it: apt-get install ulogd2 ulogd2-json',
    });
  }
  mkdirSync(o.dir, { recursive: true });
  const socket = join(o.dir, `nflog-${o.group}.sock`);
  const conf = join(o.dir, `ulogd-${o.group}.conf`);
  rmSync(socket, { force: true });
  writeFileSync(conf, config(plugins, o.group, o.dir, socket));

  const connections = new Set<Socket>();
  const server: Server = createServer((conn) => {
    connections.add(conn);
    conn.on('close', () => connections.delete(conn));
    conn.on('error', () => undefined);
    createInterface({ input: conn }).on('line', (line) => {
      const r = parse(line);
      if (r) o.onRecord(r);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });

  const args = ['-c', conf];
  const proc = o.netns
    ? spawnInNetns(o.netns, 'ulogd', args, { stdio: ['ignore', 'ignore', 'pipe'] })
    : new OwnedProcess(spawn('ulogd', args, { stdio: ['ignore', 'ignore', 'pipe'] }), false);
  proc.child.stderr?.on('data', (b: Buffer) => o.onError(b.toString().trim()));
  let stopping = false;
  void proc.exited.then((x) => {
    if (!stopping) o.onError(`ulogd exited (${x.code ?? x.signal}); see ${join(o.dir, 'ulogd.log')}`);
  });

  return {
    async stop() {
      stopping = true;
      await proc.stop(2000);
      for (const c of connections) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(socket, { force: true });
    },
  };
}
