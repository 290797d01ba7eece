// DNS benchmark: dnsperf against knit's DNS server and against unbound (Debian's package) serving
// the same records on loopback in the same run; prints queries per second per CPU core and p99
// latency as ratios, then the memory knit's cluster model takes per 10,000 Services next to
// CoreDNS's published 49 MB + 0.86 KB per pod and Service.
//
//   apt-get install -y dnsperf unbound       (once)
//   node --import tsx bench/dns.bench.ts [--seconds 8] [--services 1000] [--rate 5000]
//
// Each server runs single-threaded in its own process; "per core" divides completed queries by
// the CPU seconds that process used during the run, so the two stay comparable on a busy machine.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ClusterModel } from '../src/dns/cluster-model.js';
import { DnsServer } from '../src/dns/dns-server.js';
import { silentLogger } from '../src/dns/log.js';
import { clusterIPService, endpointSlice, query, StubUpstream, udpExchange } from '../src/dns/testing.js';
import { encodeMessage } from '../src/dns/wire/encode.js';

const run = promisify(execFile);
const self = fileURLToPath(import.meta.url);
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg('seconds', 8);
const SERVICES = arg('services', 1000);
const RATE = arg('rate', 5000);
const EXTERNAL = 200;

const serviceIP = (i: number): string => `10.96.${(i >> 8) & 255}.${i & 255}`;
const serviceName = (i: number): string => `svc-${i}.default.svc.cluster.local.`;
const externalName = (i: number): string => `ext-${i}.example.com.`;
const externalIP = (i: number): string => `198.51.${(i >> 8) & 255}.${i & 255}`;

// ---- child: knit's DNS server with SERVICES Services ----

async function serve(upstreamPort: number): Promise<void> {
  const model = new ClusterModel();
  model.upsertNamespace({ metadata: { name: 'default' } });
  for (let i = 0; i < SERVICES; i++) model.upsertService(clusterIPService('default', `svc-${i}`, serviceIP(i), [{ name: 'http', port: 80 }]));
  model.markSynced();
  const server = new DnsServer({
    model, logger: silentLogger, listen: { host: '127.0.0.1', dnsPort: 0 },
    corefile: `.:53 {\n errors\n kubernetes cluster.local in-addr.arpa ip6.arpa {\n  pods insecure\n  fallthrough in-addr.arpa ip6.arpa\n  ttl 30\n }\n forward . 127.0.0.1:${upstreamPort}\n cache 30\n loadbalance\n}`,
  });
  await server.start();
  process.stdout.write(JSON.stringify({ port: server.dnsAddresses()[0].port }) + '\n');
  createInterface({ input: process.stdin }).on('close', () => { void server.stop().then(() => process.exit(0)); });
}

// ---- child: heap taken by the model ----

function memory(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const heap = (): number => { gc(); gc(); return process.memoryUsage().heapUsed; };
  const N = 10_000;
  const base = heap();
  const model = new ClusterModel();
  for (let n = 0; n < 100; n++) model.upsertNamespace({ metadata: { name: `ns-${n}` } });
  for (let i = 0; i < N; i++) {
    const ns = `ns-${i % 100}`;
    model.upsertService(clusterIPService(ns, `svc-${i}`, serviceIP(i), [{ name: 'http', port: 80 }]));
    model.upsertEndpointSlice(endpointSlice(ns, `svc-${i}`, [0, 1, 2].map((k) => ({ ip: `10.244.${(3 * i + k) >> 8 & 255}.${(3 * i + k) & 255}` })), [{ name: 'http', port: 8080 }]));
  }
  const withServices = heap();
  for (let i = 0; i < N; i++) {
    model.upsertPod({ metadata: { name: `pod-${i}`, namespace: `ns-${i % 100}` }, spec: { containers: [] }, status: { podIP: `10.245.${i >> 8 & 255}.${i & 255}` } });
  }
  const withPods = heap();
  if (model.serviceCount !== N) throw new Error('model lost Services');
  process.stdout.write(JSON.stringify({ perService: (withServices - base) / N, perPod: (withPods - withServices) / N, rss: process.memoryUsage().rss }) + '\n');
}

// ---- parent ----

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

async function waitForAnswer(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try { await udpExchange(port, encodeMessage(query(serviceName(0), 1)), 200); return; } catch { /* not up yet */ }
  }
  throw new Error(`no DNS server answering on 127.0.0.1:${port}`);
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
}

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

interface Result { qps: number; perCore: number; p50ms: number; p99ms: number; lost: number }

async function measure(pid: number, port: number, file: string): Promise<Result> {
  const cpu0 = cpuSeconds(pid);
  const sat = await run('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', file, '-l', String(SECONDS), '-q', '200', '-c', '4'], { maxBuffer: 1 << 26 });
  const cpu = cpuSeconds(pid) - cpu0;
  const completed = Number(/Queries completed:\s+(\d+)/.exec(sat.stdout)?.[1] ?? 0);
  const lost = Number(/Queries lost:\s+(\d+)/.exec(sat.stdout)?.[1] ?? 0);
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(sat.stdout)?.[1] ?? 0);
  // latency at a fixed rate both servers sustain, from dnsperf's per-query lines
  const lat = await run('dnsperf', ['-s', '127.0.0.1', '-p', String(port), '-d', file, '-l', String(Math.max(2, SECONDS / 2)), '-Q', String(RATE), '-v'], { maxBuffer: 1 << 28 });
  const times = lat.stdout.split('\n').filter((l) => l.startsWith('> ')).map((l) => Number(l.slice(l.lastIndexOf(' ') + 1))).sort((a, b) => a - b);
  const pct = (p: number): number => (times.length ? times[Math.min(times.length - 1, Math.floor(times.length * p))] * 1000 : NaN);
  return { qps, perCore: cpu > 0 ? completed / cpu : NaN, p50ms: pct(0.5), p99ms: pct(0.99), lost };
}

function unboundConfig(dir: string, port: number, upstreamPort: number): string {
  const lines = [
    'server:',
    '  interface: 127.0.0.1', `  port: ${port}`, '  num-threads: 1', '  do-daemonize: no', '  do-ip6: no',
    '  username: ""', '  chroot: ""', `  directory: "${dir}"`, `  pidfile: "${join(dir, 'unbound.pid')}"`,
    '  use-syslog: no', '  logfile: ""', '  verbosity: 0', '  access-control: 127.0.0.0/8 allow',
    '  do-not-query-localhost: no', '  module-config: "iterator"', '  qname-minimisation: no', '  so-rcvbuf: 4m',
    '  num-queries-per-thread: 4096', '  local-zone: "cluster.local." static',
  ];
  for (let i = 0; i < SERVICES; i++) lines.push(`  local-data: "${serviceName(i)} 30 IN A ${serviceIP(i)}"`);
  lines.push('forward-zone:', '  name: "."', `  forward-addr: 127.0.0.1@${upstreamPort}`);
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  for (const tool of ['dnsperf', 'unbound']) {
    await run('which', [tool]).catch(() => { throw new Error(`${tool} is missing: apt-get install -y dnsperf unbound`); });
  }
  const dir = mkdtempSync(join(tmpdir(), 'knit-dnsbench-'));
  const children: ChildProcess[] = [];
  const upstream = new StubUpstream();
  try {
    await upstream.start();
    for (let i = 0; i < EXTERNAL; i++) upstream.table.set(`${externalName(i)} 1`, { answers: [{ name: externalName(i), type: 1, class: 1, ttl: 300, address: externalIP(i) }] });

    const knit = spawn(process.execPath, [...process.execArgv, self, '--serve', String(upstream.port), '--services', String(SERVICES)], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(knit);
    const knitPort: number = JSON.parse(await new Promise<string>((resolve, reject) => {
      createInterface({ input: knit.stdout! }).once('line', resolve);
      knit.once('exit', (code) => reject(new Error(`knit DNS exited (${code})`)));
    })).port;

    const unboundPort = await freePort();
    const conf = join(dir, 'unbound.conf');
    writeFileSync(conf, unboundConfig(dir, unboundPort, upstream.port));
    await run('unbound-checkconf', [conf]);
    const unbound = spawn('unbound', ['-d', '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(unbound);
    await Promise.all([waitForAnswer(knitPort), waitForAnswer(unboundPort)]);

    const inCluster = join(dir, 'in-cluster.txt');
    writeFileSync(inCluster, Array.from({ length: SERVICES }, (_, i) => `${serviceName(i)} A`).join('\n') + '\n');
    const external = join(dir, 'external.txt');
    writeFileSync(external, Array.from({ length: EXTERNAL }, (_, i) => `${externalName(i)} A`).join('\n') + '\n');
    for (const port of [knitPort, unboundPort]) { // warm both caches
      for (let i = 0; i < EXTERNAL; i++) await udpExchange(port, encodeMessage(query(externalName(i), 1)));
    }

    console.log(`dns bench: ${SERVICES} Services, ${SECONDS} s per run, dnsperf on loopback, one server thread each`);
    for (const [label, file] of [['in-cluster A', inCluster], ['cached external A', external]] as const) {
      const k = await measure(knit.pid!, knitPort, file);
      const u = await measure(unbound.pid!, unboundPort, file);
      const show = (r: Result): string => `${r.qps.toFixed(0)} qps, ${r.perCore.toFixed(0)} q/CPU-s, p50 ${r.p50ms.toFixed(2)} ms, p99 ${r.p99ms.toFixed(2)} ms, lost ${r.lost}`;
      console.log(`${label.padEnd(18)} knit ${show(k)} | unbound ${show(u)}`);
      const published = label === 'in-cluster A' ? `; knit/CoreDNS's published ~17k qps per core: ${(k.perCore / 17_000).toFixed(2)}` : '';
      console.log(`${''.padEnd(18)} ratio knit/unbound: qps per core ${(k.perCore / u.perCore).toFixed(2)}, p99 latency ${(k.p99ms / u.p99ms).toFixed(2)}${published}`);
    }
    const knitRss = rssMB(knit.pid!);

    const mem = await run(process.execPath, ['--expose-gc', ...process.execArgv, self, '--memory']);
    const m = JSON.parse(mem.stdout.trim().split('\n').pop()!);
    const coreDnsPerObject = 0.86 * 1024;
    // CoreDNS's figure is per pod and per Service; each Service here comes with 3 pod endpoints
    const perObject = m.perService / 4;
    console.log(`memory per 10,000 Services, each with an EndpointSlice of 3 ready pods: ${(m.perService * 10_000 / 1e6).toFixed(2)} MB` +
      ` = ${(m.perService / 1024).toFixed(2)} KB per Service, ${(perObject / 1024).toFixed(2)} KB per pod+Service object;` +
      ` CoreDNS 0.86 KB per object: ratio ${(perObject / coreDnsPerObject).toFixed(2)}`);
    console.log(`memory per 10,000 Pods (kept for pods verified only): ${(m.perPod * 10_000 / 1e6).toFixed(2)} MB = ${(m.perPod / 1024).toFixed(2)} KB each; ratio ${(m.perPod / coreDnsPerObject).toFixed(2)}`);
    console.log(`fixed cost: knit DNS process RSS ${knitRss.toFixed(0)} MB with ${SERVICES} Services vs CoreDNS's 49 MB: ratio ${(knitRss / 49).toFixed(2)}`);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve') await serve(Number(process.argv[3]));
else if (process.argv[2] === '--memory') memory();
else await main();
