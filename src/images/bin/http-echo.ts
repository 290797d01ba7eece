// hashicorp/http-echo 1.0: answers every path with -text (or $ECHO_TEXT) and -status-code, /health
// with {"status":"ok"}; logs each request on stdout; exits 2 after SIGTERM/SIGINT.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { FlagError, goAddr, goFatal, goLog, goLogTime, parseFlags } from './common.js';

const VERSION = '1.0.0';

function main(argv: string[]): void {
  let parsed;
  try {
    parsed = parseFlags(argv, {
      listen: { kind: 'string', default: ':5678' },
      text: { kind: 'string', default: '' },
      version: { kind: 'bool', default: false },
      'status-code': { kind: 'int', default: 200 },
    });
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    process.stderr.write(`${err.message}\nUsage of /http-echo:\n`);
    process.exit(2);
  }
  const { flags, args } = parsed;
  if (flags.version) {
    process.stdout.write(`http-echo v${VERSION}\n`);
    process.exit(0);
  }
  const text = (flags.text as string) || process.env.ECHO_TEXT || '';
  if (text === '') {
    process.stderr.write('Missing -text option or ECHO_TEXT env var!\n');
    process.exit(127);
  }
  if (args.length > 0) {
    process.stderr.write('Too many arguments!\n');
    process.exit(127);
  }
  const status = flags['status-code'] as number;
  const listen = flags.listen as string;
  const colon = listen.lastIndexOf(':');
  const host = colon > 0 ? listen.slice(0, colon).replace(/^\[|\]$/g, '') : undefined;
  const port = Number(listen.slice(colon + 1));

  const reply = (res: ServerResponse, code: number, body: string) => {
    res.setHeader('X-App-Name', 'http-echo');
    res.setHeader('X-App-Version', VERSION);
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.writeHead(code);
    res.end(body);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') return reply(res, 200, '{"status":"ok"}\n');
    const start = process.hrtime.bigint();
    const body = `${text}\n`;
    reply(res, status, body);
    const micros = Number(process.hrtime.bigint() - start) / 1000;
    // handlers.go's access line: date host remote "method path proto" status length "user-agent" duration
    process.stdout.write(`${goLogTime()} ${req.headers.host ?? ''} ${goAddr(req.socket.remoteAddress, req.socket.remotePort)} "${req.method} ${path} HTTP/${req.httpVersion}" ${status} ${Buffer.byteLength(body)} "${req.headers['user-agent'] ?? ''}" ${micros.toFixed(3)}µs\n`);
  });
  server.on('error', (err) => goFatal(`[ERR] server exited with: listen tcp ${listen}: ${err.message}`));
  server.listen({ port, host }, () => goLog(`[INFO] server is listening on ${listen}`));

  const shutdown = () => {
    goLog('[INFO] received interrupt, shutting down...');
    server.close(() => process.exit(2));
    server.closeAllConnections();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main(process.argv.slice(2));
