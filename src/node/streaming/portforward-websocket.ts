// Port forwarding over plain WebSocket channels, as the Kubernetes Python client and
// @kubernetes/client-node speak it (the kubelet's portforward/websocket.go): the ports come in the
// query (`port=80&port=8080`, or `port=80,8080`), each port gets a data channel (2i) and an error
// channel (2i+1), and the first frame on each carries the port as a little-endian uint16. Subprotocol
// `v4.channel.k8s.io` (binary frames: a channel byte, then data), `v4.base64.channel.k8s.io` (text
// frames: '0' + channel, then base64), or none (binary).
//
// One connection to each port is dialled at once. Data the client sends on a data channel goes to
// it; what the pod sends comes back on that channel. A failed dial is reported on the error
// channel in the kubelet's words. A port is done when the pod closes its connection; once every
// port is done the WebSocket closes, as the kubelet closes it.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { goList, type StreamingConnection } from './upgrade.js';
import type { PortForwardDial, PortForwardOptions } from './portforward.js';

export const PORT_FORWARD_WEBSOCKET_PROTOCOL = 'v4.channel.k8s.io';
export const PORT_FORWARD_WEBSOCKET_BASE64_PROTOCOL = 'v4.base64.channel.k8s.io';
/** What the kubelet accepts: no subprotocol at all, or one of these. */
const PROTOCOLS = ['', PORT_FORWARD_WEBSOCKET_PROTOCOL, PORT_FORWARD_WEBSOCKET_BASE64_PROTOCOL];

/** Sending pauses the pod's connection while this much waits in the WebSocket. */
const HIGH_WATER = 1024 * 1024;

/** The ports of a WebSocket port-forward request (the kubelet's NewV4Options), or the kubelet's refusal. */
export function webSocketPorts(req: IncomingMessage): number[] | string {
  const values = new URL(req.url ?? '/', 'http://localhost').searchParams.getAll('port');
  if (values.length === 0) return 'query parameter "port" is required';
  const ports: number[] = [];
  for (const value of values) {
    if (value === '') return 'query parameter "port" cannot be empty';
    for (const p of value.split(',')) {
      if (!/^[0-9]+$/.test(p)) return `unable to parse "${value}" as a port: strconv.ParseUint: parsing "${p}": invalid syntax`;
      if (Number(p) > 0xffff) return `unable to parse "${value}" as a port: strconv.ParseUint: parsing "${p}": value out of range`;
      if (Number(p) < 1) return `port "${value}" must be > 0`;
      ports.push(Number(p));
    }
  }
  return ports;
}

/** The subprotocol the kubelet's handshake picks: the client's first one it supports; undefined for none. */
export function pickPortForwardProtocol(offered: string[]): string | undefined {
  const asked = offered.length ? offered : [''];
  return asked.find((p) => PROTOCOLS.includes(p));
}

/** The handshake's refusal text, with the client's offer and what the kubelet supports. */
export function unsupportedProtocols(offered: string[]): string {
  return `requested protocol(s) are not supported: ${goList(offered)}; supports ${goList(PROTOCOLS)}`;
}

/**
 * Serves an accepted WebSocket port-forward request on the upgraded socket; `ports` and `protocol`
 * come from webSocketPorts and pickPortForwardProtocol.
 */
export function serveWebSocketPortForward(req: IncomingMessage, socket: Duplex, head: Buffer, ports: number[], protocol: string, dial: PortForwardDial, options: PortForwardOptions): StreamingConnection {
  const forwarder = new WebSocketPortForwarder(socket, ports, protocol === PORT_FORWARD_WEBSOCKET_BASE64_PROTOCOL, dial, options);
  const wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, handleProtocols: () => protocol || false });
  wss.handleUpgrade(req, socket, head, (ws) => forwarder.start(ws));
  return forwarder;
}

interface Port {
  port: number;
  /** Data channel; the error channel is data + 1. */
  channel: number;
  conn?: Duplex;
  /** What the client sent before the dial finished. */
  pending: Buffer[];
  done: boolean;
}

class WebSocketPortForwarder implements StreamingConnection {
  readonly closed: Promise<void>;
  private ws?: WebSocket;
  private readonly ports: Port[];
  private resolveClosed!: () => void;
  private isClosed = false;

  constructor(private readonly socket: Duplex, ports: number[], private readonly base64: boolean, private readonly dial: PortForwardDial, private readonly options: PortForwardOptions) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.ports = ports.map((port, i) => ({ port, channel: 2 * i, pending: [], done: false }));
    // A handshake that fails never reaches start(): the socket closing ends us too.
    socket.once('close', () => {
      if (!this.ws) this.finish();
    });
  }

  start(ws: WebSocket): void {
    this.ws = ws;
    if (this.isClosed) {
      ws.terminate();
      return;
    }
    ws.on('close', () => this.finish());
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => this.receive(data, isBinary));
    for (const p of this.ports) {
      const portBytes = Buffer.from([p.port & 0xff, p.port >> 8]);
      this.send(p.channel, portBytes);
      this.send(p.channel + 1, portBytes);
    }
    for (const p of this.ports) void this.forward(p);
  }

  close(): void {
    if (this.ws) this.ws.terminate();
    else this.socket.destroy();
    this.finish();
  }

  private finish(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const p of this.ports) p.conn?.destroy();
    this.resolveClosed();
  }

  private send(channel: number, data: Buffer, cb?: () => void): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== ws.OPEN) {
      cb?.();
      return;
    }
    if (this.base64) ws.send(String.fromCharCode(0x30 + channel) + data.toString('base64'), { binary: false }, () => cb?.());
    else ws.send(Buffer.concat([Buffer.from([channel]), data]), { binary: true }, () => cb?.());
  }

  private receive(raw: RawData, isBinary: boolean): void {
    let data = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (data.length === 0) return;
    let channel = data[0];
    data = data.subarray(1);
    if (this.base64 || !isBinary) {
      channel -= 0x30;
      data = Buffer.from(data.toString('latin1'), 'base64');
    }
    // Only data channels are the client's to write; anything else is dropped, as the kubelet does.
    const p = this.ports.find((x) => x.channel === channel);
    if (!p || p.done) return;
    if (!p.conn) {
      p.pending.push(data);
      return;
    }
    if (!p.conn.write(data)) {
      this.ws?.pause();
      p.conn.once('drain', () => this.ws?.resume());
    }
  }

  private async forward(p: Port): Promise<void> {
    let conn: Duplex;
    try {
      conn = await this.dial(p.port);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.send(p.channel + 1, Buffer.from(`error forwarding port ${p.port} to pod ${this.options.pod ?? ''}, uid ${this.options.uid ?? ''}: ${reason}`));
      this.portDone(p);
      return;
    }
    if (this.isClosed) {
      conn.destroy();
      return;
    }
    p.conn = conn;
    for (const chunk of p.pending.splice(0)) conn.write(chunk);
    conn.on('data', (chunk: Buffer) => {
      this.send(p.channel, chunk, () => {
        if (conn.isPaused() && (this.ws?.bufferedAmount ?? 0) < HIGH_WATER) conn.resume();
      });
      if ((this.ws?.bufferedAmount ?? 0) >= HIGH_WATER) conn.pause();
    });
    // The pod closing its side ends the port (what it sent is queued before the WebSocket's close
    // frame); an error too, which only ends this port.
    const end = () => { conn.destroy(); this.portDone(p); };
    conn.once('end', end);
    conn.once('error', end);
    conn.once('close', end);
    // A dialled connection may come paused (the shim's holds the pod's first bytes until read).
    conn.resume();
  }

  /** A port is finished; when all are, the WebSocket closes normally. */
  private portDone(p: Port): void {
    if (p.done) return;
    p.done = true;
    p.pending = [];
    if (this.ports.every((x) => x.done)) this.ws?.close(1000);
  }
}

