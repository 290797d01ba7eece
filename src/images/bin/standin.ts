// The stand-in for an image knit does not know (e.g. myapp:v1): answers on every declared container
// port with the pod's name. TCP clients that speak HTTP get an HTTP 200 answer, others the bare
// name; every UDP datagram gets the name back. Exits 0 on SIGTERM.

import { createServer, type Socket } from 'node:net';
import { bindUdp, goAddr } from './common.js';

const HTTP_REQUEST = /^(GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS|CONNECT|TRACE) \S+ HTTP\/\d/;
const SNIFF_MS = 300;

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} knit stand-in: ${message}\n`);
}

function answerTcp(conn: Socket, name: string): void {
  let buffered = '';
  const bare = () => conn.end(`${name}\n`);
  const timer = setTimeout(bare, SNIFF_MS);
  conn.on('error', () => clearTimeout(timer));
  conn.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    if (!buffered.includes('\r\n\r\n') && buffered.length < 8192 && HTTP_REQUEST.test(buffered)) return;
    clearTimeout(timer);
    if (!HTTP_REQUEST.test(buffered)) return bare();
    const head = buffered.startsWith('HEAD ');
    const body = `${name}\n`;
    conn.end(`HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${head ? '' : body}`);
  });
}

// Arguments: --name <pod name>, then --port <number>/<TCP|UDP> once per declared port.
let name = 'stand-in';
const values: string[] = [];
const argv = process.argv.slice(2);
for (let i = 0; i + 1 < argv.length; i += 2) {
  if (argv[i] === '--name') name = argv[i + 1];
  else if (argv[i] === '--port') values.push(argv[i + 1]);
}

const keepAlive = setInterval(() => undefined, 1 << 30);
process.once('SIGTERM', () => {
  clearInterval(keepAlive);
  process.exit(0);
});

if (values.length === 0) log(`pod ${name} declares no container ports: nothing to serve`);
for (const value of values) {
  const [portText, protocol = 'TCP'] = value.split('/');
  const port = Number(portText);
  if (protocol.toUpperCase() === 'UDP') {
    bindUdp(port, (_msg, rinfo, socket) => {
      log(`UDP request from ${goAddr(rinfo.address, rinfo.port)}`);
      socket.send(name, rinfo.port, rinfo.address);
    }).then(() => log(`answering UDP ${port} with ${JSON.stringify(name)}`), (err: Error) => log(`cannot listen on UDP ${port}: ${err.message}`));
  } else if (protocol.toUpperCase() === 'TCP') {
    createServer((conn) => {
      log(`TCP connection from ${goAddr(conn.remoteAddress, conn.remotePort)}`);
      answerTcp(conn, name);
    }).on('error', (err) => log(`cannot listen on TCP ${port}: ${err.message}`))
      .listen(port, () => log(`answering TCP ${port} with ${JSON.stringify(name)}`));
  } else {
    log(`${protocol} ${port}: only TCP and UDP are served`);
  }
}
