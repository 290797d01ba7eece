// Records of the cluster zones, against a model filled in the test. Expected values are the
// Kubernetes DNS specification's and CoreDNS's (SRV weights, endpoint names, SOA fields).

import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterModel } from './cluster-model.js';
import { FALLTHROUGH, type KubernetesOptions, KubernetesZone, type ZoneAnswer, type ZoneResult } from './cluster-zone.js';
import { clusterIPService, endpointSlice, externalNameService, headlessService } from './testing.js';
import { Rcode, RRType } from './wire/constants.js';
import type { ResourceRecord } from './wire/types.js';

const ZONES = ['cluster.local.', 'in-addr.arpa.', 'ip6.arpa.'];

function options(over: Partial<KubernetesOptions> = {}): KubernetesOptions {
  return {
    zones: ZONES, podMode: 'insecure', ttl: 30, fallthrough: null, namespaces: [],
    endpointPodNames: false, noEndpoints: false, ignoreEmptyService: false, localIPs: [], ...over,
  };
}

let model: ClusterModel;
let zone: KubernetesZone;

function lookup(name: string, type: number, z = zone): ZoneResult {
  const lname = name.toLowerCase();
  const match = z.matchZone(lname);
  assert.ok(match, `${name} is in no zone`);
  return z.answer({ name, type, class: 1 }, match);
}

function answer(name: string, type: number, z = zone): ZoneAnswer {
  const r = lookup(name, type, z);
  assert.notEqual(r, FALLTHROUGH);
  return r as ZoneAnswer;
}

/** "owner TYPE data" lines, as dig would print them (minus TTL and class). */
function lines(rrs: ResourceRecord[]): string[] {
  return rrs.map((rr) => {
    const r = rr as any;
    const text = rr.type === RRType.SRV ? `${r.priority} ${r.weight} ${r.port} ${r.target}` : r.texts ? JSON.stringify(r.texts.join('')) : r.address ?? r.target ?? '';
    return `${rr.name} ${({ 1: 'A', 28: 'AAAA', 5: 'CNAME', 12: 'PTR', 33: 'SRV', 16: 'TXT', 6: 'SOA', 2: 'NS' } as Record<number, string>)[rr.type]} ${text}`;
  });
}

function assertNxdomain(name: string, type: number = RRType.A): void {
  const r = answer(name, type);
  assert.equal(r.rcode, Rcode.NXDOMAIN, `${name}: rcode ${r.rcode}`);
  assert.deepEqual(r.answers, []);
  assert.equal(r.authorities[0]?.type, RRType.SOA);
}

function assertNodata(name: string, type: number): void {
  const r = answer(name, type);
  assert.equal(r.rcode, Rcode.NOERROR, `${name}: rcode ${r.rcode}`);
  assert.deepEqual(r.answers, []);
  assert.equal(r.authorities.length, 1);
  assert.equal(r.authorities[0].type, RRType.SOA);
}

beforeEach(() => {
  model = new ClusterModel();
  for (const ns of ['default', 'kube-system', 'prod']) model.upsertNamespace({ metadata: { name: ns } });
  model.upsertService(clusterIPService('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443 }]));
  model.upsertService(clusterIPService('kube-system', 'kube-dns', '10.96.0.10', [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53 }, { name: 'metrics', port: 9153 }]));
  model.upsertService(clusterIPService('default', 'backend', '10.96.100.50', [{ name: 'http', port: 80 }, { name: 'grpc', port: 9090 }]));
  model.upsertService(headlessService('default', 'mysql', [{ name: 'mysql', port: 3306 }]));
  model.upsertEndpointSlice(endpointSlice('default', 'mysql', [
    { ip: '10.244.1.5', hostname: 'mysql-0' }, { ip: '10.244.2.9', hostname: 'mysql-1' }, { ip: '10.244.3.7', hostname: 'mysql-2' },
    { ip: '10.244.3.8', hostname: 'mysql-3', ready: false },
  ], [{ name: 'mysql', port: 3306 }]));
  model.upsertEndpointSlice(endpointSlice('default', 'backend', [{ ip: '10.244.1.20' }, { ip: '10.244.2.21' }], [{ name: 'http', port: 8080 }]));
  model.upsertService(externalNameService('default', 'database', 'my-db.rds.amazonaws.com'));
  model.markSynced();
  zone = new KubernetesZone(model, options());
});

describe('schema version', () => {
  it('answers dns-version.<zone> TXT "1.1.0" with TTL 28800', () => {
    const r = answer('dns-version.cluster.local.', RRType.TXT);
    assert.deepEqual(lines(r.answers), ['dns-version.cluster.local. TXT "1.1.0"']);
    assert.equal(r.answers[0].ttl, 28800);
  });
});

describe('ClusterIP Services', () => {
  it('A record: <service>.<ns>.svc.<zone> -> ClusterIP, with the configured TTL', () => {
    const r = answer('backend.default.svc.cluster.local.', RRType.A);
    assert.equal(r.rcode, Rcode.NOERROR);
    assert.deepEqual(lines(r.answers), ['backend.default.svc.cluster.local. A 10.96.100.50']);
    assert.equal(r.answers[0].ttl, 30);
  });

  it('AAAA for a dual-stack Service; NODATA with SOA for AAAA of an IPv4-only one', () => {
    model.upsertService(clusterIPService('default', 'dual', ['10.96.7.7', 'fd00:10:96::7'], [{ port: 80 }]));
    assert.deepEqual(lines(answer('dual.default.svc.cluster.local.', RRType.AAAA).answers), ['dual.default.svc.cluster.local. AAAA fd00:10:96::7']);
    assert.deepEqual(lines(answer('dual.default.svc.cluster.local.', RRType.A).answers), ['dual.default.svc.cluster.local. A 10.96.7.7']);
    assertNodata('backend.default.svc.cluster.local.', RRType.AAAA);
  });

  it('SRV per named port: priority 0, weight 100, target the Service name, A in additional', () => {
    const r = answer('_https._tcp.kubernetes.default.svc.cluster.local.', RRType.SRV);
    assert.deepEqual(lines(r.answers), ['_https._tcp.kubernetes.default.svc.cluster.local. SRV 0 100 443 kubernetes.default.svc.cluster.local.']);
    assert.deepEqual(lines(r.additionals), ['kubernetes.default.svc.cluster.local. A 10.96.0.1']);
  });

  it('SRV for the Service name lists every port, weight 100/N', () => {
    const r = answer('kube-dns.kube-system.svc.cluster.local.', RRType.SRV);
    assert.deepEqual(lines(r.answers), [
      'kube-dns.kube-system.svc.cluster.local. SRV 0 33 53 kube-dns.kube-system.svc.cluster.local.',
      'kube-dns.kube-system.svc.cluster.local. SRV 0 33 9153 kube-dns.kube-system.svc.cluster.local.',
    ]);
    assert.deepEqual(lines(r.additionals), ['kube-dns.kube-system.svc.cluster.local. A 10.96.0.10']);
  });

  it('SRV matches the protocol: _dns._udp exists, _dns._tcp does not (NXDOMAIN)', () => {
    assert.equal(answer('_dns._udp.kube-dns.kube-system.svc.cluster.local.', RRType.SRV).answers.length, 1);
    assertNxdomain('_dns._tcp.kube-dns.kube-system.svc.cluster.local.', RRType.SRV);
    assertNxdomain('_nope._tcp.backend.default.svc.cluster.local.', RRType.SRV);
  });

  it('endpoint names resolve for ClusterIP Services too (dashed IP without a hostname)', () => {
    assert.deepEqual(lines(answer('10-244-1-20.backend.default.svc.cluster.local.', RRType.A).answers), ['10-244-1-20.backend.default.svc.cluster.local. A 10.244.1.20']);
  });

  it('PTR of a ClusterIP names the Service', () => {
    assert.deepEqual(lines(answer('50.100.96.10.in-addr.arpa.', RRType.PTR).answers), ['50.100.96.10.in-addr.arpa. PTR backend.default.svc.cluster.local.']);
  });

  it('PTR of an IPv6 ClusterIP, in nibble form', () => {
    model.upsertService(clusterIPService('default', 'six', 'fd00:10:96::a', [{ port: 80 }]));
    const name = 'a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa.';
    assert.deepEqual(lines(answer(name, RRType.PTR).answers), [`${name} PTR six.default.svc.cluster.local.`]);
  });
});

describe('headless Services', () => {
  it('A per ready endpoint, not-ready ones left out', () => {
    const r = answer('mysql.default.svc.cluster.local.', RRType.A);
    assert.deepEqual(lines(r.answers).sort(), [
      'mysql.default.svc.cluster.local. A 10.244.1.5',
      'mysql.default.svc.cluster.local. A 10.244.2.9',
      'mysql.default.svc.cluster.local. A 10.244.3.7',
    ]);
  });

  it('hostname.service.ns.svc.zone for StatefulSet pods', () => {
    assert.deepEqual(lines(answer('mysql-1.mysql.default.svc.cluster.local.', RRType.A).answers), ['mysql-1.mysql.default.svc.cluster.local. A 10.244.2.9']);
    assertNxdomain('mysql-3.mysql.default.svc.cluster.local.'); // not ready
    assertNxdomain('mysql-9.mysql.default.svc.cluster.local.');
  });

  it('NXDOMAIN (with SOA) when no endpoint is ready', () => {
    model.upsertService(headlessService('default', 'empty', [{ name: 'http', port: 80 }]));
    assertNxdomain('empty.default.svc.cluster.local.');
    model.upsertEndpointSlice(endpointSlice('default', 'empty', [{ ip: '10.244.1.9', ready: false }]));
    assertNxdomain('empty.default.svc.cluster.local.');
  });

  it('SRV per ready endpoint and named port, targets the endpoint names, weight 100/3 = 33', () => {
    const r = answer('_mysql._tcp.mysql.default.svc.cluster.local.', RRType.SRV);
    assert.deepEqual(lines(r.answers).sort(), [
      '_mysql._tcp.mysql.default.svc.cluster.local. SRV 0 33 3306 mysql-0.mysql.default.svc.cluster.local.',
      '_mysql._tcp.mysql.default.svc.cluster.local. SRV 0 33 3306 mysql-1.mysql.default.svc.cluster.local.',
      '_mysql._tcp.mysql.default.svc.cluster.local. SRV 0 33 3306 mysql-2.mysql.default.svc.cluster.local.',
    ]);
    assert.deepEqual(lines(r.additionals).sort(), [
      'mysql-0.mysql.default.svc.cluster.local. A 10.244.1.5',
      'mysql-1.mysql.default.svc.cluster.local. A 10.244.2.9',
      'mysql-2.mysql.default.svc.cluster.local. A 10.244.3.7',
    ]);
  });

  it('SRV weight never drops to 0: 150 endpoints give weight 1', () => {
    model.upsertService(headlessService('default', 'many', [{ name: 'http', port: 80 }]));
    model.upsertEndpointSlice(endpointSlice('default', 'many', Array.from({ length: 150 }, (_, i) => ({ ip: `10.244.9.${i}` })), [{ name: 'http', port: 80 }]));
    const r = answer('_http._tcp.many.default.svc.cluster.local.', RRType.SRV);
    assert.equal(r.answers.length, 150);
    assert.ok(r.answers.every((rr) => (rr as { weight: number }).weight === 1));
  });

  it('endpoints without a hostname get their dashed IP as SRV target; IPv6 endpoints AAAA', () => {
    model.upsertService(headlessService('default', 'v6', [{ name: 'http', port: 80 }]));
    model.upsertEndpointSlice(endpointSlice('default', 'v6', [{ ip: 'fd00:10:244:1::5' }], [{ name: 'http', port: 80 }]));
    assert.deepEqual(lines(answer('_http._tcp.v6.default.svc.cluster.local.', RRType.SRV).answers), ['_http._tcp.v6.default.svc.cluster.local. SRV 0 100 80 fd00-10-244-1--5.v6.default.svc.cluster.local.']);
    assert.deepEqual(lines(answer('v6.default.svc.cluster.local.', RRType.AAAA).answers), ['v6.default.svc.cluster.local. AAAA fd00:10:244:1::5']);
    assertNodata('v6.default.svc.cluster.local.', RRType.A);
  });

  it('endpoint_pod_names names endpoints by their pod', () => {
    model.upsertEndpointSlice(endpointSlice('default', 'backend', [{ ip: '10.244.1.20', pod: 'backend-7d4f9-xk2p4' }], [{ name: 'http', port: 8080 }]));
    const z = new KubernetesZone(model, options({ endpointPodNames: true }));
    assert.equal(answer('backend-7d4f9-xk2p4.backend.default.svc.cluster.local.', RRType.A, z).answers.length, 1);
  });

  it('PTR of an endpoint IP names hostname.service.ns.svc.zone', () => {
    assert.deepEqual(lines(answer('9.2.244.10.in-addr.arpa.', RRType.PTR).answers), ['9.2.244.10.in-addr.arpa. PTR mysql-1.mysql.default.svc.cluster.local.']);
    assert.deepEqual(lines(answer('20.1.244.10.in-addr.arpa.', RRType.PTR).answers), ['20.1.244.10.in-addr.arpa. PTR 10-244-1-20.backend.default.svc.cluster.local.']);
  });

  it('slices of one Service add up; deleting one removes its endpoints and PTRs', () => {
    model.upsertEndpointSlice(endpointSlice('default', 'mysql', [{ ip: '10.244.4.4', hostname: 'mysql-4' }], [{ name: 'mysql', port: 3306 }], 'mysql-second'));
    assert.equal(answer('mysql.default.svc.cluster.local.', RRType.A).answers.length, 4);
    model.deleteEndpointSlice('default', 'mysql-second');
    assert.equal(answer('mysql.default.svc.cluster.local.', RRType.A).answers.length, 3);
    assertNxdomain('4.4.244.10.in-addr.arpa.', RRType.PTR);
  });
});

describe('ExternalName Services', () => {
  it('A query: NODATA carrying the CNAME to chase upstream', () => {
    const r = answer('database.default.svc.cluster.local.', RRType.A);
    assert.equal(r.rcode, Rcode.NOERROR);
    assert.deepEqual(r.chase?.chain.map((c) => `${c.name} CNAME ${c.target}`), ['database.default.svc.cluster.local. CNAME my-db.rds.amazonaws.com.']);
    assert.equal(r.chase?.name, 'my-db.rds.amazonaws.com.');
    assert.equal(r.chase?.type, RRType.A);
  });

  it('CNAME query answers the CNAME itself', () => {
    assert.deepEqual(lines(answer('database.default.svc.cluster.local.', RRType.CNAME).answers), ['database.default.svc.cluster.local. CNAME my-db.rds.amazonaws.com.']);
  });

  it('a target inside the cluster zone is followed here: CNAME then the target A', () => {
    model.upsertService(externalNameService('default', 'alias', 'backend.default.svc.cluster.local'));
    assert.deepEqual(lines(answer('alias.default.svc.cluster.local.', RRType.A).answers), [
      'alias.default.svc.cluster.local. CNAME backend.default.svc.cluster.local.',
      'backend.default.svc.cluster.local. A 10.96.100.50',
    ]);
  });

  it('CNAME loops inside the zone end without records', () => {
    model.upsertService(externalNameService('default', 'a', 'b.default.svc.cluster.local'));
    model.upsertService(externalNameService('default', 'b', 'a.default.svc.cluster.local'));
    const r = answer('a.default.svc.cluster.local.', RRType.A);
    assert.equal(r.rcode, Rcode.NOERROR);
    assert.deepEqual(r.answers, []);
  });

  it('no SRV and no port names for ExternalName', () => {
    assertNodata('database.default.svc.cluster.local.', RRType.SRV);
    assertNxdomain('_http._tcp.database.default.svc.cluster.local.', RRType.SRV);
  });

  it('a Service switching between ExternalName and ClusterIP answers its current type at once', () => {
    model.upsertService(clusterIPService('default', 'database', '10.96.5.5', [{ port: 5432 }]));
    const r1 = answer('database.default.svc.cluster.local.', RRType.A);
    assert.deepEqual(lines(r1.answers), ['database.default.svc.cluster.local. A 10.96.5.5']);
    assert.equal(r1.chase, undefined);
    assert.deepEqual(lines(answer('5.5.96.10.in-addr.arpa.', RRType.PTR).answers), ['5.5.96.10.in-addr.arpa. PTR database.default.svc.cluster.local.']);
    model.upsertService(externalNameService('default', 'database', 'db.example.com'));
    assert.equal(answer('database.default.svc.cluster.local.', RRType.A).chase?.name, 'db.example.com.');
    assertNxdomain('5.5.96.10.in-addr.arpa.', RRType.PTR);
  });
});

describe('pods', () => {
  it('insecure: a-b-c-d.ns.pod.zone answers the IP for any namespace that exists', () => {
    assert.deepEqual(lines(answer('10-244-1-5.default.pod.cluster.local.', RRType.A).answers), ['10-244-1-5.default.pod.cluster.local. A 10.244.1.5']);
    assertNxdomain('10-244-1-5.nosuchns.pod.cluster.local.');
    assertNxdomain('10-244-1-500.default.pod.cluster.local.');
    assertNxdomain('not-an-ip.default.pod.cluster.local.');
  });

  it('verified: only when a pod in that namespace has the IP; terminating pods do not count', () => {
    const z = new KubernetesZone(model, options({ podMode: 'verified' }));
    const pod = { metadata: { name: 'web-1', namespace: 'default' }, spec: { containers: [] }, status: { podIP: '10.244.1.5' } };
    assert.equal(answer('10-244-1-5.default.pod.cluster.local.', RRType.A, z).rcode, Rcode.NXDOMAIN);
    model.upsertPod(pod);
    assert.equal(answer('10-244-1-5.default.pod.cluster.local.', RRType.A, z).answers.length, 1);
    assert.equal(answer('10-244-1-5.prod.pod.cluster.local.', RRType.A, z).rcode, Rcode.NXDOMAIN);
    model.upsertPod({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2025-01-01T00:00:00Z' } });
    assert.equal(answer('10-244-1-5.default.pod.cluster.local.', RRType.A, z).rcode, Rcode.NXDOMAIN);
  });

  it('disabled: NXDOMAIN', () => {
    const z = new KubernetesZone(model, options({ podMode: 'disabled' }));
    assert.equal(answer('10-244-1-5.default.pod.cluster.local.', RRType.A, z).rcode, Rcode.NXDOMAIN);
  });

  it('IPv6 pod names use dashes for colons', () => {
    assert.deepEqual(lines(answer('fd00-10-244-1--5.default.pod.cluster.local.', RRType.AAAA).answers), ['fd00-10-244-1--5.default.pod.cluster.local. AAAA fd00:10:244:1::5']);
  });
});

describe('names that exist without the asked type, and names that do not exist', () => {
  it('NODATA with SOA: other types of Service names, namespaces, svc and the apex', () => {
    assertNodata('backend.default.svc.cluster.local.', RRType.TXT);
    assertNodata('backend.default.svc.cluster.local.', RRType.MX);
    assertNodata('default.svc.cluster.local.', RRType.A);
    assertNodata('svc.cluster.local.', RRType.A);
    assertNodata('cluster.local.', RRType.A);
  });

  it('NXDOMAIN with SOA otherwise', () => {
    assertNxdomain('nosuch.default.svc.cluster.local.');
    assertNxdomain('backend.nosuchns.svc.cluster.local.');
    assertNxdomain('nosuchns.svc.cluster.local.');
    assertNxdomain('foo.cluster.local.');
    assertNxdomain('a.b.c.backend.default.svc.cluster.local.');
  });

  it('the SOA is CoreDNS\'s: ns.dns.<zone>, hostmaster.<zone>, 7200 1800 86400, minimum = TTL', () => {
    const soa = answer('nosuch.default.svc.cluster.local.', RRType.A).authorities[0] as any;
    assert.equal(soa.name, 'cluster.local.');
    assert.equal(soa.mname, 'ns.dns.cluster.local.');
    assert.equal(soa.rname, 'hostmaster.cluster.local.');
    assert.deepEqual([soa.refresh, soa.retry, soa.expire, soa.minimum, soa.ttl], [7200, 1800, 86400, 30, 30]);
  });

  it('SOA at the apex', () => {
    assert.equal(answer('cluster.local.', RRType.SOA).answers[0].type, RRType.SOA);
  });

  it('SERVFAIL instead of NXDOMAIN before the model has synced', () => {
    const fresh = new ClusterModel();
    const z = new KubernetesZone(fresh, options());
    assert.equal(answer('backend.default.svc.cluster.local.', RRType.A, z).rcode, Rcode.SERVFAIL);
  });

  it('fallthrough zones hand NXDOMAIN on to forwarding; others keep it', () => {
    const z = new KubernetesZone(model, options({ fallthrough: ['in-addr.arpa.', 'ip6.arpa.'] }));
    assert.equal(lookup('4.3.2.1.in-addr.arpa.', RRType.PTR, z), FALLTHROUGH);
    assert.equal((lookup('nosuch.default.svc.cluster.local.', RRType.A, z) as ZoneAnswer).rcode, Rcode.NXDOMAIN);
    assert.equal((lookup('50.100.96.10.in-addr.arpa.', RRType.PTR, z) as ZoneAnswer).answers.length, 1);
  });

  it('namespaces limits what is exposed', () => {
    const z = new KubernetesZone(model, options({ namespaces: ['kube-system'] }));
    assert.equal(answer('backend.default.svc.cluster.local.', RRType.A, z).rcode, Rcode.NXDOMAIN);
    assert.equal(answer('kube-dns.kube-system.svc.cluster.local.', RRType.A, z).answers.length, 1);
  });

  it('zone transfers are refused', () => {
    assert.equal(answer('cluster.local.', RRType.AXFR).rcode, Rcode.REFUSED);
  });
});

describe('case and change', () => {
  it('matches names case-insensitively and echoes the question\'s case', () => {
    const r = answer('BackEnd.Default.SVC.Cluster.Local.', RRType.A);
    assert.deepEqual(lines(r.answers), ['BackEnd.Default.SVC.Cluster.Local. A 10.96.100.50']);
    const nx = answer('Nope.Default.SVC.Cluster.Local.', RRType.A);
    assert.equal(nx.authorities[0].name, 'Cluster.Local.');
  });

  it('a created, deleted and re-created Service resolves correctly on the very next query', () => {
    assertNxdomain('fresh.default.svc.cluster.local.');
    model.upsertService(clusterIPService('default', 'fresh', '10.96.9.9'));
    assert.deepEqual(lines(answer('fresh.default.svc.cluster.local.', RRType.A).answers), ['fresh.default.svc.cluster.local. A 10.96.9.9']);
    model.deleteService('default', 'fresh');
    assertNxdomain('fresh.default.svc.cluster.local.');
    assertNxdomain('9.9.96.10.in-addr.arpa.', RRType.PTR);
    model.upsertService(clusterIPService('default', 'fresh', '10.96.9.10'));
    assert.deepEqual(lines(answer('fresh.default.svc.cluster.local.', RRType.A).answers), ['fresh.default.svc.cluster.local. A 10.96.9.10']);
  });

  it('a deleted namespace takes its names with it', () => {
    model.deleteNamespace('default');
    assertNxdomain('backend.default.svc.cluster.local.');
  });
});

describe('NS', () => {
  it('names the Service whose endpoint is this server (kube-dns), with its address', () => {
    model.upsertEndpointSlice(endpointSlice('kube-system', 'kube-dns', [{ ip: '10.244.0.3' }], [{ name: 'dns', port: 53, protocol: 'UDP' }]));
    const z = new KubernetesZone(model, options({ localIPs: ['10.244.0.3'] }));
    const r = answer('cluster.local.', RRType.NS, z);
    assert.deepEqual(lines(r.answers), ['cluster.local. NS kube-dns.kube-system.svc.cluster.local.']);
    assert.deepEqual(lines(r.additionals), ['kube-dns.kube-system.svc.cluster.local. A 10.96.0.10']);
    assert.deepEqual(lines(answer('ns.dns.cluster.local.', RRType.A, z).answers), ['ns.dns.cluster.local. A 10.244.0.3']);
  });
});
