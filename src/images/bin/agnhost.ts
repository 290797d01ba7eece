// agnhost (registry.k8s.io/e2e-test-images/agnhost:2.x): the Kubernetes e2e test helper, with the
// subcommands knit's users meet: netexec, serve-hostname, porter, pause, liveness, connect,
// dns-suffix, dns-server-list, etc-hosts.

import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { FlagError, bindUdp, goAddr, goFatal, goLog, parseFlags, podHostname } from './common.js';
import { formatGoDuration } from '../../common/go-duration.js';
import { connect, type ConnectFlags } from './agnhost-connect.js';
import { netexec } from './agnhost-netexec.js';
import { porter } from './agnhost-porter.js';

type Flags = Parameters<typeof parseFlags>[1];

/**
 * cobra's flag parsing: flags may come before or after the arguments; an unknown flag is an error
 * printed as "Error: unknown flag: --x".
 */
function flagsOf(argv: string[], spec: Flags) {
  try {
    return parseFlags(argv, spec, { interspersed: true });
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    const name = /-(\S+)$/.exec(err.message)?.[1] ?? '';
    process.stderr.write(err.message.startsWith('flag provided') ? `Error: unknown flag: --${name}\n` : `Error: ${err.message}\n`);
    process.exit(1);
  }
}

function serveHostname(argv: string[]): void {
  const { flags } = flagsOf(argv, {
    tcp: { kind: 'bool', default: false },
    udp: { kind: 'bool', default: false },
    http: { kind: 'bool', default: true },
    close: { kind: 'bool', default: false },
    port: { kind: 'int', default: 9376 },
  });
  if (flags.http && (flags.tcp || flags.udp)) goFatal("Can't server TCP/UDP mode and HTTP mode at the same time");
  const port = flags.port as number;
  const name = podHostname();
  if (flags.tcp) {
    createTcpServer((conn) => {
      goLog(`TCP request from ${goAddr(conn.remoteAddress, conn.remotePort)}`);
      conn.end(name);
    }).on('error', (err) => goFatal(`Error from net.Listen(): ${err.message}`)).listen(port);
  }
  if (flags.udp) {
    bindUdp(port, (_msg, rinfo, socket) => {
      goLog(`UDP request from ${goAddr(rinfo.address, rinfo.port)}`);
      socket.send(name, rinfo.port, rinfo.address);
    }).catch((err: Error) => goFatal(`Error from ListenUDP(): ${err.message}`));
  }
  if (flags.http) {
    createHttpServer((req, res) => {
      goLog(`HTTP request from ${goAddr(req.socket.remoteAddress, req.socket.remotePort)}`);
      if (flags.close) res.setHeader('Connection', 'close');
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(name);
    }).on('error', (err) => goFatal(err.message)).listen(port);
  }
  goLog(`Serving on port ${port}.`);
  process.once('SIGTERM', () => {
    goLog('Shutting down after receiving signal: terminated.');
    goLog('Awaiting pod deletion.');
    setTimeout(() => process.exit(0), 60_000);
  });
}

function pause(): void {
  process.stdout.write('Paused\n');
  // Keeps the event loop alive until a signal ends the process.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const exit = (code: number) => () => {
    clearInterval(keepAlive);
    process.exit(code);
  };
  process.once('SIGINT', exit(1));
  process.once('SIGTERM', exit(2));
}

function liveness(): void {
  const started = Date.now();
  createHttpServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const elapsed = Date.now() - started;
    if (path === '/started') return void res.writeHead(200).end(formatGoDuration(elapsed));
    if (path === '/healthz') {
      if (elapsed > 10_000) return void res.writeHead(500).end(`error: ${elapsed / 1000}`);
      return void res.writeHead(200).end('ok');
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
  }).on('error', (err) => goFatal(err.message)).listen(8080);
}

function resolvConfField(field: 'search' | 'nameserver'): string[] {
  const lines = readFileSync('/etc/resolv.conf', 'utf8').split('\n').map((l) => l.trim().split(/\s+/));
  if (field === 'search') return lines.filter((f) => f[0] === 'search').flatMap((f) => f.slice(1));
  return lines.filter((f) => f[0] === 'nameserver' && f[1]).map((f) => f[1]);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'netexec': {
      const { flags } = flagsOf(rest, { 'http-port': { kind: 'int', default: 8080 }, 'udp-port': { kind: 'int', default: 8081 } });
      return netexec(flags as { 'http-port': number; 'udp-port': number });
    }
    case 'serve-hostname': return serveHostname(rest);
    case 'pause': return pause();
    case 'liveness': return liveness();
    case 'connect': {
      const { flags, args } = flagsOf(rest, {
        timeout: { kind: 'string', default: '0s' }, protocol: { kind: 'string', default: 'tcp' },
        'udp-data': { kind: 'string', default: 'hostname' }, 'sctp-data': { kind: 'string', default: 'hostname' },
      });
      return connect(flags as unknown as ConnectFlags, args);
    }
    case 'porter':
      flagsOf(rest, { 'json-response': { kind: 'bool', default: false } });
      return porter();
    case 'dns-suffix': return void process.stdout.write(`${resolvConfField('search').join(',')}\n`);
    case 'dns-server-list': return void process.stdout.write(`${resolvConfField('nameserver').join(',')}\n`);
    case 'etc-hosts': return void process.stdout.write(readFileSync('/etc/hosts', 'utf8'));
    case undefined:
      process.stdout.write('Usage:\n  app [command]\n\nAvailable Commands:\n  connect, dns-server-list, dns-suffix, etc-hosts, liveness, netexec, pause, porter, serve-hostname\n');
      return;
    default:
      process.stderr.write(`Error: unknown command ${JSON.stringify(command)} for "app"\nRun 'app --help' for usage.\n`);
      process.exit(1);
  }
}

await main(process.argv.slice(2));
