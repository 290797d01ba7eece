// Port-forward over plain WebSocket channels (the Python client's and @kubernetes/client-node's
// way): the port frames first, data both ways per port, dial failures on the error channel, the
// base64 subprotocol, and refusals in the kubelet's words. e2e (clients-*.test.ts) runs the real
// clients through the API server.

import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { servePortForward, type PortForwardDial } from './portforward.js';
import type { StreamingConnection } from './upgrade.js';

let server: http.Server;
let port = 0;
const connections: StreamingConnection[] = [];
const servers: net.Server[] = [];
let echoPort = 0;
let closedPort = 0;

/** Dials loopback; each dialled port is served by a server the test owns. */
const dial: PortForwardDial = async (p) => {
  const target = p === 80 ? echoPort : p === 81 ? closedPort : p;
  return new Promise((resolve, reject) => {
    // Handed over paused, as the pod shim's connections are: the forwarder must resume it.
    const c = net.connect(target, '127.0.0.1', () => resolve(c.pause()));
    c.once('error', reject);
  });
};

before(async () => {
  // 80: echoes what it gets, upper-cased, and closes once the client sent "bye".
  const echo = net.createServer((c) => c.on('data', (d: Buffer) => {
    c.write(d.toString().toUpperCase());
    if (d.toString().includes('bye')) c.end();
  }));
  // A port nothing listens on: listen, note the port, close.
  const gone = net.createServer();
  for (const s of [echo, gone]) await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  echoPort = (echo.address() as net.AddressInfo).port;
  closedPort = (gone.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => gone.close(() => resolve()));
  servers.push(echo);
  server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    const c = servePortForward(req, socket, head, dial, { pod: 'web', uid: 'u-1' });
    if (c) connections.push(c);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

after(async () => {
  for (const c of connections) c.close();
  for (const s of servers) s.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

interface Client {
  ws: WebSocket;
  /** Frames as [channel, data] in arrival order. */
  frames: [number, Buffer][];
  closed: Promise<number>;
  next(n: number): Promise<[number, Buffer][]>;
}

function connect(query: string, protocols: string[] = ['v4.channel.k8s.io']): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/portForward/default/web?${query}`, protocols);
    const frames: [number, Buffer][] = [];
    const waiters: (() => void)[] = [];
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) frames.push([data[0], data.subarray(1)]);
      else frames.push([data[0] - 0x30, Buffer.from(data.subarray(1).toString(), 'base64')]);
      waiters.splice(0).forEach((w) => w());
    });
    const closed = new Promise<number>((r) => ws.on('close', (code) => { r(code); waiters.splice(0).forEach((w) => w()); }));
    const next = async (n: number) => {
      while (frames.length < n && ws.readyState !== WebSocket.CLOSED) await new Promise<void>((r) => waiters.push(r));
      return frames.splice(0, n);
    };
    ws.on('open', () => resolve({ ws, frames, closed, next }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => reject(new Error(`${res.statusCode} ${body}`)));
    });
    ws.on('error', reject);
  });
}

const portFrame = (p: number) => Buffer.from([p & 0xff, p >> 8]);

describe('port-forward over WebSocket channels', () => {
  it('announces each port on its data and error channel, forwards data, and closes when the pod does', async () => {
    const c = await connect('port=80');
    assert.equal(c.ws.protocol, 'v4.channel.k8s.io');
    assert.deepEqual(await c.next(2), [[0, portFrame(80)], [1, portFrame(80)]]);
    c.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('hello ')]));
    assert.deepEqual((await c.next(1)).map(([ch, d]) => [ch, d.toString()]), [[0, 'HELLO ']]);
    c.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('bye')]));
    assert.deepEqual((await c.next(1)).map(([ch, d]) => [ch, d.toString()]), [[0, 'BYE']]);
    assert.equal(await c.closed, 1000);
  });

  it('forwards several ports at once (port=80,81 and repeated values); a failed dial is reported on its error channel', async () => {
    const c = await connect('port=80,81');
    assert.deepEqual(await c.next(4), [[0, portFrame(80)], [1, portFrame(80)], [2, portFrame(81)], [3, portFrame(81)]]);
    const [[channel, text]] = await c.next(1);
    assert.equal(channel, 3);
    assert.match(text.toString(), /^error forwarding port 81 to pod web, uid u-1: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
    c.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('bye')]));
    assert.deepEqual((await c.next(1)).map(([ch, d]) => [ch, d.toString()]), [[0, 'BYE']]);
    assert.equal(await c.closed, 1000);
    const repeated = await connect('port=80&port=80', ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io']);
    assert.equal(repeated.ws.protocol, 'v4.channel.k8s.io', 'the client\'s first supported subprotocol');
    assert.equal((await repeated.next(4)).length, 4);
    repeated.ws.close();
  });

  it('speaks base64 text frames with v4.base64.channel.k8s.io, and binary with no subprotocol', async () => {
    const b = await connect('port=80', ['v4.base64.channel.k8s.io']);
    assert.deepEqual(await b.next(2), [[0, portFrame(80)], [1, portFrame(80)]]);
    b.ws.send(`0${Buffer.from('bye').toString('base64')}`);
    assert.deepEqual((await b.next(1)).map(([ch, d]) => [ch, d.toString()]), [[0, 'BYE']]);
    assert.equal(await b.closed, 1000);
    const none = await connect('port=80', []);
    assert.equal(none.ws.protocol, '');
    assert.deepEqual(await none.next(2), [[0, portFrame(80)], [1, portFrame(80)]]);
    none.ws.close();
  });

  it('refuses requests as the kubelet does', async () => {
    await assert.rejects(connect(''), { message: '400 query parameter "port" is required' });
    await assert.rejects(connect('port=http'), { message: '400 unable to parse "http" as a port: strconv.ParseUint: parsing "http": invalid syntax' });
    await assert.rejects(connect('port=0'), { message: '400 port "0" must be > 0' });
    await assert.rejects(connect('port=80', ['v5.channel.k8s.io']),
      { message: '403 requested protocol(s) are not supported: [v5.channel.k8s.io]; supports [ v4.channel.k8s.io v4.base64.channel.k8s.io]' });
  });
});
