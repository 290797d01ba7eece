// The pod shim's state and work: the containers it started (their FIFOs, CRI logs, stop timers),
// the agent's connections (exit watches, attaches, port forwards) and the listening socket. One
// Shim owns all of it; stop() kills the containers and ends every timer, socket and stream.

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants as fsConstants, createReadStream, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync, type ReadStream } from 'node:fs';
import { connect, createServer, Socket, type Server } from 'node:net';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { CriLogWriter } from '../logs.js';
import { goDialError } from '../../../images/goerrors.js';
import { lookPathError } from '../../../images/lookpath.js';
import { processStartTime, signalTree } from '../procfs.js';
import { onPty, resizePty } from '../tty.js';
import { Frame, FrameDecoder, encodeFrame, readLine, type SandboxConfig, type ShimEvent, type ShimReply, type ShimRequest, type ShimRun, type StartSpec } from './protocol.js';

export const HOST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** How long stop() and a shutdown request wait for killed containers to be recorded as exited. */
const SHUTDOWN_WAIT_MS = 5000;
/** How long output still drains after a container's main process exits. */
const DRAIN_MS = 2000;

interface Attacher {
  socket: Socket;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

interface Run {
  spec: StartSpec;
  child: ChildProcess;
  /** The shim's end of the container's stdin, when it has one. */
  stdin?: Socket;
  /** The shim's ends of the container's stdout and stderr. */
  readers: ReadStream[];
  info: ShimRun;
  log: CriLogWriter;
  attachers: Set<Attacher>;
  stopTimer?: NodeJS.Timeout;
  drainTimer?: NodeJS.Timeout;
  /** Resolves once the exit is recorded. */
  ended: Promise<void>;
  markEnded: () => void;
}

export interface ShimOptions {
  /** The pod directory: shim.json is written there once the shim listens. */
  podDir: string;
  config: SandboxConfig;
  log(message: string): void;
  /** The agent asked the shim to shut down (its containers are dead, the reply is sent). */
  onShutdown(): void;
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(value));
  renameSync(`${path}.tmp`, path);
}

function send(socket: Socket, value: ShimReply | ShimEvent): void {
  if (!socket.destroyed) socket.write(`${JSON.stringify(value)}\n`);
}

/**
 * Who gets the SIGTERM that starts a stop: the container's main process alone, as a container
 * runtime signals only a container's init (its children are not interrupted; the SIGKILL after
 * the grace period takes the whole tree). Under a tty that is the command `script` runs.
 */
function gracefulTarget(run: Run): number | undefined {
  const pid = run.info.pid;
  if (pid === undefined) return undefined;
  if (!run.spec.tty) return pid;
  try {
    const child = Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0]);
    return child > 0 ? child : pid;
  } catch {
    return pid;
  }
}

/**
 * The container's stdio are FIFOs, as container runtimes give them: unlike Node's socketpairs, a
 * FIFO can be reopened through /dev/stdout (nginx's access log does that), and splicing between
 * FIFOs never holds an output pipe's lock while waiting for input (busybox cat uses sendfile;
 * from a socket, that would block every reader of its stdout). Output is still read with
 * blocking reads on the libuv thread pool, so that no container can stall the event loop.
 */
function fifo(path: string, shimSide: 'read' | 'write'): { shim: number; container: number } {
  rmSync(path, { force: true });
  execFileSync('mkfifo', ['-m', '600', path], { env: { PATH: HOST_PATH } });
  // Opening one end blocks until the other is open: a non-blocking read end first lets the
  // write end open at once, and then a blocking read end opens at once too.
  const probe = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  const write = openSync(path, fsConstants.O_WRONLY | (shimSide === 'write' ? fsConstants.O_NONBLOCK : 0));
  const read = openSync(path, fsConstants.O_RDONLY);
  closeSync(probe);
  rmSync(path);
  return shimSide === 'read' ? { shim: read, container: write } : { shim: write, container: read };
}

export class Shim {
  private readonly runs = new Map<string, Run>();
  private readonly watchers = new Set<Socket>();
  /** Every connection from the agent, and every connection made for a port forward. */
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private stopping?: Promise<void>;

  constructor(private readonly o: ShimOptions) {
    this.server = createServer((socket) => {
      this.own(socket);
      socket.on('error', () => undefined);
      readLine(socket, (line, rest) => this.handle(socket, line, rest));
    });
  }

  /** Listens on the sandbox's socket and records the shim's pid in shim.json. */
  listen(): Promise<void> {
    const { socketPath, podUid } = this.o.config;
    mkdirSync(dirname(socketPath), { recursive: true });
    try { unlinkSync(socketPath); } catch { /* not there */ }
    return new Promise((resolve) => {
      this.server.listen(socketPath, () => {
        writeJson(join(this.o.podDir, 'shim.json'), { pid: process.pid, startTime: processStartTime(process.pid) });
        this.o.log(`shim for pod ${podUid} listening on ${socketPath}`);
        resolve();
      });
    });
  }

  /**
   * Kills every container and waits (a while) for their exits to be recorded, then ends every
   * timer, stream and socket and removes the listening socket. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.killContainers();
      for (const run of this.runs.values()) {
        clearTimeout(run.stopTimer);
        clearTimeout(run.drainTimer);
        for (const r of run.readers) r.destroy();
        run.stdin?.destroy();
        run.log.close();
      }
      for (const socket of this.sockets) socket.destroy();
      this.server.close();
      try { unlinkSync(this.o.config.socketPath); } catch { /* already gone */ }
    })();
    return this.stopping;
  }

  private own(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /** SIGKILL to every running container's tree; resolves once their exits are recorded (at most SHUTDOWN_WAIT_MS). */
  private async killContainers(): Promise<void> {
    const running = [...this.runs.values()].filter((r) => r.info.state === 'running');
    for (const r of running) if (r.info.pid) signalTree(r.info.pid, 'SIGKILL');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(running.map((r) => r.ended)), new Promise((resolve) => { timer = setTimeout(resolve, SHUTDOWN_WAIT_MS); })]);
    clearTimeout(timer);
  }

  private finish(run: Run, code: number | null, signal: NodeJS.Signals | null): void {
    if (run.info.state === 'exited') return;
    clearTimeout(run.stopTimer);
    run.log.close();
    const exitCode = code ?? 128 + (signal ? constants.signals[signal] : 0);
    run.info = { ...run.info, state: 'exited', exitCode, finishedAt: new Date().toISOString(), reason: exitCode === 0 ? 'Completed' : 'Error' };
    writeJson(join(run.spec.stateDir, 'exit.json'), run.info);
    for (const a of run.attachers) {
      if (!a.socket.destroyed) a.socket.end(encodeFrame(Frame.exit, JSON.stringify({ exitCode })));
    }
    run.attachers.clear();
    for (const w of this.watchers) send(w, { event: 'exit', run: run.info });
    run.markEnded();
  }

  private start(spec: StartSpec): ShimReply {
    if (this.stopping) return { ok: false, error: 'the pod shim is shutting down' };
    if (this.runs.get(spec.id)?.info.state === 'running') return { ok: false, error: `container ${spec.id} is already running` };
    const problem = lookPathError(spec.argv[0] ?? '', spec.env.PATH ?? HOST_PATH);
    if (problem) return { ok: false, error: `unable to start container process: ${problem}` };
    if (!existsSync(spec.cwd)) return { ok: false, error: `unable to start container process: chdir to cwd (${JSON.stringify(spec.cwd)}) set in config.json failed: no such file or directory` };
    mkdirSync(spec.stateDir, { recursive: true });
    mkdirSync(dirname(spec.logPath), { recursive: true });
    const argv = spec.tty ? onPty(spec.argv) : spec.argv;
    // script needs a stdin even when the container has none; it then never gets input.
    const input = spec.stdin || spec.tty ? fifo(join(spec.stateDir, 'stdin'), 'write') : undefined;
    const out = fifo(join(spec.stateDir, 'stdout'), 'read');
    const err = fifo(join(spec.stateDir, 'stderr'), 'read');
    let child: ChildProcess | undefined;
    try {
      child = spawn(argv[0], argv.slice(1), { env: spec.env, cwd: spec.cwd, detached: true, stdio: [input?.container ?? 'ignore', out.container, err.container] });
    } catch {
      // reported below: no pid
    } finally {
      for (const fd of [input?.container, out.container, err.container]) if (fd !== undefined) closeSync(fd);
    }
    const pid = child?.pid;
    if (child === undefined || pid === undefined) {
      for (const fd of [input?.shim, out.shim, err.shim]) if (fd !== undefined) closeSync(fd);
      return { ok: false, error: `unable to start container process: exec: ${JSON.stringify(spec.argv[0])}: could not start` };
    }
    const startedAt = new Date().toISOString();
    const info: ShimRun = { id: spec.id, name: spec.name, attempt: spec.attempt, tty: spec.tty, state: 'running', pid, startedAt };
    let markEnded = () => undefined as void;
    const ended = new Promise<void>((resolve) => { markEnded = resolve; });
    const stdin = input ? new Socket({ fd: input.shim, readable: false, writable: true }) : undefined;
    const readers = [out.shim, err.shim].map((fd) => createReadStream('', { fd, highWaterMark: 64 * 1024 }));
    const run: Run = { spec, child, stdin, readers, info, log: new CriLogWriter(spec.logPath), attachers: new Set(), ended, markEnded };
    this.runs.set(spec.id, run);
    writeJson(join(spec.stateDir, 'pid.json'), { pid, startTime: processStartTime(pid), startedAt });

    stdin?.on('error', () => undefined);
    const fanOut = (stream: 'stdout' | 'stderr') => (chunk: Buffer | string) => {
      run.log.write(stream, chunk);
      const frame = encodeFrame(stream === 'stdout' ? Frame.stdout : Frame.stderr, chunk);
      for (const a of run.attachers) if (a[stream] && !a.socket.destroyed) a.socket.write(frame);
    };
    readers[0].on('data', fanOut('stdout'));
    readers[1].on('data', fanOut('stderr'));
    const drained = Promise.all(readers.map((r) => new Promise<void>((resolve) => r.once('close', () => resolve()))));
    child.on('error', (e) => this.o.log(`container ${spec.name}: ${e.message}`));
    child.on('exit', (code, signal) => {
      // Like a container runtime: when the main process ends, whatever it left behind in its
      // process group goes too, so that its output closes.
      try { process.kill(-pid, 'SIGKILL'); } catch { /* nothing left */ }
      run.drainTimer = setTimeout(() => readers.forEach((r) => r.destroy()), DRAIN_MS);
      void drained.then(() => {
        clearTimeout(run.drainTimer);
        stdin?.destroy();
        this.finish(run, code, signal);
      });
    });
    if (spec.tty) void resizePty(pid, 80, 24);
    return { ok: true, run: info };
  }

  private stopRun(id: string, graceMs: number): ShimReply {
    const run = this.runs.get(id);
    if (!run) return { ok: false, error: `container ${id} not found` };
    if (run.info.state !== 'running' || run.info.pid === undefined) return { ok: true, run: run.info };
    const pid = run.info.pid;
    const target = gracefulTarget(run);
    if (graceMs <= 0) {
      signalTree(pid, 'SIGKILL');
    } else {
      try { if (target !== undefined) process.kill(target, 'SIGTERM'); } catch { /* exiting already */ }
      clearTimeout(run.stopTimer);
      run.stopTimer = setTimeout(() => {
        if (run.info.state === 'running') signalTree(pid, 'SIGKILL');
      }, graceMs);
    }
    return { ok: true, run: run.info };
  }

  private attach(socket: Socket, req: Extract<ShimRequest, { op: 'attach' }>, rest: Buffer): void {
    const run = this.runs.get(req.id);
    if (!run || run.info.state !== 'running') {
      // containerd's words for attaching to a container that has ended.
      const error = run ? 'container is in CONTAINER_EXITED state' : `container ${req.id} not found`;
      socket.end(encodeFrame(Frame.exit, JSON.stringify({ error })));
      return;
    }
    const a: Attacher = { socket, stdin: req.stdin && !!run.stdin && run.spec.stdin, stdout: req.stdout, stderr: req.stderr };
    run.attachers.add(a);
    const closeStdin = () => {
      // stdinOnce: the container's stdin closes when the first attached client is done with it.
      if (a.stdin && run.spec.stdinOnce) run.stdin?.end();
      a.stdin = false;
    };
    const decoder = new FrameDecoder((type, payload) => {
      if (type === Frame.stdin && a.stdin) run.stdin?.write(payload);
      else if (type === Frame.closeStdin) closeStdin();
      else if (type === Frame.resize && run.spec.tty && run.info.pid) {
        const size = JSON.parse(payload.toString()) as { Width: number; Height: number };
        void resizePty(run.info.pid, size.Width, size.Height);
      }
    });
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
    socket.on('close', () => {
      closeStdin();
      run.attachers.delete(a);
    });
    if (rest.length) decoder.push(rest);
  }

  /** A connection to localhost:port in the pod, as the runtime's port forwarding makes it (IPv4, then IPv6). */
  private dialLocalhost(port: number): Promise<Socket> {
    const dial = (host: string) => new Promise<Socket>((resolve, reject) => {
      const conn = connect({ host, port });
      this.own(conn);
      conn.once('connect', () => {
        conn.off('error', reject);
        resolve(conn);
      });
      conn.once('error', reject);
    });
    return dial('127.0.0.1').catch((err4: Error) => dial('::1').catch((err6: Error) => {
      throw new Error(`failed to connect to localhost:${port} inside namespace "${this.o.config.podUid}", IPv4: ${goDialError(err4, 'tcp4', `127.0.0.1:${port}`)} IPv6 ${goDialError(err6, 'tcp6', `[::1]:${port}`)} `);
    }));
  }

  private portForward(socket: Socket, port: number, rest: Buffer): void {
    // Nothing is read until the connection in the pod is there to take it.
    socket.pause();
    this.dialLocalhost(port).then((conn) => {
      // A client's FIN reaches the server in the pod, whose answer still comes back (half-close).
      socket.allowHalfOpen = true;
      conn.allowHalfOpen = true;
      send(socket, { ok: true });
      if (rest.length) conn.write(rest);
      conn.on('error', () => socket.destroy());
      socket.on('close', () => conn.destroy());
      conn.on('close', () => socket.destroy());
      socket.pipe(conn);
      conn.pipe(socket);
    }, (err: Error) => {
      send(socket, { ok: false, error: err.message });
      socket.end();
    });
  }

  private handle(socket: Socket, line: string, rest: Buffer): void {
    let req: ShimRequest;
    try {
      req = JSON.parse(line) as ShimRequest;
    } catch {
      send(socket, { ok: false, error: 'malformed request' });
      socket.end();
      return;
    }
    switch (req.op) {
      case 'hello':
        send(socket, { ok: true, pid: process.pid, runs: [...this.runs.values()].map((r) => r.info) });
        return void socket.end();
      case 'start':
        send(socket, this.start(req.spec));
        return void socket.end();
      case 'stop':
        send(socket, this.stopRun(req.id, req.graceMs));
        return void socket.end();
      case 'forget':
        this.runs.delete(req.id);
        send(socket, { ok: true });
        return void socket.end();
      case 'watch':
        this.watchers.add(socket);
        socket.on('close', () => this.watchers.delete(socket));
        send(socket, { ok: true, runs: [...this.runs.values()].map((r) => r.info) });
        return;
      case 'attach':
        return this.attach(socket, req, rest);
      case 'portforward':
        return this.portForward(socket, req.port, rest);
      case 'shutdown':
        void this.killContainers().then(() => {
          send(socket, { ok: true });
          socket.end(() => this.o.onShutdown());
        });
        return;
    }
  }
}
