// A small node built of network namespaces, for kernel tests and benchmarks of kube-proxy and the
// policy component:
//
//   <prefix>-cli  eth0 192.168.1.200 ──veth── eth0 192.168.1.10  <prefix>-node
//                                                cni0 10.244.1.1/24 (bridge)
//                                                 ├─ veth1 ── eth0 10.244.1.2  <prefix>-pod1
//                                                 └─ vethN ── eth0 10.244.1.N+1 <prefix>-podN
//
// Each pod runs a tiny Node.js server answering "<pod name> <client address>" on TCP 8080 and
// UDP 8081; the client and the node each run a probe agent that opens connections on request.
// destroy() ends every process it started (by pid) and deletes every namespace it created.

import { type ChildProcessByStdio, execFile, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const NODE_IP = '192.168.1.10';
export const CLIENT_IP = '192.168.1.200';
export const POD_GATEWAY = '10.244.1.1';
export const TCP_PORT = 8080;
export const UDP_PORT = 8081;

const POD_SERVER = `
const net = require('net'), dgram = require('dgram');
const name = process.argv[1];
net.createServer((s) => { s.on('error', () => {}); s.end(name + ' ' + s.remoteAddress + '\\n'); }).listen(${TCP_PORT}, '0.0.0.0', () => {
  const udp = dgram.createSocket('udp4');
  udp.on('message', (m, r) => udp.send(name + ' ' + r.address, r.port, r.address));
  udp.bind(${UDP_PORT}, () => console.log('ready'));
});`;

const PROBE_AGENT = `
const net = require('net'), dgram = require('dgram'), readline = require('readline');
const reply = (id, o) => process.stdout.write(JSON.stringify({ id, ...o }) + '\\n');
function tcp(c, done) {
  const s = net.connect({ host: c.host, port: c.port });
  let data = '';
  const t = setTimeout(() => done({ ok: false, code: 'ETIMEDOUT' }), c.timeout);
  const finish = (o) => { clearTimeout(t); s.destroy(); done(o); };
  s.on('data', (d) => (data += d));
  s.on('end', () => finish({ ok: true, data: data.trim() }));
  s.on('error', (e) => finish({ ok: false, code: e.code }));
}
function connect(c, done) {
  const s = net.connect({ host: c.host, port: c.port });
  const t = setTimeout(() => { s.destroy(); done({ ok: false, code: 'ETIMEDOUT' }); }, c.timeout);
  s.on('connect', () => { clearTimeout(t); s.destroy(); done({ ok: true }); });
  s.on('error', (e) => { clearTimeout(t); done({ ok: false, code: e.code }); });
}
function udp(c, done) {
  const u = dgram.createSocket('udp4');
  const t = setTimeout(() => finish({ ok: false, code: 'ETIMEDOUT' }), c.timeout);
  const finish = (o) => { clearTimeout(t); try { u.close(); } catch {} done(o); };
  u.on('message', (m) => finish({ ok: true, data: m.toString() }));
  u.on('error', (e) => finish({ ok: false, code: e.code }));
  u.bind(c.srcPort || 0, () => u.connect(c.port, c.host, () => u.send('x')));
}
function connectTimes(c, done) {
  const times = [];
  const next = () => {
    if (times.length === c.count) return done({ ok: true, times });
    const start = process.hrtime.bigint();
    const s = net.connect({ host: c.host, port: c.port });
    s.on('connect', () => { times.push(Number(process.hrtime.bigint() - start) / 1000); s.destroy(); setImmediate(next); });
    s.on('error', (e) => done({ ok: false, code: e.code }));
  };
  next();
}
function load(c, done) {
  let count = 0, running = c.concurrency, failed;
  const end = Date.now() + c.ms;
  const loop = () => {
    if (failed || Date.now() >= end) { if (--running === 0) done(failed ? { ok: false, code: failed } : { ok: true, count }); return; }
    const s = net.connect({ host: c.host, port: c.port });
    s.on('data', () => {});
    s.on('end', () => { count++; s.destroy(); loop(); });
    s.on('error', (e) => { failed = e.code; s.destroy(); loop(); });
  };
  for (let i = 0; i < c.concurrency; i++) loop();
}
const ops = { tcp, connect, udp, connectTimes, load };
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const c = JSON.parse(line);
  let sent = false;
  ops[c.op](c, (o) => { if (!sent) { sent = true; reply(c.id, o); } });
});
process.stdin.on('end', () => process.exit(0));
console.log('ready');`;

export interface ProbeResult {
  ok: boolean;
  /** What the server answered ("pod1 10.244.1.1"). */
  data?: string;
  /** The socket error: ECONNREFUSED, ETIMEDOUT, ... */
  code?: string;
  /** connectTimes: microseconds per connect. */
  times?: number[];
}

/** A process started inside a namespace; its first stdout line must be "ready". */
class NetnsProcess {
  readonly lines: AsyncIterator<string>;

  private constructor(readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  static async start(netns: string, script: string, args: string[] = []): Promise<NetnsProcess> {
    const child = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    const p = new NetnsProcess(child);
    const first = await p.lines.next();
    if (first.value !== 'ready') {
      p.stop();
      throw new Error(`process in ${netns} did not start: ${first.value ?? 'exited'}`);
    }
    return p;
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.pid) this.child.kill('SIGKILL');
  }
}

/** Opens connections from inside a namespace on request. */
export class Probe {
  private nextId = 1;
  private readonly waiting = new Map<number, (r: ProbeResult) => void>();

  private constructor(private readonly proc: NetnsProcess) {
    void (async () => {
      for (let line = await proc.lines.next(); !line.done; line = await proc.lines.next()) {
        const { id, ...result } = JSON.parse(line.value);
        this.waiting.get(id)?.(result);
        this.waiting.delete(id);
      }
    })();
  }

  static async start(netns: string): Promise<Probe> {
    return new Probe(await NetnsProcess.start(netns, PROBE_AGENT));
  }

  private ask(command: Record<string, unknown>): Promise<ProbeResult> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.proc.child.stdin.write(JSON.stringify({ id, ...command }) + '\n');
    });
  }

  /** Connects and reads the whole answer. */
  tcp(host: string, port: number, timeout = 3000): Promise<ProbeResult> {
    return this.ask({ op: 'tcp', host, port, timeout });
  }

  /** Connects and closes at once (agnhost connect's test: the server need not say anything). */
  connect(host: string, port: number, timeout = 3000): Promise<ProbeResult> {
    return this.ask({ op: 'connect', host, port, timeout });
  }

  /** Sends one datagram (from srcPort when given) and waits for one answer. */
  udp(host: string, port: number, srcPort = 0, timeout = 3000): Promise<ProbeResult> {
    return this.ask({ op: 'udp', host, port, srcPort, timeout });
  }

  /** Requests (a connection each, answered and closed by the pod) completed in ms by `concurrency` loops. */
  load(host: string, port: number, ms: number, concurrency: number): Promise<ProbeResult & { count?: number }> {
    return this.ask({ op: 'load', host, port, ms, concurrency });
  }

  /** Connect latencies in microseconds, one connection after the other. */
  connectTimes(host: string, port: number, count: number): Promise<ProbeResult> {
    return this.ask({ op: 'connectTimes', host, port, count });
  }

  stop(): void {
    this.proc.stop();
  }
}

export interface Pod {
  name: string;
  ip: string;
}

export interface Topology {
  nodeNs: string;
  clientNs: string;
  pods: Pod[];
  /** Probe agent in the client namespace (outside the cluster). */
  client: Probe;
  /** Probe agent in the node namespace (host-network traffic). */
  node: Probe;
  destroy(): Promise<void>;
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

export interface TopologyOptions {
  /** Bridged traffic between pods passes the node's IP hooks (br_netfilter), as on a knit node. */
  bridgeNetfilter?: boolean;
}

/** Builds the namespaces, links, routes and processes; on failure removes what it made. */
export async function buildTopology(prefix: string, podCount: number, opts: TopologyOptions = {}): Promise<Topology> {
  const nodeNs = `${prefix}-node`;
  const clientNs = `${prefix}-cli`;
  const pods = Array.from({ length: podCount }, (_, i) => ({ name: `pod${i + 1}`, ip: `10.244.1.${i + 2}`, ns: `${prefix}-pod${i + 1}` }));
  const namespaces: string[] = [];
  const processes: { stop(): void }[] = [];
  const destroy = async (): Promise<void> => {
    for (const p of processes.splice(0)) p.stop();
    for (const ns of namespaces.splice(0)) await ip('netns', 'del', ns).catch(() => {});
  };

  try {
    for (const ns of [nodeNs, clientNs, ...pods.map((p) => p.ns)]) {
      await ip('netns', 'add', ns);
      namespaces.push(ns);
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    await ip('-n', nodeNs, 'link', 'add', 'cni0', 'type', 'bridge');
    await ip('-n', nodeNs, 'addr', 'add', `${POD_GATEWAY}/24`, 'dev', 'cni0');
    await ip('-n', nodeNs, 'link', 'set', 'cni0', 'up');
    for (const [i, pod] of pods.entries()) {
      await ip('-n', nodeNs, 'link', 'add', `veth${i + 1}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', pod.ns);
      await ip('-n', nodeNs, 'link', 'set', `veth${i + 1}`, 'master', 'cni0', 'up');
      await ip('-n', pod.ns, 'addr', 'add', `${pod.ip}/24`, 'dev', 'eth0');
      await ip('-n', pod.ns, 'link', 'set', 'eth0', 'up');
      await ip('-n', pod.ns, 'route', 'add', 'default', 'via', POD_GATEWAY);
    }
    await ip('-n', nodeNs, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', clientNs);
    await ip('-n', nodeNs, 'addr', 'add', `${NODE_IP}/24`, 'dev', 'eth0');
    await ip('-n', nodeNs, 'link', 'set', 'eth0', 'up');
    await ip('-n', clientNs, 'addr', 'add', `${CLIENT_IP}/24`, 'dev', 'eth0');
    await ip('-n', clientNs, 'link', 'set', 'eth0', 'up');
    await ip('-n', clientNs, 'route', 'add', 'default', 'via', NODE_IP);
    // A real node has a default route: without one, packets to a Service with no endpoints fail
    // routing before any REJECT rule sees them. This one leads nowhere (its peer stays down).
    await ip('-n', nodeNs, 'link', 'add', 'sink0', 'type', 'veth', 'peer', 'name', 'sink1');
    await ip('-n', nodeNs, 'link', 'set', 'sink0', 'up');
    await ip('-n', nodeNs, 'route', 'add', 'default', 'dev', 'sink0');
    await run('ip', ['netns', 'exec', nodeNs, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    if (opts.bridgeNetfilter) await run('ip', ['netns', 'exec', nodeNs, 'sysctl', '-q', '-w', 'net.bridge.bridge-nf-call-iptables=1']);

    for (const pod of pods) processes.push(await NetnsProcess.start(pod.ns, POD_SERVER, [pod.name]));
    const client = await Probe.start(clientNs);
    processes.push(client);
    const node = await Probe.start(nodeNs);
    processes.push(node);
    return { nodeNs, clientNs, pods: pods.map(({ name, ip: podIP }) => ({ name, ip: podIP })), client, node, destroy };
  } catch (err) {
    await destroy();
    throw err;
  }
}
