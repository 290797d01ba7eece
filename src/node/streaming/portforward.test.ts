// Port-forward cases kubectl does not produce on demand (kubectl.test.ts covers the working paths):
// upgrade refusals in upstream's words, streams the kubelet refuses, the wait for a request's
// second stream, and clients that send no requestID.

import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { encodeData, encodeSynStream, FrameParser, type Frame } from './spdy/frames.js';
import { HeaderCompressor } from './spdy/header-block.js';
import { servePortForward, type PortForwardDial } from './portforward.js';
import type { StreamingConnection } from './upgrade.js';

let server: http.Server;
let port = 0;
let dial: PortForwardDial;
const connections: StreamingConnection[] = [];
const sockets: net.Socket[] = [];

before(async () => {
  server = http.createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    const c = servePortForward(req, socket, head, (p) => dial(p), { pod: 'web', uid: 'u-1', streamCreationTimeoutMs: 50 });
    if (c) connections.push(c);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

after(async () => {
  for (const c of connections) c.close();
  for (const s of sockets) s.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Sends an upgrade request; resolves with the response head and the socket positioned after it. */
function upgrade(headers: Record<string, string>): Promise<{ head: string; body: string; socket: net.Socket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    sockets.push(socket);
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString();
      if (head.startsWith('HTTP/1.1 101')) {
        socket.off('data', onData);
        resolve({ head, body: '', socket, rest: buf.subarray(end + 4) });
      }
    };
    socket.on('data', onData);
    socket.on('end', () => {
      const end = buf.indexOf('\r\n\r\n');
      resolve({ head: buf.subarray(0, end).toString(), body: buf.subarray(end + 4).toString(), socket, rest: Buffer.alloc(0) });
    });
    socket.on('error', reject);
    const lines = ['POST /api/v1/namespaces/default/pods/web/portforward HTTP/1.1', `Host: 127.0.0.1:${port}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}

/** A SPDY client over an upgraded socket. */
async function spdyClient() {
  const { socket, rest, head } = await upgrade({ Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'portforward.k8s.io' });
  assert.match(head, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.match(head, /\r\nX-Stream-Protocol-Version: portforward.k8s.io/);
  const parser = new FrameParser();
  const deflater = new HeaderCompressor();
  const frames: Frame[] = [];
  const waiters: (() => void)[] = [];
  const take = (chunk: Buffer) => {
    frames.push(...parser.push(chunk));
    waiters.splice(0).forEach((w) => w());
  };
  take(rest);
  socket.on('data', take);
  return {
    open(id: number, headers: Record<string, string>) {
      socket.write(encodeSynStream(id, deflater.encode(Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])))));
    },
    send(id: number, data: string, fin = false) {
      socket.write(encodeData(id, Buffer.from(data), fin));
    },
    async next(match: (f: Frame) => boolean): Promise<Frame> {
      for (;;) {
        const i = frames.findIndex(match);
        if (i >= 0) return frames.splice(i, 1)[0];
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    /** DATA of a stream up to its FIN. */
    async readToFin(id: number): Promise<string> {
      let text = '';
      for (;;) {
        const f = (await this.next((x) => x.type === 'data' && x.streamId === id)) as Extract<Frame, { type: 'data' }>;
        text += f.data.toString();
        if (f.flags & 1) return text;
      }
    },
  };
}

describe('servePortForward', () => {
  it('refuses upgrades it cannot speak, in upstream\'s words', async () => {
    const noVersion = await upgrade({ Connection: 'Upgrade', Upgrade: 'SPDY/3.1' });
    assert.match(noVersion.head, /^HTTP\/1\.1 400/);
    assert.equal(JSON.parse(noVersion.body).message, 'unable to upgrade: X-Stream-Protocol-Version is required');
    const wrong = await upgrade({ Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'v4.channel.k8s.io' });
    assert.match(wrong.head, /^HTTP\/1\.1 403/);
    assert.match(wrong.head, /\r\nX-Accepted-Stream-Protocol-Versions: portforward\.k8s\.io/);
    assert.equal(JSON.parse(wrong.body).message, 'unable to upgrade: unable to negotiate protocol: client supports [v4.channel.k8s.io], server accepts [portforward.k8s.io]');
    // A WebSocket without the tunnelling subprotocol is the channel protocol (portforward-websocket.test.ts).
    const ws = await upgrade({ Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io' });
    assert.match(ws.head, /^HTTP\/1\.1 400/);
    assert.equal(ws.body, 'query parameter "port" is required');
    const plain = await upgrade({ Connection: 'Upgrade', Upgrade: 'h2c' });
    assert.equal(JSON.parse(plain.body).message, 'unable to upgrade: missing upgrade headers in request');
  });

  it('resets streams without a valid port or stream type', async () => {
    const client = await spdyClient();
    client.open(1, { streamtype: 'data', requestid: '0' });
    client.open(3, { streamtype: 'data', port: '0', requestid: '0' });
    client.open(5, { streamtype: 'bogus', port: '80', requestid: '0' });
    for (const id of [1, 3, 5]) assert.deepEqual(await client.next((f) => f.type === 'rst_stream' && f.streamId === id), { type: 'rst_stream', streamId: id, status: 5 });
  });

  it('tells the client when the second stream of a request never comes', async () => {
    const client = await spdyClient();
    client.open(1, { streamtype: 'error', port: '80', requestid: '9' });
    assert.equal(await client.readToFin(1), 'request 9: timed out waiting for streams');
  });

  it('pairs the streams of clients that send no requestID by stream id', async () => {
    const dialed: number[] = [];
    dial = async (p) => {
      dialed.push(p);
      const echo = net.createServer((c) => c.pipe(c));
      await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
      const conn = net.connect((echo.address() as net.AddressInfo).port, '127.0.0.1');
      conn.on('close', () => echo.close());
      return conn;
    };
    const client = await spdyClient();
    client.open(1, { streamtype: 'error', port: '8080' });
    client.open(3, { streamtype: 'data', port: '8080' });
    client.send(3, 'hello', true);
    assert.equal(await client.readToFin(3), 'hello');
    assert.equal(await client.readToFin(1), '', 'the error stream ends empty');
    assert.deepEqual(dialed, [8080]);
  });
});
