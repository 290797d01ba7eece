// The pod shim's socket protocol. Each connection starts with one JSON request line. Control
// requests get one JSON reply line; "watch" gets one JSON line per container exit; "attach"
// switches to binary frames: [type u8][length u32 big-endian][payload]; "portforward" gets one
// reply line, then carries the bytes of a connection to localhost:<port> in the pod.

import type { Socket } from 'node:net';
import type { ContainerRun } from '../types.js';

/** sandbox.json in the pod directory: what the shim needs before it can listen. */
export interface SandboxConfig {
  podUid: string;
  hostname: string;
  socketPath: string;
}

export interface StartSpec {
  id: string;
  name: string;
  attempt: number;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  stdin: boolean;
  stdinOnce: boolean;
  tty: boolean;
  /** The CRI log file of this run. */
  logPath: string;
  /** Where the shim records pid.json and exit.json of this run. */
  stateDir: string;
}

export type ShimRequest =
  | { op: 'hello' }
  | { op: 'start'; spec: StartSpec }
  | { op: 'stop'; id: string; graceMs: number }
  | { op: 'forget'; id: string }
  | { op: 'watch' }
  | { op: 'attach'; id: string; stdin: boolean; stdout: boolean; stderr: boolean }
  | { op: 'portforward'; port: number }
  | { op: 'shutdown' };

/** A run as the shim reports it. */
export type ShimRun = ContainerRun & { name: string; tty: boolean };

export type ShimReply =
  | { ok: true; pid?: number; runs?: ShimRun[]; run?: ShimRun }
  | { ok: false; error: string };

export type ShimEvent = { event: 'exit'; run: ShimRun };

export const Frame = {
  stdin: 0,
  stdout: 1,
  stderr: 2,
  /** {"Width":n,"Height":n} */
  resize: 3,
  closeStdin: 4,
  /** {"exitCode":n} sent by the shim when the container ends. */
  exit: 5,
} as const;

export function encodeFrame(type: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = Buffer.alloc(5);
  head.writeUInt8(type, 0);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** Feeds bytes in, calls back once per complete frame. */
export class FrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (type: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    while (this.buffer.length >= 5) {
      const length = this.buffer.readUInt32BE(1);
      if (this.buffer.length < 5 + length) break;
      const type = this.buffer.readUInt8(0);
      const payload = this.buffer.subarray(5, 5 + length);
      this.buffer = this.buffer.subarray(5 + length);
      this.onFrame(type, payload);
    }
  }
}

/**
 * Reads the first newline-terminated line from a socket, then hands over the rest of the stream
 * (any bytes after the line are passed to `rest`).
 */
export function readLine(socket: Socket, onLine: (line: string, rest: Buffer) => void): void {
  let buffer: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    const nl = buffer.indexOf(0x0a);
    if (nl < 0) return;
    socket.off('data', onData);
    onLine(buffer.subarray(0, nl).toString(), buffer.subarray(nl + 1));
  };
  socket.on('data', onData);
}

/** Splits a stream of newline-delimited JSON into objects. */
export function onJsonLines<T>(socket: Socket, first: Buffer, onObject: (obj: T) => void): void {
  let pending = '';
  const feed = (chunk: Buffer) => {
    pending += chunk.toString();
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.trim()) onObject(JSON.parse(line) as T);
    }
  };
  if (first.length) feed(first);
  socket.on('data', feed);
}
