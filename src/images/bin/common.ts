// Helpers shared by the built-in image programs: Go-style command-line flags and log lines, so that
// the programs read their arguments and write their logs as their upstream Go binaries do.

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { hostname } from 'node:os';

export type FlagKind = 'string' | 'int' | 'bool';
export type FlagValues = Record<string, string | number | boolean>;

export class FlagError extends Error {}

/**
 * Parses `-name value`, `-name=value`, `--name value`, `--name=value` and bare booleans, stopping at
 * the first non-flag (or, interspersed, reading flags after arguments too) or `--`. Unknown flags
 * and bad values throw FlagError with Go's wording.
 */
export function parseFlags(argv: string[], spec: Record<string, { kind: FlagKind; default: string | number | boolean }>, opts: { interspersed?: boolean } = {}): { flags: FlagValues; args: string[] } {
  const flags: FlagValues = Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, v.default]));
  const args: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') { i++; break; }
    if (!arg.startsWith('-') || arg === '-') {
      // Go's flag package stops at the first argument; cobra's (pflag) reads flags after it too.
      if (!opts.interspersed) break;
      args.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const def = spec[name];
    if (!def) throw new FlagError(`flag provided but not defined: -${name}`);
    let value: string;
    if (eq >= 0) value = body.slice(eq + 1);
    else if (def.kind === 'bool') value = 'true';
    else if (i + 1 < argv.length) value = argv[++i];
    else throw new FlagError(`flag needs an argument: -${name}`);
    if (def.kind === 'int') {
      if (!/^[+-]?\d+$/.test(value)) throw new FlagError(`invalid value ${JSON.stringify(value)} for flag -${name}: parse error`);
      flags[name] = Number(value);
    } else if (def.kind === 'bool') {
      if (!/^(1|0|t|f|true|false|TRUE|FALSE|True|False)$/.test(value)) throw new FlagError(`invalid boolean value ${JSON.stringify(value)} for -${name}: parse error`);
      flags[name] = /^(1|t|true)$/i.test(value);
    } else {
      flags[name] = value;
    }
  }
  return { flags, args: [...args, ...argv.slice(i)] };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Go's log package timestamp: "2006/01/02 15:04:05" in local time. */
export function goLogTime(d = new Date()): string {
  return `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** log.Printf: a timestamped line on stderr. */
export function goLog(message: string): void {
  process.stderr.write(`${goLogTime()} ${message.endsWith('\n') ? message : message + '\n'}`);
}

/** log.Fatalf: the line, then exit status 1. */
export function goFatal(message: string): never {
  goLog(message);
  process.exit(1);
}

/** os.Hostname(): the UTS name of the namespace the container runs in (the pod's hostname). */
export function podHostname(): string {
  return hostname();
}

/** An address as Go prints a net.Addr: IPv4-mapped IPv6 shown as IPv4, IPv6 in brackets. */
export function goAddr(ip: string | undefined, port: number | undefined): string {
  const host = (ip ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Binds a UDP socket on every address (IPv6 dual-stack, IPv4 alone where IPv6 is off). */
export async function bindUdp(port: number, onMessage: (msg: Buffer, rinfo: RemoteInfo, socket: Socket) => void): Promise<Socket> {
  const bind = (type: 'udp6' | 'udp4') => new Promise<Socket>((resolve, reject) => {
    const socket = createSocket({ type, ipv6Only: false });
    socket.once('error', reject);
    socket.on('message', (msg, rinfo) => onMessage(msg, rinfo, socket));
    socket.bind(port, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
  try {
    return await bind('udp6');
  } catch {
    return bind('udp4');
  }
}
