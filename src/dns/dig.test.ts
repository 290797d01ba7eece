// The real `dig` against the server on loopback: what users type and read.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ClusterModel } from './cluster-model.js';
import { DnsServer } from './dns-server.js';
import { silentLogger } from './log.js';
import { clusterIPService, endpointSlice, externalNameService, headlessService, StubUpstream } from './testing.js';

const run = promisify(execFile);
let model: ClusterModel;
let upstream: StubUpstream;
let server: DnsServer;
let port: number;

async function dig(...args: string[]): Promise<string> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=3', '+nocookie', ...args]);
  return stdout;
}

/** The answer lines of dig's output as "name TYPE data" (TTL and class dropped). */
function answerLines(out: string): string[] {
  const start = out.indexOf(';; ANSWER SECTION:');
  if (start < 0) return [];
  return out.slice(start).split('\n').slice(1).filter((l) => l && !l.startsWith(';'))
    .map((l) => l.split(/\s+/)).map((f) => [f[0], ...f.slice(3)].join(' '));
}

before(async () => {
  model = new ClusterModel();
  for (const ns of ['default', 'kube-system']) model.upsertNamespace({ metadata: { name: ns } });
  model.upsertService(clusterIPService('default', 'backend', '10.96.100.50', [{ name: 'http', port: 80 }]));
  model.upsertService(clusterIPService('kube-system', 'kube-dns', '10.96.0.10', [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53 }]));
  model.upsertService(headlessService('default', 'web', [{ name: 'http', port: 80 }]));
  model.upsertEndpointSlice(endpointSlice('default', 'web', [{ ip: '10.244.1.5', hostname: 'web-0' }, { ip: '10.244.2.7', hostname: 'web-1' }], [{ name: 'http', port: 80 }]));
  model.upsertService(headlessService('default', 'big', [{ name: 'http', port: 80 }]));
  model.upsertEndpointSlice(endpointSlice('default', 'big', Array.from({ length: 80 }, (_, i) => ({ ip: `10.244.3.${i + 1}` })), [{ name: 'http', port: 80 }]));
  model.upsertService(externalNameService('default', 'database', 'db.example.com'));
  model.markSynced();
  upstream = await new StubUpstream().start();
  upstream.table.set('db.example.com. 1', { answers: [{ name: 'db.example.com.', type: 1, class: 1, ttl: 60, address: '192.0.2.44' }] });
  upstream.table.set('example.com. 1', { answers: [{ name: 'example.com.', type: 1, class: 1, ttl: 60, address: '93.184.216.34' }] });
  server = new DnsServer({
    model, logger: silentLogger, listen: { host: '127.0.0.1', dnsPort: 0 },
    corefile: `.:53 {\n errors\n kubernetes cluster.local in-addr.arpa ip6.arpa {\n  pods insecure\n  fallthrough in-addr.arpa ip6.arpa\n  ttl 30\n }\n forward . 127.0.0.1:${upstream.port}\n cache 30\n}`,
  });
  await server.start();
  port = server.dnsAddresses()[0].port;
});

after(async () => {
  await server?.stop();
  await upstream?.close();
});

describe('dig', () => {
  it('A of a ClusterIP Service, with the flags and status CoreDNS gives', async () => {
    const out = await dig('backend.default.svc.cluster.local');
    assert.match(out, /status: NOERROR/);
    assert.match(out, /flags: qr aa rd;/);
    assert.deepEqual(answerLines(out), ['backend.default.svc.cluster.local. A 10.96.100.50']);
    assert.equal((await dig('+short', 'backend.default.svc.cluster.local')).trim(), '10.96.100.50');
  });

  it('mixed case comes back as asked', async () => {
    assert.deepEqual(answerLines(await dig('BackEnd.Default.SVC.Cluster.Local')), ['BackEnd.Default.SVC.Cluster.Local. A 10.96.100.50']);
  });

  it('NXDOMAIN with the SOA in the authority section', async () => {
    const out = await dig('nosuch.default.svc.cluster.local');
    assert.match(out, /status: NXDOMAIN/);
    assert.match(out, /AUTHORITY SECTION:\ncluster\.local\.\s+30\s+IN\s+SOA\s+ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ 7200 1800 86400 30/);
  });

  it('headless Service, StatefulSet pod names and SRV', async () => {
    assert.deepEqual((await dig('+short', 'web.default.svc.cluster.local')).trim().split('\n').sort(), ['10.244.1.5', '10.244.2.7']);
    assert.equal((await dig('+short', 'web-0.web.default.svc.cluster.local')).trim(), '10.244.1.5');
    assert.deepEqual((await dig('+short', 'SRV', '_http._tcp.web.default.svc.cluster.local')).trim().split('\n').sort(), [
      '0 50 80 web-0.web.default.svc.cluster.local.', '0 50 80 web-1.web.default.svc.cluster.local.',
    ]);
    assert.equal((await dig('+short', 'SRV', '_dns._udp.kube-dns.kube-system.svc.cluster.local')).trim(), '0 100 53 kube-dns.kube-system.svc.cluster.local.');
  });

  it('dig -x gives the PTRs of Service and pod IPs', async () => {
    assert.equal((await dig('+short', '-x', '10.96.100.50')).trim(), 'backend.default.svc.cluster.local.');
    assert.equal((await dig('+short', '-x', '10.244.2.7')).trim(), 'web-1.web.default.svc.cluster.local.');
  });

  it('ExternalName: the CNAME and the target address', async () => {
    assert.deepEqual(answerLines(await dig('database.default.svc.cluster.local')), [
      'database.default.svc.cluster.local. CNAME db.example.com.',
      'db.example.com. A 192.0.2.44',
    ]);
  });

  it('pod A records and dns-version', async () => {
    assert.equal((await dig('+short', '10-244-1-5.default.pod.cluster.local')).trim(), '10.244.1.5');
    assert.equal((await dig('+short', 'TXT', 'dns-version.cluster.local')).trim(), '"1.1.0"');
  });

  it('a truncated UDP answer makes dig retry over TCP and get all of it', async () => {
    const ignored = await dig('+noedns', '+ignore', 'big.default.svc.cluster.local');
    assert.match(ignored, /flags: qr aa tc rd;/);
    const out = await dig('+noedns', 'big.default.svc.cluster.local');
    assert.match(out, /Truncated, retrying in TCP mode/);
    assert.equal(answerLines(out).length, 80);
    assert.equal(answerLines(await dig('+tcp', 'big.default.svc.cluster.local')).length, 80);
    assert.equal(answerLines(await dig('+bufsize=4096', 'big.default.svc.cluster.local')).length, 80);
  });

  it('names outside the cluster are forwarded', async () => {
    assert.equal((await dig('+short', 'example.com')).trim(), '93.184.216.34');
  });

  it('REFUSED for CHAOS class, NOTIMP for other opcodes', async () => {
    assert.match(await dig('CH', 'TXT', 'version.bind'), /status: REFUSED/);
    assert.match(await dig('+opcode=2', 'backend.default.svc.cluster.local'), /status: NOTIMP/);
  });
});
