// The netns broker: sockets opened inside a namespace, used by this (host-namespace) process.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import https from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ip, netnsAdd, netnsDelete, run, startNetnsBroker, type NetnsBroker } from './index.js';
import { askFrom, startAnswerServer, uniqueName, type TestServer } from './testing/index.js';

const ns = uniqueName();
let broker: NetnsBroker;
const servers: TestServer[] = [];

before(async () => {
  await netnsAdd(ns);
  // An address that exists only inside the namespace proves where the sockets live.
  await ip(['link', 'add', 'knt0', 'type', 'bridge'], ns);
  await ip(['addr', 'add', '10.78.0.1/24', 'dev', 'knt0'], ns);
  await ip(['link', 'set', 'knt0', 'up'], ns);
  await ip(['link', 'set', 'lo', 'up'], ns);
  broker = await startNetnsBroker(ns);
});

after(async () => {
  await broker?.stop();
  for (const s of servers) await s.stop();
  await netnsDelete(ns);
});

function readAll(sock: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    sock.setEncoding('utf8');
    sock.on('data', (d) => { data += d; });
    sock.on('end', () => resolve(data));
    sock.on('error', reject);
  });
}

test('connectTcp dials from inside the namespace and the bytes the server sends first arrive', async () => {
  servers.push(await startAnswerServer(ns, '10.78.0.1', 7001, 'inside'));
  const sock = await broker.connectTcp('10.78.0.1', 7001);
  assert.equal(sock.remoteAddress, '10.78.0.1');
  // The server wrote its answer as soon as it accepted; it must all arrive here.
  assert.equal((await readAll(sock)).trim(), 'inside 10.78.0.1');
});

test('connectTcp reports refusals with the usual error code', async () => {
  await assert.rejects(broker.connectTcp('10.78.0.1', 7999), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
});

test('listenTcp gives a server listening inside the namespace', async () => {
  const server = await broker.listenTcp('10.78.0.1', 0);
  try {
    server.on('connection', (c) => c.end(`hello ${c.remoteAddress}\n`));
    const { port } = server.address() as net.AddressInfo;
    assert.equal(await askFrom(ns, '10.78.0.1', port), 'hello 10.78.0.1');
  } finally {
    server.close();
  }
});

test('a TLS server serves the connections of a received server', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'knt-tls-'));
  const server = await broker.listenTcp('10.78.0.1', 0);
  try {
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=knt', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
    const tlsServer = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (req, res) => res.end(`tls ok ${req.socket.remoteAddress}\n`));
    server.on('connection', (c) => tlsServer.emit('connection', c));
    const { port } = server.address() as net.AddressInfo;
    const r = await run('curl', ['-sk', `https://10.78.0.1:${port}/`], { netns: ns });
    assert.equal(r.stdout.trim(), 'tls ok 10.78.0.1');
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bindUdp gives a UDP socket inside the namespace', async () => {
  servers.push(await startAnswerServer(ns, '10.78.0.1', 7002, 'udp-inside', 'udp'));
  const sock = await broker.bindUdp('10.78.0.1', 0);
  try {
    const answer = new Promise<string>((resolve) => sock.once('message', (m) => resolve(m.toString().trim())));
    sock.send('hi', 7002, '10.78.0.1');
    assert.equal(await answer, 'udp-inside 10.78.0.1');
  } finally {
    sock.close();
  }
});

test('a broker whose child died starts a new one on the next request', async () => {
  const own = await startNetnsBroker(ns);
  try {
    const pid = (own as unknown as { proc: { pid: number } }).proc.pid;
    process.kill(pid, 'SIGKILL');
    await (own as unknown as { proc: { exited: Promise<unknown> } }).proc.exited;
    servers.push(await startAnswerServer(ns, '10.78.0.1', 7003, 'again'));
    const sock = await own.connectTcp('10.78.0.1', 7003);
    assert.equal((await readAll(sock)).trim(), 'again 10.78.0.1');
  } finally {
    await own.stop();
  }
});

test('sockets handed over keep working after the broker stops', async () => {
  const own = await startNetnsBroker(ns);
  const server = await own.listenTcp('10.78.0.1', 0);
  try {
    await own.stop();
    server.on('connection', (c) => c.end('still here\n'));
    const { port } = server.address() as net.AddressInfo;
    assert.equal(await askFrom(ns, '10.78.0.1', port), 'still here');
    await assert.rejects(own.connectTcp('10.78.0.1', port), /is stopped/);
  } finally {
    server.close();
  }
});
