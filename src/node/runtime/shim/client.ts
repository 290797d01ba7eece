// The agent's side of a pod shim's socket: requests, the exit watch, and attach streams.

import { connect, type Socket } from 'node:net';
import { PassThrough, Writable, type Readable } from 'node:stream';
import { Frame, FrameDecoder, encodeFrame, onJsonLines, readLine, type ShimEvent, type ShimReply, type ShimRequest, type ShimRun } from './protocol.js';

const REQUEST_TIMEOUT_MS = 15_000;

/** A live attach: the container's output, and its stdin when it has one. */
export interface AttachStreams {
  stdin?: Writable;
  stdout: Readable;
  stderr: Readable;
  resize(width: number, height: number): void;
  /**
   * Resolves with the exit code when the container ends, or undefined when the attach ends first;
   * rejects when the shim refuses the attach (the container is not running).
   */
  exit: Promise<number | undefined>;
  close(): void;
}

export class ShimClient {
  constructor(readonly socketPath: string) {}

  private open(req: ShimRequest): Socket {
    const socket = connect(this.socketPath);
    socket.write(`${JSON.stringify(req)}\n`);
    return socket;
  }

  /** One request, one reply. Rejects when the shim cannot be reached or does not answer. */
  request(req: ShimRequest): Promise<ShimReply> {
    return new Promise((resolve, reject) => {
      const socket = this.open(req);
      socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy(new Error(`pod shim did not answer ${req.op}`)));
      socket.on('error', reject);
      readLine(socket, (line) => {
        socket.destroy();
        try { resolve(JSON.parse(line) as ShimReply); } catch (err) { reject(err); }
      });
      socket.on('close', () => reject(new Error(`pod shim closed the connection during ${req.op}`)));
    });
  }

  /** Like request, but a refusal becomes an Error with the shim's message. */
  async call(req: ShimRequest): Promise<Extract<ShimReply, { ok: true }>> {
    const reply = await this.request(req);
    if (!reply.ok) throw new Error(reply.error);
    return reply;
  }

  /**
   * Follows container exits. `onReady` gets the runs the shim has when the watch starts; `onClose`
   * is called once when the connection ends (the shim exited or was killed).
   */
  watch(onReady: (runs: ShimRun[]) => void, onExit: (run: ShimRun) => void, onClose: (err?: Error) => void): { close(): void } {
    const socket = this.open({ op: 'watch' });
    let closed = false;
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (!closed) onClose();
      closed = true;
    });
    readLine(socket, (line, rest) => {
      const reply = JSON.parse(line) as ShimReply;
      if (reply.ok) onReady(reply.runs ?? []);
      onJsonLines<ShimEvent>(socket, rest, (ev) => {
        if (ev.event === 'exit') onExit(ev.run);
      });
    });
    return {
      close: () => {
        closed = true;
        socket.destroy();
      },
    };
  }

  /** A connection to localhost:port inside the pod (kubectl port-forward); rejects with the runtime's error. */
  portForward(port: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = this.open({ op: 'portforward', port });
      const closed = () => reject(new Error('pod shim closed the connection during portforward'));
      socket.once('error', reject);
      socket.once('close', closed);
      readLine(socket, (line, rest) => {
        // The pod's bytes wait until the caller reads them.
        socket.pause();
        socket.off('error', reject);
        socket.off('close', closed);
        let reply: ShimReply | undefined;
        try { reply = JSON.parse(line) as ShimReply; } catch { /* malformed: below */ }
        if (!reply?.ok) {
          socket.destroy();
          reject(new Error(reply && !reply.ok ? reply.error : `pod shim answered portforward with ${JSON.stringify(line)}`));
          return;
        }
        if (rest.length) socket.unshift(rest);
        // An error before the caller listens must not take the agent down; the caller's own listeners still hear it.
        socket.on('error', () => undefined);
        resolve(socket);
      });
    });
  }

  attach(id: string, opts: { stdin: boolean; stdout: boolean; stderr: boolean }): AttachStreams {
    const socket = this.open({ op: 'attach', ...opts, id });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let settle: (code: number | undefined) => void = () => undefined;
    let refuse: (err: Error) => void = () => undefined;
    const exit = new Promise<number | undefined>((resolve, reject) => { settle = resolve; refuse = reject; });
    // A refusal is the caller's to handle through exit; unawaited it must not end the process.
    exit.catch(() => undefined);
    const decoder = new FrameDecoder((type, payload) => {
      if (type === Frame.stdout) stdout.write(payload);
      else if (type === Frame.stderr) stderr.write(payload);
      else if (type === Frame.exit) {
        const info = JSON.parse(payload.toString()) as { exitCode?: number; error?: string };
        if (info.error) refuse(new Error(info.error));
        else settle(info.exitCode);
      }
    });
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      stdout.end();
      stderr.end();
      settle(undefined);
    });
    const send = (type: number, payload: Buffer | string) => {
      if (!socket.destroyed) socket.write(encodeFrame(type, payload));
    };
    const stdin = opts.stdin
      ? new Writable({
        write(chunk: Buffer, _enc, cb) { send(Frame.stdin, chunk); cb(); },
        final(cb) { send(Frame.closeStdin, ''); cb(); },
      })
      : undefined;
    return {
      stdin,
      stdout,
      stderr,
      exit,
      resize: (width, height) => send(Frame.resize, JSON.stringify({ Width: width, Height: height })),
      close: () => socket.destroy(),
    };
  }
}
