// knit's pod shim: one process per pod, started inside the pod's network namespace (with its
// resolv.conf and hosts mounted by `ip netns exec`) and a UTS namespace of its own named after
// the pod. Containers are its children and inherit all of that. It writes their CRI logs, keeps
// their stdin, records their exit, and outlives restarts of the node agent.
//
//   node shim/main.js <pod directory>   (reads <pod directory>/sandbox.json)

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants as fsConstants, createReadStream, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer, Socket } from 'node:net';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { CriLogWriter } from '../logs.js';
import { goDialError } from '../../../images/goerrors.js';
import { lookPathError } from '../../../images/lookpath.js';
import { processStartTime, signalTree } from '../procfs.js';
import { onPty, resizePty } from '../tty.js';
import { Frame, FrameDecoder, encodeFrame, readLine, type SandboxConfig, type ShimEvent, type ShimReply, type ShimRequest, type ShimRun, type StartSpec } from './protocol.js';

const HOST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface Attacher {
  socket: Socket;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

interface Run {
  spec: StartSpec;
  /** The shim's end of the container's stdin, when it has one. */
  stdin?: Socket;
  info: ShimRun;
  log: CriLogWriter;
  attachers: Set<Attacher>;
  stopTimer?: NodeJS.Timeout;
  /** Resolves once the exit is recorded. */
  ended: Promise<void>;
  markEnded: () => void;
}

const podDir = process.argv[2];
const config = JSON.parse(readFileSync(join(podDir, 'sandbox.json'), 'utf8')) as SandboxConfig;
const runs = new Map<string, Run>();
const watchers = new Set<Socket>();

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString()} ${message}\n`);
}

function setHostname(name: string): void {
  for (const argv of [['hostname', name], ['busybox', 'hostname', name]]) {
    try {
      execFileSync(argv[0], argv.slice(1), { env: { PATH: HOST_PATH }, stdio: 'ignore' });
      return;
    } catch {
      // try the next way
    }
  }
  log(`cannot set the hostname to ${name}`);
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

function finish(run: Run, code: number | null, signal: NodeJS.Signals | null): void {
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
  for (const w of watchers) send(w, { event: 'exit', run: run.info });
  run.markEnded();
}

function start(spec: StartSpec): ShimReply {
  if (runs.get(spec.id)?.info.state === 'running') return { ok: false, error: `container ${spec.id} is already running` };
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
  const run: Run = { spec, stdin, info, log: new CriLogWriter(spec.logPath), attachers: new Set(), ended, markEnded };
  runs.set(spec.id, run);
  writeJson(join(spec.stateDir, 'pid.json'), { pid, startTime: processStartTime(pid), startedAt });

  stdin?.on('error', () => undefined);
  const readers = [out.shim, err.shim].map((fd) => createReadStream('', { fd, highWaterMark: 64 * 1024 }));
  const fanOut = (stream: 'stdout' | 'stderr') => (chunk: Buffer | string) => {
    run.log.write(stream, chunk);
    const frame = encodeFrame(stream === 'stdout' ? Frame.stdout : Frame.stderr, chunk);
    for (const a of run.attachers) if (a[stream] && !a.socket.destroyed) a.socket.write(frame);
  };
  readers[0].on('data', fanOut('stdout'));
  readers[1].on('data', fanOut('stderr'));
  const drained = Promise.all(readers.map((r) => new Promise<void>((resolve) => r.once('close', () => resolve()))));
  child.on('error', (e) => log(`container ${spec.name}: ${e.message}`));
  child.on('exit', (code, signal) => {
    // Like a container runtime: when the main process ends, whatever it left behind in its
    // process group goes too, so that its output closes.
    try { process.kill(-pid, 'SIGKILL'); } catch { /* nothing left */ }
    const timeout = setTimeout(() => readers.forEach((r) => r.destroy()), 2000);
    void drained.then(() => {
      clearTimeout(timeout);
      stdin?.destroy();
      finish(run, code, signal);
    });
  });
  if (spec.tty) void resizePty(pid, 80, 24);
  return { ok: true, run: info };
}

function stop(id: string, graceMs: number): ShimReply {
  const run = runs.get(id);
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

function attach(socket: Socket, req: Extract<ShimRequest, { op: 'attach' }>, rest: Buffer): void {
  const run = runs.get(req.id);
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
function dialLocalhost(port: number): Promise<Socket> {
  const dial = (host: string) => new Promise<Socket>((resolve, reject) => {
    const conn = connect({ host, port });
    conn.once('connect', () => {
      conn.off('error', reject);
      resolve(conn);
    });
    conn.once('error', reject);
  });
  return dial('127.0.0.1').catch((err4: Error) => dial('::1').catch((err6: Error) => {
    throw new Error(`failed to connect to localhost:${port} inside namespace "${config.podUid}", IPv4: ${goDialError(err4, 'tcp4', `127.0.0.1:${port}`)} IPv6 ${goDialError(err6, 'tcp6', `[::1]:${port}`)} `);
  }));
}

function portForward(socket: Socket, port: number, rest: Buffer): void {
  // Nothing is read until the connection in the pod is there to take it.
  socket.pause();
  dialLocalhost(port).then((conn) => {
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

async function shutdown(): Promise<void> {
  const running = [...runs.values()].filter((r) => r.info.state === 'running');
  for (const r of running) if (r.info.pid) signalTree(r.info.pid, 'SIGKILL');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(running.map((r) => r.ended)), new Promise((resolve) => { timer = setTimeout(resolve, 5000); })]);
  clearTimeout(timer);
}

function handle(socket: Socket, line: string, rest: Buffer): void {
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
      send(socket, { ok: true, pid: process.pid, runs: [...runs.values()].map((r) => r.info) });
      return void socket.end();
    case 'start':
      send(socket, start(req.spec));
      return void socket.end();
    case 'stop':
      send(socket, stop(req.id, req.graceMs));
      return void socket.end();
    case 'forget':
      runs.delete(req.id);
      send(socket, { ok: true });
      return void socket.end();
    case 'watch':
      watchers.add(socket);
      socket.on('close', () => watchers.delete(socket));
      send(socket, { ok: true, runs: [...runs.values()].map((r) => r.info) });
      return;
    case 'attach':
      return attach(socket, req, rest);
    case 'portforward':
      return portForward(socket, req.port, rest);
    case 'shutdown':
      void shutdown().then(() => {
        send(socket, { ok: true });
        socket.end(() => exit());
      });
      return;
  }
}

const server = createServer((socket) => {
  socket.on('error', () => undefined);
  readLine(socket, (line, rest) => handle(socket, line, rest));
});

function exit(): void {
  server.close();
  try { unlinkSync(config.socketPath); } catch { /* already gone */ }
  process.exit(0);
}

process.on('uncaughtException', (err) => log(`uncaught: ${err.stack ?? err.message}`));
process.on('SIGTERM', () => void shutdown().then(exit));
process.on('SIGHUP', () => undefined);
process.on('SIGINT', () => undefined);

setHostname(config.hostname);
mkdirSync(dirname(config.socketPath), { recursive: true });
try { unlinkSync(config.socketPath); } catch { /* not there */ }
server.listen(config.socketPath, () => {
  writeJson(join(podDir, 'shim.json'), { pid: process.pid, startTime: processStartTime(process.pid) });
  log(`shim for pod ${config.podUid} listening on ${config.socketPath}`);
});
