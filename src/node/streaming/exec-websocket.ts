// exec and attach over WebSocket, as kubectl 1.30+ speaks them first: subprotocol
// v5.channel.k8s.io (v4.channel.k8s.io for older clients). Binary messages carry one channel byte,
// then data: stdin 0, stdout 1, stderr 2, error 3, resize 4 ({"Width":W,"Height":H}); v5 adds
// close [255, channel], with which the client half-closes stdin. The exit goes out on channel 3
// as a metav1.Status, then the WebSocket closes normally (the client's end of stdout/stderr).

import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { Readable, Writable, type Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { execOptionsOrReject, parseTerminalSize, runExec, type ExecHandler, type ExecOptions } from './exec.js';
import { goList, headerList, isUpgradeTo, rejectUpgrade, type StreamingConnection } from './upgrade.js';

export const EXEC_PROTOCOL_V5 = 'v5.channel.k8s.io';
export const EXEC_PROTOCOL_V4 = 'v4.channel.k8s.io';
/** Offered protocols we accept, best first. */
const PROTOCOLS = [EXEC_PROTOCOL_V5, EXEC_PROTOCOL_V4];

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

/**
 * Serves an exec or attach WebSocket upgrade (from an http(s) server's 'upgrade' event) and runs
 * handler with the streams the query asked for. Bad requests get an HTTP error and undefined.
 */
export function serveExecWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, handler: ExecHandler): StreamingConnection | undefined {
  if (!isUpgradeTo(req, 'websocket')) {
    rejectUpgrade(socket, 400, 'unable to upgrade: missing upgrade headers in request');
    return undefined;
  }
  const opts = execOptionsOrReject(req, socket);
  if (!opts) return undefined;
  const offered = headerList(req, 'sec-websocket-protocol');
  const protocol = offered.find((p) => PROTOCOLS.includes(p));
  if (!protocol) {
    rejectUpgrade(socket, 403, `unable to upgrade: requested protocol(s) are not supported: ${goList(offered)}; supports ${goList(PROTOCOLS)}`);
    return undefined;
  }
  const session = new ExecConnection(socket, opts, protocol === EXEC_PROTOCOL_V5);
  const wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, handleProtocols: () => protocol });
  wss.handleUpgrade(req, socket, head, (ws) => session.start(ws, handler));
  return session;
}

class ExecConnection implements StreamingConnection {
  readonly closed: Promise<void>;
  private ws?: WebSocket;
  private readonly abort = new AbortController();
  private readonly resize = new EventEmitter();
  private stdin: Readable | null = null;
  private stdinEnded = false;
  private stdout: Writable | null = null;
  private stderr: Writable | null = null;
  private resolveClosed!: () => void;

  constructor(private readonly socket: Duplex, private readonly opts: ExecOptions, private readonly closeSignal: boolean) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    socket.once('close', () => {
      if (!this.ws) this.gone();
    });
  }

  close(): void {
    if (this.ws) this.ws.terminate();
    else this.socket.destroy();
    this.gone();
  }

  start(ws: WebSocket, handler: ExecHandler): void {
    this.ws = ws;
    if (this.abort.signal.aborted) {
      ws.terminate();
      return;
    }
    ws.on('close', () => this.gone());
    ws.on('error', () => ws.terminate());
    ws.on('message', (data) => this.receive(data));
    if (this.opts.stdin) this.stdin = new Readable({ read: () => ws.resume() });
    if (this.opts.stdout) this.stdout = this.channelWriter(STDOUT);
    if (this.opts.stderr) this.stderr = this.channelWriter(STDERR);
    // An empty message on the lowest writable channel tells the client the streams are up.
    this.sendFrame(this.opts.stdout ? STDOUT : this.opts.stderr ? STDERR : ERROR, Buffer.alloc(0));
    void this.run(handler);
  }

  private async run(handler: ExecHandler): Promise<void> {
    const streams = { stdin: this.stdin, stdout: this.stdout, stderr: this.stderr, resize: this.resize, signal: this.abort.signal };
    const status = await runExec(handler, this.opts, streams);
    this.sendFrame(ERROR, Buffer.from(JSON.stringify(status)));
    this.ws?.close(1000);
  }

  private channelWriter(channel: number): Writable {
    const writer = new Writable({
      write: (chunk: Buffer, _enc, cb) => this.sendFrame(channel, chunk, cb),
    });
    // A handler writing after it resolved must not take the process down; its late output is lost.
    writer.on('error', () => undefined);
    return writer;
  }

  /** Sends one channel frame; after the client left, output is dropped rather than failing the command's pipes. */
  private sendFrame(channel: number, data: Buffer, cb?: () => void): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== ws.OPEN) {
      cb?.();
      return;
    }
    ws.send(Buffer.concat([Buffer.from([channel]), data]), { binary: true }, () => cb?.());
  }

  private receive(raw: RawData): void {
    const data = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (data.length === 0) return;
    const channel = data[0];
    const payload = data.subarray(1);
    if (this.closeSignal && channel === CLOSE) {
      // [255, channel]: the client closed that stream; only stdin is the client's to close.
      if (payload.length !== 1) {
        this.ws?.close(1002, 'single channel byte should follow stream close signal');
      } else if (payload[0] === STDIN) {
        this.endStdin();
      }
      return;
    }
    if (channel === STDIN && this.stdin && !this.stdinEnded) {
      if (!this.stdin.push(payload)) this.ws?.pause();
    } else if (channel === RESIZE) {
      const size = parseTerminalSize(payload.toString('utf8'));
      if (size) this.resize.emit('resize', size);
    }
  }

  private endStdin(): void {
    if (!this.stdin || this.stdinEnded) return;
    this.stdinEnded = true;
    this.stdin.push(null);
  }

  private gone(): void {
    if (this.abort.signal.aborted) return;
    this.abort.abort();
    this.endStdin();
    this.resize.removeAllListeners();
    this.resolveClosed();
  }
}
