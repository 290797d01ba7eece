// The netns broker: lets a process in the host network namespace listen, dial and bind inside
// another namespace without giving the host any link, address or route. A small child process
// runs in the namespace (`ip netns exec <ns> node netns-broker-child.js`), opens the socket
// there and passes its file descriptor back over IPC; from then on the socket is an ordinary
// net.Server / net.Socket / dgram.Socket of the parent and the child is no longer involved.

import { fileURLToPath } from 'node:url';
import type net from 'node:net';
import type dgram from 'node:dgram';
import { spawnInNetns, netnsExists, type OwnedProcess } from './netns.js';

export interface BrokerRequest {
  id: number;
  op: 'listenTcp' | 'connectTcp' | 'bindUdp';
  host: string;
  port: number;
  backlog?: number;
  timeoutMs?: number;
  type?: 'udp4' | 'udp6';
  reuseAddr?: boolean;
}

export type BrokerReply =
  | { id: number; ok: true; address: { address: string; port: number; family: string } }
  | { id: number; ok: false; error: { message: string; code?: string } };

type Handle = net.Server | net.Socket | dgram.Socket;

interface Pending {
  resolve: (h: Handle) => void;
  reject: (e: Error) => void;
}

export interface NetnsBroker {
  readonly netns: string;
  /** A TCP server listening on host:port inside the namespace (port 0: any free port). */
  listenTcp(host: string, port: number, opts?: { backlog?: number }): Promise<net.Server>;
  /** A TCP connection made from inside the namespace, already connected. */
  connectTcp(host: string, port: number, opts?: { timeoutMs?: number }): Promise<net.Socket>;
  /** A UDP socket bound inside the namespace; send() and 'message' work as usual. */
  bindUdp(host: string, port: number, opts?: { type?: 'udp4' | 'udp6'; reuseAddr?: boolean }): Promise<dgram.Socket>;
  /** Ends the child. Sockets already handed over keep working and are their receivers' to close. */
  stop(): Promise<void>;
}

/** The child's entry: its .js beside this file once built, its .ts under tsx in development. */
function childEntry(): { script: string; execArgv: string[] } {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const script = fileURLToPath(new URL(`./netns-broker-child${ext}`, import.meta.url));
  return { script, execArgv: ext === '.ts' ? ['--import', import.meta.resolve('tsx')] : [] };
}

class Broker implements NetnsBroker {
  readonly netns: string;
  private proc: OwnedProcess | undefined;
  private ready: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  /** Servers handed over, by request id, for connections the child accepted before the handoff. */
  private readonly servers = new Map<number, net.Server>();
  private nextId = 1;
  private stopped = false;

  constructor(netns: string) {
    this.netns = netns;
  }

  /** Starts the child when none runs (first use, or after it died). */
  start(): Promise<void> {
    if (this.proc?.running && this.ready) return this.ready;
    if (!netnsExists(this.netns)) {
      return Promise.reject(new Error(`netns broker: network namespace "${this.netns}" does not exist`));
    }
    const { script, execArgv } = childEntry();
    const proc = spawnInNetns(this.netns, process.execPath, [...execArgv, script], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.proc = proc;
    let stderr = '';
    proc.child.stderr?.on('data', (b: Buffer) => { stderr = (stderr + b.toString()).slice(-2000); });
    this.ready = new Promise((resolve, reject) => {
      proc.child.on('message', (msg: any, handle: any) => {
        if (msg?.ready) resolve();
        else this.onReply(msg, handle);
      });
      void proc.exited.then(({ code, signal }) => {
        const why = new Error(`netns broker for ${this.netns} exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim()}` : ''}`);
        reject(why);
        for (const p of this.pending.values()) p.reject(why);
        this.pending.clear();
      });
    });
    // An idle broker must not keep the parent alive on its own (the channel is ref'd while a
    // request is outstanding, see holdAlive).
    proc.child.unref();
    (proc.child.stderr as net.Socket | null)?.unref();
    this.holdAlive(true);
    void this.ready.then(() => this.holdAlive(false), () => {});
    return this.ready;
  }

  private holdAlive(busy: boolean): void {
    const channel = this.proc?.child.channel as { ref?: () => void; unref?: () => void } | undefined;
    if (busy || this.pending.size > 0) channel?.ref?.();
    else channel?.unref?.();
  }

  private onReply(msg: BrokerReply | { accepted: number }, handle: Handle | undefined): void {
    if ('accepted' in msg) {
      this.servers.get(msg.accepted)?.emit('connection', handle);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    this.holdAlive(false);
    if (msg.ok && handle) p.resolve(handle);
    else if (!msg.ok) p.reject(Object.assign(new Error(msg.error.message), { code: msg.error.code }));
    else p.reject(new Error('netns broker answered without a socket'));
  }

  private async request(req: Omit<BrokerRequest, 'id'>): Promise<Handle> {
    if (this.stopped) throw new Error(`netns broker for ${this.netns} is stopped`);
    await this.start();
    const id = this.nextId++;
    const handle = await new Promise<Handle>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.holdAlive(true);
      this.proc!.child.send({ ...req, id }, (err) => {
        if (err) { this.pending.delete(id); this.holdAlive(false); reject(err); }
      });
    });
    if (req.op === 'listenTcp') {
      const server = handle as net.Server;
      this.servers.set(id, server);
      server.once('close', () => this.servers.delete(id));
    }
    return handle;
  }

  async listenTcp(host: string, port: number, opts: { backlog?: number } = {}): Promise<net.Server> {
    return (await this.request({ op: 'listenTcp', host, port, backlog: opts.backlog })) as net.Server;
  }

  async connectTcp(host: string, port: number, opts: { timeoutMs?: number } = {}): Promise<net.Socket> {
    return (await this.request({ op: 'connectTcp', host, port, timeoutMs: opts.timeoutMs })) as net.Socket;
  }

  async bindUdp(host: string, port: number, opts: { type?: 'udp4' | 'udp6'; reuseAddr?: boolean } = {}): Promise<dgram.Socket> {
    return (await this.request({ op: 'bindUdp', host, port, type: opts.type, reuseAddr: opts.reuseAddr })) as dgram.Socket;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const proc = this.proc;
    if (!proc) return;
    if (proc.child.connected) proc.child.disconnect();
    await proc.stop(2000);
  }
}

/** Starts a broker for one network namespace; resolves once its child is ready. */
export async function startNetnsBroker(netns: string): Promise<NetnsBroker> {
  const broker = new Broker(netns);
  await broker.start();
  return broker;
}
