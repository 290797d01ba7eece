// The SPDY server session over a real loopback socket, driven by a minimal client built from the
// framer (the client side of the protocol as moby/spdystream speaks it).

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { encodeData, encodePing, encodeRstStream, encodeSettings, encodeSynStream, encodeWindowUpdate, FrameParser, type Frame } from './frames.js';
import { HeaderCompressor, HeaderDecompressor } from './header-block.js';
import { SpdySession, type SpdySessionOptions, type SpdyStream } from './session.js';

class TestClient {
  readonly frames: Frame[] = [];
  private readonly parser = new FrameParser();
  private readonly deflater = new HeaderCompressor();
  readonly inflater = new HeaderDecompressor();
  private waiters: (() => void)[] = [];
  ended = false;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.frames.push(...this.parser.push(chunk));
      this.wake();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  open(id: number, headers: Record<string, string[]>, fin = false): void {
    this.socket.write(encodeSynStream(id, this.deflater.encode(headers), { fin }));
  }

  /** Waits until a received frame matches, and returns it. */
  async next<T extends Frame['type']>(type: T, match: (f: Extract<Frame, { type: T }>) => boolean = () => true): Promise<Extract<Frame, { type: T }>> {
    for (;;) {
      const found = this.frames.find((f) => f.type === type && match(f as Extract<Frame, { type: T }>));
      if (found) {
        this.frames.splice(this.frames.indexOf(found), 1);
        return found as Extract<Frame, { type: T }>;
      }
      if (this.ended) throw new Error(`connection ended before a ${type} frame`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** All DATA bytes of a stream up to its FIN. */
  async readToFin(id: number): Promise<string> {
    let text = '';
    for (;;) {
      const f = await this.next('data', (d) => d.streamId === id);
      text += f.data.toString();
      if (f.flags & 1) return text;
    }
  }
}

describe('SpdySession', () => {
  let server: net.Server;
  let setup: (options: Partial<SpdySessionOptions>) => Promise<{ client: TestClient; session: SpdySession; streams: SpdyStream[] }>;
  const sockets: net.Socket[] = [];

  before(async () => {
    let onConnection: (s: net.Socket) => void = () => undefined;
    server = net.createServer((s) => onConnection(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    setup = async (options) => {
      const streams: SpdyStream[] = [];
      const accepted = new Promise<SpdySession>((resolve) => {
        onConnection = (s) => {
          sockets.push(s);
          resolve(new SpdySession(s, { onStream: (st) => streams.push(st), ...options }));
        };
      });
      const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
      sockets.push(socket);
      const session = await accepted;
      return { client: new TestClient(socket), session, streams };
    };
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('accepts a stream with an empty SYN_REPLY and hands it over with its headers', async () => {
    const seen: string[] = [];
    const { client, session, streams } = await setup({ onStream: (s) => seen.push(JSON.stringify(s.headers)) });
    client.open(1, { streamtype: ['data'], port: ['80'] });
    const reply = await client.next('syn_reply');
    assert.equal(reply.streamId, 1);
    assert.deepEqual(client.inflater.decode(reply.headerBlock), {});
    assert.deepEqual(seen, [JSON.stringify({ streamtype: ['data'], port: ['80'] })]);
    assert.equal(streams.length, 0);
    session.close();
  });

  it('carries data both ways with FIN half-closes', async () => {
    const { client, session, streams } = await setup({});
    client.open(1, { streamtype: ['data'] });
    await client.next('syn_reply');
    client.socket.write(encodeData(1, Buffer.from('ping')));
    client.socket.write(encodeData(1, Buffer.alloc(0), true));
    const stream = streams[0];
    let received = '';
    stream.on('data', (chunk) => (received += chunk));
    await new Promise((resolve) => stream.once('end', resolve));
    assert.equal(received, 'ping');
    stream.end('pong');
    assert.equal(await client.readToFin(1), 'pong');
    session.close();
  });

  it('splits large writes into frames and keeps the bytes in order', async () => {
    const { client, session, streams } = await setup({});
    client.open(1, {});
    await client.next('syn_reply');
    const payload = Buffer.alloc(300_000);
    for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
    streams[0].end(payload);
    let total = Buffer.alloc(0);
    for (;;) {
      const f = await client.next('data', (d) => d.streamId === 1);
      assert.ok(f.data.length <= 64 * 1024);
      total = Buffer.concat([total, f.data]);
      if (f.flags & 1) break;
    }
    assert.ok(total.equals(payload));
    session.close();
  });

  it('refuses a stream validate() throws on with RST_STREAM CANCEL', async () => {
    const opened: SpdyStream[] = [];
    const { client, session } = await setup({ validate: () => { throw new Error('no'); }, onStream: (s) => opened.push(s) });
    client.open(1, { port: ['0'] });
    assert.deepEqual(await client.next('rst_stream'), { type: 'rst_stream', streamId: 1, status: 5 });
    assert.equal(opened.length, 0);
    session.close();
  });

  it('refuses stream ids that do not increase', async () => {
    const { client, session } = await setup({});
    client.open(3, {});
    await client.next('syn_reply');
    client.open(1, {});
    assert.deepEqual(await client.next('rst_stream'), { type: 'rst_stream', streamId: 1, status: 1 });
    session.close();
  });

  it('echoes PINGs and ignores SETTINGS and WINDOW_UPDATE', async () => {
    const { client, session } = await setup({});
    client.socket.write(Buffer.concat([encodeSettings([{ id: 7, value: 1 }]), encodeWindowUpdate(0, 10), encodePing(7)]));
    assert.deepEqual(await client.next('ping'), { type: 'ping', id: 7 });
    session.close();
  });

  it('drops a stream the peer resets', async () => {
    const { client, session, streams } = await setup({});
    client.open(1, {});
    await client.next('syn_reply');
    const closed = new Promise((resolve) => streams[0].on('close', resolve));
    client.socket.write(encodeRstStream(1, 5));
    await closed;
    assert.equal(streams[0].destroyed, true);
    session.close();
  });

  it('says GOAWAY on close() and ends the connection', async () => {
    const { client, session, streams } = await setup({});
    client.open(1, {});
    await client.next('syn_reply');
    const closed = new Promise((resolve) => session.once('close', resolve));
    session.close();
    await closed;
    assert.deepEqual(await client.next('goaway'), { type: 'goaway', lastGoodStreamId: 1, status: 0 });
    assert.equal(streams[0].destroyed, true);
  });

  it('answers a malformed frame with GOAWAY PROTOCOL_ERROR', async () => {
    const { client } = await setup({});
    client.socket.write(Buffer.from('8002000100000000', 'hex'));
    assert.deepEqual(await client.next('goaway'), { type: 'goaway', lastGoodStreamId: 0, status: 1 });
  });
});
