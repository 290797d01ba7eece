import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, Service } from '../../../kube/types.js';
import { createError, createObject, updateError, updateObject } from '../testing.js';
import { ServiceAllocations } from './allocations.js';
import { serviceResource } from './service.js';

function setup(serviceCIDR = '10.96.0.0/12', nodePortRange: [number, number] = [30000, 32767]) {
  const alloc = new ServiceAllocations({ serviceCIDR, nodePortRange, reservedIPs: ['10.96.0.1', '10.96.0.10'] });
  return { alloc, def: serviceResource(alloc) };
}

const svc = (spec: Record<string, unknown>, name = 'web'): KubeObject => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec,
});
const web = (extra: Record<string, unknown> = {}) => svc({ selector: { app: 'web' }, ports: [{ port: 80 }], ...extra });
const spec = (o: KubeObject) => (o as Service).spec;

describe('Service defaults', () => {
  it('a ClusterIP Service gets upstream defaults and an address', async () => {
    const { def, alloc } = setup();
    const out = await createObject(def, web());
    const s = spec(out);
    assert.equal(s.type, 'ClusterIP');
    assert.equal(s.sessionAffinity, 'None');
    assert.equal(s.internalTrafficPolicy, 'Cluster');
    assert.equal(s.externalTrafficPolicy, undefined);
    assert.deepEqual(s.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
    assert.deepEqual(s.ipFamilies, ['IPv4']);
    assert.equal(s.ipFamilyPolicy, 'SingleStack');
    assert.match(s.clusterIP!, /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    assert.deepEqual(s.clusterIPs, [s.clusterIP]);
    assert.deepEqual(out.status, { loadBalancer: {} });
    assert.ok(alloc.ips.has(s.clusterIP!));
  });
  it('NodePort and LoadBalancer get externalTrafficPolicy, node ports and allocateLoadBalancerNodePorts', async () => {
    const { def, alloc } = setup();
    const np = spec(await createObject(def, web({ type: 'NodePort', ports: [{ port: 80, targetPort: 8080 }] })));
    assert.equal(np.externalTrafficPolicy, 'Cluster');
    assert.equal(np.ports![0].targetPort, 8080);
    assert.ok(np.ports![0].nodePort! >= 30000 && np.ports![0].nodePort! <= 32767);
    assert.ok(alloc.ports.has(np.ports![0].nodePort!));
    const lb = spec(await createObject(def, web({ type: 'LoadBalancer' }), ));
    assert.equal(lb.allocateLoadBalancerNodePorts, true);
    assert.ok(lb.ports![0].nodePort);
    assert.equal(lb.healthCheckNodePort, undefined);
  });
  it('a nodePort or healthCheckNodePort of 0 is no port at all (Go\'s zero value), as upstream stores it', async () => {
    const { def, alloc } = setup();
    const cip = spec(await createObject(def, web({ ports: [{ port: 80, nodePort: 0 }], healthCheckNodePort: 0 })));
    assert.deepEqual(cip.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
    assert.equal(cip.healthCheckNodePort, undefined);
    const np = spec(await createObject(def, svc({ type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, nodePort: 0 }] }, 'np')));
    assert.ok(alloc.ports.has(np.ports![0].nodePort!));
  });
  it('ClientIP affinity defaults its timeout to 10800 seconds', async () => {
    const { def } = setup();
    const s = spec(await createObject(def, web({ sessionAffinity: 'ClientIP' })));
    assert.deepEqual(s.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
  });
  it('a singular clusterIP is mirrored into clusterIPs', async () => {
    const { def } = setup();
    const s = spec(await createObject(def, web({ clusterIP: '10.96.50.100' })));
    assert.deepEqual(s.clusterIPs, ['10.96.50.100']);
    assert.equal(s.clusterIP, '10.96.50.100');
  });
  it('headless Services get no address; selectorless ones ask for both families', async () => {
    const { def } = setup();
    const h = spec(await createObject(def, web({ clusterIP: 'None' })));
    assert.deepEqual(h.clusterIPs, ['None']);
    assert.deepEqual(h.ipFamilies, ['IPv4']);
    const sl = spec(await createObject(def, svc({ clusterIP: 'None', ports: [{ port: 80 }] }, 'sl')));
    assert.equal(sl.ipFamilyPolicy, 'RequireDualStack');
    assert.deepEqual(sl.ipFamilies, ['IPv4', 'IPv6']);
  });
  it('ExternalName Services get no address, families or internalTrafficPolicy', async () => {
    const { def, alloc } = setup();
    const s = spec(await createObject(def, svc({ type: 'ExternalName', externalName: 'example.com' })));
    assert.equal(s.clusterIP, undefined);
    assert.equal(s.ipFamilies, undefined);
    assert.equal(s.internalTrafficPolicy, undefined);
    assert.equal(alloc.ips.used, 0);
  });
  it('LoadBalancer with externalTrafficPolicy Local gets a health check node port', async () => {
    const { def, alloc } = setup();
    const s = spec(await createObject(def, web({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' })));
    assert.ok(s.healthCheckNodePort! >= 30000);
    assert.ok(alloc.ports.has(s.healthCheckNodePort!));
    const np = spec(await createObject(def, web({ type: 'NodePort', externalTrafficPolicy: 'Local' }), ));
    assert.equal(np.healthCheckNodePort, undefined);
  });
  it('TCP and UDP on one port share a node port', async () => {
    const { def } = setup();
    const s = spec(await createObject(def, svc({ type: 'NodePort', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] })));
    assert.equal(s.ports![0].nodePort, s.ports![1].nodePort);
  });
});

describe('Service validation (upstream messages)', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['ports required', { selector: { app: 'web' } }, 'spec.ports: Required value'],
    ['port names required with several ports', { ports: [{ port: 80 }, { port: 443 }] },
      '[spec.ports[0].name: Required value, spec.ports[1].name: Required value]'],
    ['port names unique', { ports: [{ name: 'http', port: 80 }, { name: 'http', port: 81 }] }, 'spec.ports[1].name: Duplicate value: "http"'],
    ['port name is a DNS label', { ports: [{ name: 'HTTP', port: 80 }] },
      "spec.ports[0].name: Invalid value: \"HTTP\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"],
    ['port range', { ports: [{ port: 0, targetPort: 80 }] }, 'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive'],
    ['protocol', { ports: [{ port: 80, protocol: 'HTTP' }] }, 'spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'],
    ['target port number', { ports: [{ port: 80, targetPort: 70000 }] }, 'spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive'],
    ['target port name', { ports: [{ port: 80, targetPort: 'Web' }] }, 'spec.ports[0].targetPort: Invalid value: "Web": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'],
    ['ports unique by port and protocol', { ports: [{ name: 'a', port: 80 }, { name: 'b', port: 80 }] }, 'spec.ports[1]: Duplicate value: {"protocol":"TCP","port":80}'],
    ['nodePort needs NodePort', { ports: [{ port: 80, nodePort: 30080 }] }, "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
    ['node ports unique', { type: 'NodePort', ports: [{ name: 'a', port: 80, nodePort: 30080 }, { name: 'b', port: 81, nodePort: 30080 }] }, 'spec.ports[1].nodePort: Duplicate value: 30080'],
    ['externalName required', { type: 'ExternalName' }, 'spec.externalName: Required value'],
    ['externalName is a DNS subdomain', { type: 'ExternalName', externalName: 'my_db.example.com' },
      "spec.externalName: Invalid value: \"my_db.example.com\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"],
    ['no clusterIP for ExternalName', { type: 'ExternalName', externalName: 'db.example.com', clusterIP: '10.96.0.5' }, 'spec.clusterIPs: Forbidden: may not be set for ExternalName services'],
    ['headless NodePort', { type: 'NodePort', clusterIP: 'None', ports: [{ port: 80 }] }, "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"],
    ['headless LoadBalancer', { type: 'LoadBalancer', clusterIP: 'None', ports: [{ port: 80 }] }, "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for LoadBalancer services"],
    ['bad clusterIP', { clusterIP: '10.96.0.500', ports: [{ port: 80 }] }, 'spec.clusterIPs[0]: Invalid value: "10.96.0.500": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['clusterIP vs clusterIPs', { clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.6'], ports: [{ port: 80 }] }, 'spec.clusterIPs: Invalid value: []string{"10.96.0.6"}: first value must match `clusterIP`'],
    ['session affinity', { sessionAffinity: 'Sticky', ports: [{ port: 80 }] }, 'spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"'],
    ['affinity timeout', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } }, ports: [{ port: 80 }] },
      'spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400'],
    ['type', { type: 'Foo', ports: [{ port: 80 }] }, 'spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'],
    ['source ranges are CIDRs', { type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.1'], ports: [{ port: 80 }] },
      'spec.LoadBalancerSourceRanges[0]: Invalid value: "10.0.0.1": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
    ['source ranges need LoadBalancer', { loadBalancerSourceRanges: ['10.0.0.0/8'], ports: [{ port: 80 }] },
      "spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'"],
    ['externalTrafficPolicy needs external access', { externalTrafficPolicy: 'Local', ports: [{ port: 80 }] },
      'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services'],
    ['externalTrafficPolicy values', { type: 'NodePort', externalTrafficPolicy: 'Global', ports: [{ port: 80 }] },
      'spec.externalTrafficPolicy: Unsupported value: "Global": supported values: "Cluster", "Local"'],
    ['healthCheckNodePort only for LoadBalancer+Local', { type: 'NodePort', healthCheckNodePort: 30001, ports: [{ port: 80 }] },
      "spec.healthCheckNodePort: Invalid value: 30001: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"],
    ['allocateLoadBalancerNodePorts needs LoadBalancer', { allocateLoadBalancerNodePorts: false, ports: [{ port: 80 }] },
      "spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer'"],
    ['external IPs', { externalIPs: ['127.0.0.1'], ports: [{ port: 80 }] },
      'spec.externalIPs[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)'],
    ['selector labels', { selector: { app: '-web' }, ports: [{ port: 80 }] },
      "spec.selector: Invalid value: \"-web\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"],
    ['IPv6 on an IPv4 cluster', { clusterIP: 'fd00::10', ports: [{ port: 80 }] }, 'spec.clusterIPs[0]: Invalid value: []string{"fd00::10"}: IPv6 is not configured on this cluster'],
    ['dual stack on a single-stack cluster', { ipFamilyPolicy: 'RequireDualStack', ports: [{ port: 80 }] },
      'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services'],
    ['families not served', { ipFamilies: ['IPv6'], ports: [{ port: 80 }] }, 'spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster'],
  ];
  for (const [name, s, want] of cases) {
    it(name, async () => {
      const { def } = setup();
      assert.equal(await createError(def, svc(s)), `Service "web" is invalid: ${want}`);
    });
  }
  it('Service names are DNS-1035 labels', async () => {
    const { def } = setup();
    assert.match((await createError(def, svc({ ports: [{ port: 80 }] }, '1web')))!, /^Service "1web" is invalid: metadata\.name: Invalid value: "1web": a DNS-1035 label must consist of/);
  });
});

describe('ClusterIP allocation', () => {
  it('honours a requested address and refuses it twice, in upstream words', async () => {
    const { def } = setup();
    await createObject(def, web({ clusterIP: '10.96.0.50' }));
    assert.equal(await createError(def, { ...web({ clusterIP: '10.96.0.50' }), metadata: { name: 'api', namespace: 'default' } }),
      'Service "api" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.50"}: failed to allocate IP 10.96.0.50: provided IP is already allocated');
  });
  it('refuses an address outside the service CIDR', async () => {
    const { def } = setup();
    assert.equal(await createError(def, web({ clusterIP: '10.0.0.1' })),
      'Service "web" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.1"}: failed to allocate IP 10.0.0.1: the provided IP (10.0.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12');
  });
  it('hands out the kubernetes and DNS addresses only when asked for', async () => {
    const { def, alloc } = setup('10.96.0.0/28');
    const got: string[] = [];
    // 14 usable addresses, 2 reserved: 12 dynamic allocations, then the range is full.
    for (let i = 0; i < 12; i++) got.push(spec(await createObject(def, web({}), )).clusterIP!);
    assert.ok(!got.includes('10.96.0.1') && !got.includes('10.96.0.10'));
    assert.equal(new Set(got).size, 12);
    assert.equal(await createError(def, web()), 'Internal error occurred: failed to allocate a serviceIP: range is full');
    assert.equal(spec(await createObject(def, svc({ clusterIP: '10.96.0.10', ports: [{ port: 53 }] }, 'kube-dns'))).clusterIP, '10.96.0.10');
    assert.equal(spec(await createObject(def, svc({ clusterIP: '10.96.0.1', ports: [{ port: 443 }] }, 'kubernetes'))).clusterIP, '10.96.0.1');
    assert.equal(alloc.ips.used, 14);
  });
  it('prefers the upper part of the range, as upstream', async () => {
    // A /24 keeps its first 16 addresses for requests by name until the rest is used up.
    const { alloc } = setup('10.0.0.0/24');
    const last = (ip: string) => Number(ip.split('.')[3]);
    const dynamic = Array.from({ length: 238 }, () => alloc.ips.allocateNext());
    assert.ok(dynamic.every((ip) => last(ip) > 16 && last(ip) < 255), 'upper band first');
    assert.ok(last(alloc.ips.allocateNext()) <= 16, 'then the lower band');
  });
  it('concurrent creates never share an address', async () => {
    const { def } = setup('10.96.0.0/24');
    const out = await Promise.all(Array.from({ length: 100 }, (_, i) => createObject(def, svc({ ports: [{ port: 80 }] }, `s${i}`))));
    assert.equal(new Set(out.map((o) => spec(o).clusterIP)).size, 100);
  });
  it('a dry run allocates nothing for good', async () => {
    const { def, alloc } = setup();
    const dry = await createObject(def, web({ type: 'NodePort', clusterIP: '10.96.0.50', ports: [{ port: 80, nodePort: 30080 }] }), { dryRun: true });
    assert.equal(spec(dry).clusterIP, '10.96.0.50');
    assert.equal(alloc.ips.used, 0);
    assert.equal(alloc.ports.used, 0);
    await createObject(def, web({ type: 'NodePort', clusterIP: '10.96.0.50', ports: [{ port: 80, nodePort: 30080 }] }));
    assert.equal(alloc.ips.used, 1);
  });
  it('a failed allocation gives back what the write had taken', async () => {
    const { def, alloc } = setup();
    await createObject(def, svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }, 'first'));
    const before = alloc.ips.used;
    // The cluster IP is taken first, then the node port fails: the IP must come back.
    assert.match((await createError(def, web({ type: 'NodePort', clusterIP: '10.96.0.77', ports: [{ port: 80, nodePort: 30080 }] })))!, /provided port is already allocated/);
    assert.equal(alloc.ips.used, before);
    assert.ok(!alloc.ips.has('10.96.0.77'));
  });
  it('delete releases the address and ports; restore rebuilds them', async () => {
    const { def, alloc } = setup();
    const a = await createObject(def, web({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', clusterIP: '10.96.0.50' }));
    def.afterDelete!(a);
    assert.equal(alloc.ips.used, 0);
    assert.equal(alloc.ports.used, 0);
    const { def: def2, alloc: alloc2 } = setup();
    def2.restore!([a, await createObject(def, svc({ type: 'ExternalName', externalName: 'x.example.com' }, 'ext'))]);
    assert.ok(alloc2.ips.has('10.96.0.50'));
    assert.equal(alloc2.ports.used, 2);
    assert.match((await createError(def2, svc({ clusterIP: '10.96.0.50', ports: [{ port: 80 }] }, 'other')))!, /provided IP is already allocated/);
  });
});

describe('NodePort allocation', () => {
  it('honours a requested node port and refuses it twice', async () => {
    const { def } = setup();
    await createObject(def, web({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    assert.equal(await createError(def, svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }, 'api')),
      'Service "api" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
  });
  it('refuses a node port outside the range', async () => {
    const { def } = setup();
    assert.equal(await createError(def, web({ type: 'NodePort', ports: [{ port: 80, nodePort: 8080 }] })),
      'Service "web" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767');
  });
  it('reports an exhausted range', async () => {
    const { def } = setup('10.96.0.0/12', [30000, 30001]);
    await createObject(def, svc({ type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] }, 'a'));
    assert.equal(await createError(def, svc({ type: 'NodePort', ports: [{ port: 80 }] }, 'b')), 'Internal error occurred: failed to allocate a nodePort: range is full');
  });
  it('LoadBalancer without node ports allocates none unless asked', async () => {
    const { def, alloc } = setup();
    const s = spec(await createObject(def, web({ type: 'LoadBalancer', allocateLoadBalancerNodePorts: false })));
    assert.equal(s.ports![0].nodePort, undefined);
    assert.equal(alloc.ports.used, 0);
  });
});

describe('Service updates', () => {
  it('a re-submitted manifest keeps the allocated address and node port', async () => {
    const { def, alloc } = setup();
    const created = await createObject(def, web({ type: 'NodePort' }));
    const updated = await updateObject(def, created, web({ type: 'NodePort' }));
    assert.equal(spec(updated).clusterIP, spec(created).clusterIP);
    assert.equal(spec(updated).ports![0].nodePort, spec(created).ports![0].nodePort);
    assert.equal(alloc.ports.used, 1);
  });
  it('the cluster IP may not change', async () => {
    const { def } = setup();
    const created = await createObject(def, web({ clusterIP: '10.96.0.50' }));
    assert.equal(await updateError(def, created, web({ clusterIP: '10.96.0.60' })),
      'Service "web" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.0.60"}: may not change once set');
  });
  it('ClusterIP -> NodePort -> LoadBalancer -> ClusterIP allocates and releases node ports', async () => {
    const { def, alloc } = setup();
    const c = await createObject(def, web());
    const np = await updateObject(def, c, { ...c, spec: { ...spec(c), type: 'NodePort' } });
    const port = spec(np).ports![0].nodePort!;
    assert.ok(alloc.ports.has(port));
    assert.equal(spec(np).clusterIP, spec(c).clusterIP);
    const lb = await updateObject(def, np, { ...np, spec: { ...spec(np), type: 'LoadBalancer', externalTrafficPolicy: 'Local' } });
    assert.equal(spec(lb).ports![0].nodePort, port);
    assert.ok(alloc.ports.has(spec(lb).healthCheckNodePort!));
    assert.equal(alloc.ports.used, 2);
    // Back to ClusterIP with the old manifest fields still present, as `kubectl apply` sends them.
    const back = await updateObject(def, lb, { ...lb, spec: { ...spec(lb), type: 'ClusterIP' } });
    assert.equal(spec(back).ports![0].nodePort, undefined);
    assert.equal(spec(back).healthCheckNodePort, undefined);
    assert.equal(spec(back).externalTrafficPolicy, undefined);
    assert.equal(spec(back).allocateLoadBalancerNodePorts, undefined);
    assert.equal(alloc.ports.used, 0);
    assert.ok(alloc.ips.has(spec(back).clusterIP!));
  });
  it('to ExternalName releases the address, back allocates a new one', async () => {
    const { def, alloc } = setup();
    const c = await createObject(def, web({ clusterIP: '10.96.0.50' }));
    const ext = await updateObject(def, c, { ...c, spec: { ...spec(c), type: 'ExternalName', externalName: 'db.example.com' } });
    assert.equal(spec(ext).clusterIP, undefined);
    assert.equal(spec(ext).clusterIPs, undefined);
    assert.equal(spec(ext).ipFamilies, undefined);
    assert.equal(alloc.ips.used, 0);
    const again = await updateObject(def, ext, { ...ext, spec: { ...spec(ext), type: 'ClusterIP', externalName: undefined } });
    assert.ok(alloc.ips.has(spec(again).clusterIP!));
    assert.deepEqual(spec(again).ipFamilies, ['IPv4']);
  });
  it('externalTrafficPolicy Local -> Cluster releases the health check node port', async () => {
    const { def, alloc } = setup();
    const lb = await createObject(def, web({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' }));
    const hc = spec(lb).healthCheckNodePort!;
    const cl = await updateObject(def, lb, { ...lb, spec: { ...spec(lb), externalTrafficPolicy: 'Cluster' } });
    assert.equal(spec(cl).healthCheckNodePort, undefined);
    assert.ok(!alloc.ports.has(hc));
  });
  it('the health check node port may not change', async () => {
    const { def } = setup();
    const lb = await createObject(def, web({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' }));
    assert.match((await updateError(def, lb, { ...lb, spec: { ...spec(lb), healthCheckNodePort: 31999 } }))!, /spec\.healthCheckNodePort: Forbidden: field is immutable/);
  });
  it('a failed write keeps what the Service had and gives back what it took', async () => {
    const { def, alloc } = setup();
    const c = await createObject(def, web({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    await assert.rejects(updateObject(def, c, { ...c, spec: { ...spec(c), ports: [{ port: 80, nodePort: 30090 }] } }, { storeFails: true }));
    assert.ok(alloc.ports.has(30080));
    assert.ok(!alloc.ports.has(30090));
    const moved = await updateObject(def, c, { ...c, spec: { ...spec(c), ports: [{ port: 80, nodePort: 30090 }] } });
    assert.equal(spec(moved).ports![0].nodePort, 30090);
    assert.deepEqual(alloc.ports.allocated(), [30090]);
  });
  it('a dry-run update allocates nothing', async () => {
    const { def, alloc } = setup();
    const c = await createObject(def, web());
    await updateObject(def, c, { ...c, spec: { ...spec(c), type: 'NodePort' } }, { dryRun: true });
    assert.equal(alloc.ports.used, 0);
  });
  it('the status subresource changes only status', async () => {
    const { def } = setup();
    const lb = await createObject(def, web({ type: 'LoadBalancer' }));
    const st = await updateObject(def, lb, { ...lb, spec: { ...spec(lb), selector: { app: 'other' } }, status: { loadBalancer: { ingress: [{ ip: '172.18.255.200' }] } } }, { subresource: 'status' });
    assert.deepEqual(spec(st).selector, { app: 'web' });
    assert.deepEqual(st.status, { loadBalancer: { ingress: [{ ip: '172.18.255.200', ipMode: 'VIP' }] } });
    const c = await createObject(def, svc({ ports: [{ port: 80 }] }, 'c'));
    assert.equal(await updateError(def, c, { ...c, status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } }, 'status'),
      "Service \"c\" is invalid: status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'");
  });
});
