// Port forwarding as kubectl 1.31+ speaks it: SPDY/3.1 streams, either tunnelled in WebSocket
// binary messages (subprotocol "SPDY/3.1+portforward.k8s.io"), or, when kubectl falls back, over a
// plain `Upgrade: SPDY/3.1` with `X-Stream-Protocol-Version: portforward.k8s.io`. A WebSocket
// without the tunnelling subprotocol is the channel protocol of other clients
// (portforward-websocket.ts).
//
// Each forwarded connection is a pair of streams with the same requestID header: "error" and
// "data", both carrying the remote port. The data stream is spliced to dial(port); when the dial
// fails, the reason goes to the error stream in the kubelet's words.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { headerValue, type SpdyHeaders } from './spdy/header-block.js';
import { SpdySession, type SpdyStream } from './spdy/session.js';
import { pickPortForwardProtocol, serveWebSocketPortForward, unsupportedProtocols, webSocketPorts } from './portforward-websocket.js';
import { acceptSpdyUpgrade, headerList, isUpgradeTo, rejectUpgrade, rejectUpgradeText, type StreamingConnection } from './upgrade.js';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
/** The WebSocket subprotocol that tunnels SPDY (kubectl 1.31+). */
export const PORT_FORWARD_TUNNEL_PROTOCOL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;

/** Opens a connection to a port of the pod (inside its network namespace). */
export type PortForwardDial = (port: number) => Promise<Duplex>;

export interface PortForwardOptions {
  /** Pod name and uid, for error messages in the kubelet's words. */
  pod?: string;
  uid?: string;
  /** How long a request may wait for its second stream; default 30 s, as the kubelet. */
  streamCreationTimeoutMs?: number;
}

interface StreamPair {
  requestId: string;
  error?: SpdyStream;
  data?: SpdyStream;
  timer: NodeJS.Timeout;
}

/**
 * Serves a port-forward upgrade request (from an http(s) server's 'upgrade' event). Any other
 * request is refused with an HTTP error, as upstream does (a refused WebSocket tunnel makes
 * kubectl fall back to SPDY), and gets undefined.
 */
export function servePortForward(req: IncomingMessage, socket: Duplex, head: Buffer, dial: PortForwardDial, options: PortForwardOptions = {}): StreamingConnection | undefined {
  if (isUpgradeTo(req, 'websocket')) {
    const offered = headerList(req, 'sec-websocket-protocol');
    if (!offered.includes(PORT_FORWARD_TUNNEL_PROTOCOL)) {
      // Plain WebSocket channels (the Python client, @kubernetes/client-node), as the kubelet serves them.
      const ports = webSocketPorts(req);
      if (typeof ports === 'string') {
        rejectUpgradeText(socket, 400, ports);
        return undefined;
      }
      const protocol = pickPortForwardProtocol(offered);
      if (protocol === undefined) {
        rejectUpgradeText(socket, 403, unsupportedProtocols(offered));
        return undefined;
      }
      return serveWebSocketPortForward(req, socket, head, ports, protocol, dial, options);
    }
    const forwarder = new PortForwarder(socket, dial, options);
    // "SPDY/3.1+portforward.k8s.io" is not an RFC 6455 token ('/'), which ws refuses to parse
    // (gorilla/websocket in kubectl does not check): we take the header off and answer it ourselves.
    delete req.headers['sec-websocket-protocol'];
    const wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false });
    wss.on('headers', (headers: string[]) => headers.push(`Sec-WebSocket-Protocol: ${PORT_FORWARD_TUNNEL_PROTOCOL}`));
    wss.handleUpgrade(req, socket, head, (ws) => forwarder.start(createWebSocketStream(ws)));
    return forwarder;
  }
  if (isUpgradeTo(req, 'SPDY/3.1')) {
    if (!acceptSpdyUpgrade(req, socket, head, PORT_FORWARD_PROTOCOL)) return undefined;
    const forwarder = new PortForwarder(socket, dial, options);
    forwarder.start(socket);
    return forwarder;
  }
  rejectUpgrade(socket, 400, 'unable to upgrade: missing upgrade headers in request');
  return undefined;
}

/** Checks a new stream's headers as the kubelet's httpStreamReceived does. */
function validateStream(headers: SpdyHeaders): void {
  const port = headerValue(headers, 'port');
  if (!port) throw new Error('"port" header is required');
  if (!/^\d+$/.test(port) || Number(port) > 65535) throw new Error(`unable to parse "${port}" as a port`);
  if (Number(port) < 1) throw new Error(`port "${port}" must be > 0`);
  const type = headerValue(headers, 'streamtype');
  if (!type) throw new Error('"streamType" header is required');
  if (type !== 'error' && type !== 'data') throw new Error(`invalid stream type "${type}"`);
}

/** Half-closes a stream (FIN) unless it is already ended or gone. */
function endStream(stream: SpdyStream, text?: string): void {
  if (!stream.destroyed && !stream.writableEnded) stream.end(text);
}

class PortForwarder implements StreamingConnection {
  readonly closed: Promise<void>;
  private session?: SpdySession;
  private readonly pairs = new Map<string, StreamPair>();
  private readonly conns = new Set<Duplex>();
  private resolveClosed!: () => void;
  private isClosed = false;

  constructor(private readonly socket: Duplex, private readonly dial: PortForwardDial, private readonly options: PortForwardOptions) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    // A WebSocket handshake that fails never reaches start(): the socket closing ends us too.
    socket.once('close', () => {
      if (!this.session) this.finish();
    });
  }

  start(transport: Duplex): void {
    if (this.isClosed) {
      transport.destroy();
      return;
    }
    this.session = new SpdySession(transport, { validate: validateStream, onStream: (s) => this.onStream(s) });
    this.session.once('close', () => this.finish());
  }

  close(): void {
    if (this.session) this.session.close();
    else this.socket.destroy();
    this.finish();
  }

  private finish(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const pair of this.pairs.values()) clearTimeout(pair.timer);
    this.pairs.clear();
    for (const conn of this.conns) conn.destroy();
    this.conns.clear();
    this.resolveClosed();
  }

  /** The request a stream belongs to; old clients without requestID get upstream's guess from the stream id. */
  private requestId(stream: SpdyStream): string {
    const id = headerValue(stream.headers, 'requestid');
    if (id) return id;
    return String(headerValue(stream.headers, 'streamtype') === 'error' ? stream.id : stream.id - 2);
  }

  private onStream(stream: SpdyStream): void {
    stream.on('error', () => stream.destroy());
    const requestId = this.requestId(stream);
    let pair = this.pairs.get(requestId);
    if (!pair) {
      const timer = setTimeout(() => this.timeOut(requestId), this.options.streamCreationTimeoutMs ?? 30_000);
      pair = { requestId, timer };
      this.pairs.set(requestId, pair);
    }
    const type = headerValue(stream.headers, 'streamtype') as 'error' | 'data';
    if (pair[type]) {
      pair.error?.write(`error processing stream for request ${requestId}: ${type} stream already assigned`);
      stream.reset();
      return;
    }
    pair[type] = stream;
    if (type === 'error') stream.resume(); // the client sends nothing on it but its FIN
    if (pair.error && pair.data) {
      clearTimeout(pair.timer);
      this.pairs.delete(requestId);
      void this.forward(pair.error, pair.data);
    }
  }

  private timeOut(requestId: string): void {
    const pair = this.pairs.get(requestId);
    if (!pair) return;
    this.pairs.delete(requestId);
    if (pair.error) endStream(pair.error, `request ${requestId}: timed out waiting for streams`);
    pair.data?.reset();
  }

  private async forward(error: SpdyStream, data: SpdyStream): Promise<void> {
    const port = Number(headerValue(data.headers, 'port'));
    let conn: Duplex;
    try {
      conn = await this.dial(port);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      endStream(error, `error forwarding port ${port} to pod ${this.options.pod ?? ''}, uid ${this.options.uid ?? ''}: ${reason}`);
      endStream(data);
      return;
    }
    if (this.isClosed || data.destroyed) {
      conn.destroy();
      return;
    }
    this.conns.add(conn);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.conns.delete(conn);
      conn.destroy();
      endStream(error);
      endStream(data);
    };
    // Errors mid-stream end this connection only; the kubelet would report them on the error
    // stream, which makes kubectl drop every forwarded connection.
    conn.on('error', finish);
    conn.on('close', finish);
    data.on('close', finish);
    data.pipe(conn);
    conn.pipe(data);
  }
}
