// DNS benchmark: dnsperf against knit's DNS server and against unbound (Debian's package) serving
// the same records on loopback in the same run; prints queries per second per CPU core and p99
// latency as ratios (and against CoreDNS's published ~17k queries per second per core), then the
// memory of the DNS process at 10,000 Services next to CoreDNS's published 49 MB + 0.86 KB per pod
// and Service.
//
//   scripts/setup.sh installs dnsperf and unbound (or: apt-get install -y dnsperf unbound)
//   node --import tsx bench/dns.bench.ts [--seconds 8] [--services 1000] [--rate 5000]
//   (or, built: node dist/bench/dns.bench.js)
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
import type { EndpointSlice, Pod, Service } from '../src/kube/types.js';
import { ClusterModel } from '../src/dns/cluster-model.js';
import { DnsServer } from '../src/dns/dns-server.js';
import { silentLogger } from '../src/dns/log.js';
import { clusterIPService, query, StubUpstream, udpExchange } from '../src/dns/testing.js';
import { trimForDns } from '../src/dns/trimming-client.js';
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

// ---- child: memory of the DNS process at 10,000 Services ----

const OBJECT_META = (name: string, ns: string, i: number) => ({
  name, namespace: ns, uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, resourceVersion: String(1000 + i), creationTimestamp: '2026-01-01T00:00:00Z',
});

/** A Service and its EndpointSlice of 3 ready pods, shaped as the API server sends them. */
function apiObjects(i: number): { svc: Service; slice: EndpointSlice } {
  const ns = `ns-${i % 100}`;
  const name = `svc-${i}`;
  const svc: Service = {
    apiVersion: 'v1', kind: 'Service', metadata: { ...OBJECT_META(name, ns, i), labels: { app: name } },
    spec: { type: 'ClusterIP', clusterIP: serviceIP(i), clusterIPs: [serviceIP(i)], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', selector: { app: name },
      sessionAffinity: 'None', internalTrafficPolicy: 'Cluster', ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }] },
    status: { loadBalancer: {} },
  };
  const slice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { ...OBJECT_META(`${name}-abcde`, ns, i), generateName: `${name}-`, labels: { 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
    addressType: 'IPv4', ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
    endpoints: [0, 1, 2].map((k) => ({
      addresses: [`10.244.${((3 * i + k) >> 8) & 255}.${(3 * i + k) & 255}`], conditions: { ready: true, serving: true, terminating: false },
      nodeName: `node-${k}`, targetRef: { kind: 'Pod', namespace: ns, name: `${name}-pod-${k}`, uid: `pod-uid-${i}-${k}` },
    })),
  };
  return { svc, slice };
}

/** What the DNS process holds per object: the informers' trimmed copies (kept here as the informers keep them) and the model. */
async function memory(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const measure = (): { heap: number; rss: number } => { gc(); gc(); return { heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss }; };
  const N = 10_000;
  const model = new ClusterModel();
  const server = new DnsServer({ model, logger: silentLogger, listen: { host: '127.0.0.1', dnsPort: 0, healthPort: 0, readyPort: 0, metricsPort: 0 } });
  await server.start();
  const caches = new Map<string, object>();
  const keep = <T extends { metadata: { namespace?: string; name?: string } }>(kind: string, obj: T): T => {
    const trimmed = trimForDns(kind, obj as never) as T;
    caches.set(`${kind}/${obj.metadata.namespace}/${obj.metadata.name}`, trimmed);
    return trimmed;
  };
  for (let n = 0; n < 100; n++) model.upsertNamespace(keep('Namespace', { metadata: { name: `ns-${n}` } }));
  model.markSynced();
  const start = measure();
  for (let i = 0; i < N; i++) {
    const { svc, slice } = apiObjects(i);
    model.upsertService(keep('Service', svc));
    model.upsertEndpointSlice(keep('EndpointSlice', slice));
  }
  const loaded = measure();
  for (let i = 0; i < N; i++) {
    const pod = { metadata: { ...OBJECT_META(`pod-${i}`, `ns-${i % 100}`, i), labels: { app: 'x' } }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] }, status: { phase: 'Running', podIP: `10.245.${i >> 8 & 255}.${i & 255}` } };
    model.upsertPod(keep('Pod', pod as Pod));
  }
  const withPods = measure();
  if (model.serviceCount !== N || caches.size !== 100 + 3 * N) throw new Error('objects lost');
  await server.stop({ lameduck: false });
  process.stdout.write(JSON.stringify({
    startRss: start.rss, loadedRss: loaded.rss, perService: (loaded.heap - start.heap) / N, perPod: (withPods.heap - loaded.heap) / N,
  }) + '\n');
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

    const mem = await run(process.execPath, ['--expose-gc', ...process.execArgv, self, '--memory']);
    const m = JSON.parse(mem.stdout.trim().split('\n').pop()!);
    // CoreDNS's published figure counts pods and Services: here 10,000 Services and their 30,000 endpoint pods
    const objects = 40_000;
    const perObjectKB = m.perService / 4 / 1024;
    const startMB = m.startRss / 1e6;
    const liveMB = startMB + (perObjectKB * objects) / 1000;
    const rssMB = m.loadedRss / 1e6;
    const coreDnsMB = 49 + (0.86 * objects) / 1000;
    console.log('memory at 10,000 Services, each with an EndpointSlice of 3 ready pods (40,000 pods and Services), trimmed informer caches and model:');
    console.log(`  knit    ${startMB.toFixed(0)} MB at start + ${perObjectKB.toFixed(2)} KB live per object = ${liveMB.toFixed(0)} MB (process RSS right after loading: ${rssMB.toFixed(0)} MB)`);
    console.log(`  CoreDNS 49 MB + 0.86 KB per object = ${coreDnsMB.toFixed(0)} MB; ratio knit/CoreDNS ${(liveMB / coreDnsMB).toFixed(2)} live, ${(rssMB / coreDnsMB).toFixed(2)} RSS` +
      ` (per object ${(perObjectKB / 0.86).toFixed(2)}, at start ${(startMB / 49).toFixed(2)})`);
    console.log(`  with \`pods verified\` (pods watched only then, as in CoreDNS): ${(m.perPod / 1024).toFixed(2)} KB more per pod`);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve') await serve(Number(process.argv[3]));
else if (process.argv[2] === '--memory') await memory();
else await main();
