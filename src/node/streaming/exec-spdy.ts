// exec and attach over SPDY/3.1 (`Upgrade: SPDY/3.1`, X-Stream-Protocol-Version v4.channel.k8s.io):
// what kubectl before 1.30 speaks, and 1.30+ with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false. The
// client opens one stream per channel, each named by its streamType header (error, stdin, stdout,
// stderr, resize); once all it asked for are open the command runs, its Status goes out on the
// error stream, and the connection closes.

import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { execOptionsOrReject, parseTerminalSize, runExec, type ExecHandler, type ExecOptions } from './exec.js';
import { headerValue, type SpdyHeaders } from './spdy/header-block.js';
import { SpdySession, type SpdyStream } from './spdy/session.js';
import { acceptSpdyUpgrade, isUpgradeTo, rejectUpgrade, type StreamingConnection } from './upgrade.js';

/** The only SPDY exec protocol we speak: v4 is the one with exit codes (kubectl offers v4 first). */
export const EXEC_SPDY_PROTOCOL = 'v4.channel.k8s.io';

const STREAM_TYPES = ['error', 'stdin', 'stdout', 'stderr', 'resize'] as const;
type StreamType = (typeof STREAM_TYPES)[number];

export interface ExecSpdyOptions {
  /** How long the client may take to open its streams; default 30 s, as the kubelet. */
  streamCreationTimeoutMs?: number;
}

/** Serves an exec or attach SPDY upgrade and runs handler once the client's streams are open. */
export function serveExecSpdy(req: IncomingMessage, socket: Duplex, head: Buffer, handler: ExecHandler, options: ExecSpdyOptions = {}): StreamingConnection | undefined {
  if (!isUpgradeTo(req, 'SPDY/3.1')) {
    rejectUpgrade(socket, 400, 'unable to upgrade: missing upgrade headers in request');
    return undefined;
  }
  const opts = execOptionsOrReject(req, socket);
  if (!opts || !acceptSpdyUpgrade(req, socket, head, EXEC_SPDY_PROTOCOL)) return undefined;
  return new ExecSpdyConnection(socket, opts, handler, options.streamCreationTimeoutMs ?? 30_000);
}

function validateStream(headers: SpdyHeaders): void {
  const type = headerValue(headers, 'streamtype') ?? '';
  if (!(STREAM_TYPES as readonly string[]).includes(type)) throw new Error(`unexpected stream type: "${type}"`);
}

class ExecSpdyConnection implements StreamingConnection {
  readonly closed: Promise<void>;
  private readonly session: SpdySession;
  private readonly streams = new Map<StreamType, SpdyStream>();
  private readonly expected: number;
  private readonly abort = new AbortController();
  private readonly resize = new EventEmitter();
  private readonly timer: NodeJS.Timeout;

  constructor(socket: Duplex, private readonly opts: ExecOptions, private readonly handler: ExecHandler, timeoutMs: number) {
    // The error stream, one per asked-for stream, and resize for a terminal.
    this.expected = 1 + Number(opts.stdin) + Number(opts.stdout) + Number(opts.stderr) + Number(opts.tty);
    this.session = new SpdySession(socket, { validate: validateStream, onStream: (s) => this.onStream(s) });
    this.closed = new Promise((resolve) => this.session.once('close', () => resolve()));
    this.session.once('close', () => {
      clearTimeout(this.timer);
      this.abort.abort();
      this.resize.removeAllListeners();
    });
    // The kubelet gives up on clients that do not open their streams in time.
    this.timer = setTimeout(() => this.session.close(), timeoutMs);
  }

  close(): void {
    this.session.close();
  }

  private onStream(stream: SpdyStream): void {
    stream.on('error', () => stream.destroy());
    const type = headerValue(stream.headers, 'streamtype') as StreamType;
    if (this.streams.has(type)) {
      stream.reset();
      return;
    }
    this.streams.set(type, stream);
    if (type === 'resize') this.readResizes(stream);
    if (this.streams.size === this.expected) {
      clearTimeout(this.timer);
      void this.run();
    }
  }

  /** Terminal sizes arrive as JSON objects, one per line (Go's json.Encoder). */
  private readResizes(stream: SpdyStream): void {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (text: string) => {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const size = parseTerminalSize(line);
        if (size) this.resize.emit('resize', size);
      }
    });
  }

  private async run(): Promise<void> {
    const status = await runExec(this.handler, this.opts, {
      stdin: this.streams.get('stdin') ?? null,
      stdout: this.streams.get('stdout') ?? null,
      stderr: this.streams.get('stderr') ?? null,
      resize: this.resize,
      signal: this.abort.signal,
    });
    const error = this.streams.get('error');
    if (error && !error.destroyed) await new Promise<void>((resolve) => error.end(JSON.stringify(status), () => resolve()));
    this.session.close();
  }
}
