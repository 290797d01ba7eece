import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../kube/types.js';
import { createError, createObject, updateError } from '../testing.js';
import { endpointSliceResource } from '../discovery/endpointslice.js';
import { leaseResource } from '../coordination/lease.js';
import { ingressResource } from './ingress.js';
import { ingressClassResource } from './ingressclass.js';
import { networkPolicyResource } from './networkpolicy.js';

const obj = (apiVersion: string, kind: string, rest: Record<string, unknown>, name = 'x', namespace: string | null = 'default'): KubeObject =>
  ({ apiVersion, kind, metadata: namespace ? { name, namespace } : { name }, ...rest });
const backend = { service: { name: 'web', port: { number: 80 } } };
const ingress = (paths: unknown[], extra: Record<string, unknown> = {}) =>
  obj('networking.k8s.io/v1', 'Ingress', { spec: { rules: [{ host: 'app.example.com', http: { paths } }], ...extra } });

describe('Ingress', () => {
  const def = ingressResource();
  it('accepts the seeds\' ingress', async () => {
    const ing = await createObject(def, ingress([{ path: '/api', pathType: 'Prefix', backend }], { tls: [{ hosts: ['app.example.com'], secretName: 'app1-tls' }] }));
    assert.deepEqual(ing.status, { loadBalancer: {} });
  });
  const cases: Array<[string, KubeObject, string]> = [
    ['pathType required', ingress([{ path: '/', backend }]), 'spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified'],
    ['pathType values', ingress([{ path: '/', pathType: 'Regex', backend }]),
      'spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"'],
    ['absolute paths for Prefix', ingress([{ path: 'api', pathType: 'Prefix', backend }]), 'spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path'],
    ['no dot segments', ingress([{ path: '/a/../b', pathType: 'Exact', backend }]), "spec.rules[0].http.paths[0].path: Invalid value: \"/a/../b\": must not contain '/../'"],
    ['port name or number', ingress([{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: {} } } }]),
      'spec.rules[0].http.paths[0].backend: Required value: port name or number is required'],
    ['not both', ingress([{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http', number: 80 } } } }]),
      'spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both port name & port number'],
    ['service names are DNS-1035 labels', ingress([{ path: '/', pathType: 'Prefix', backend: { service: { name: '1web', port: { number: 80 } } } }]),
      "spec.rules[0].http.paths[0].backend.service.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"],
    ['a backend is required', ingress([{ path: '/', pathType: 'Prefix', backend: {} }]), 'spec.rules[0].http.paths[0].backend: Invalid value: "": resource or service backend is required'],
    ['hosts are names', obj('networking.k8s.io/v1', 'Ingress', { spec: { rules: [{ host: '10.0.0.1' }] } }),
      'spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address'],
    ['rules or default backend', obj('networking.k8s.io/v1', 'Ingress', { spec: {} }), 'spec: Invalid value: null: either `defaultBackend` or `rules` must be specified'],
  ];
  for (const [name, o, want] of cases) {
    it(name, async () => assert.equal(await createError(def, o), `Ingress.networking.k8s.io "x" is invalid: ${want}`));
  }
});

describe('IngressClass', () => {
  const def = ingressClassResource();
  const cls = (spec: Record<string, unknown>) => obj('networking.k8s.io/v1', 'IngressClass', { spec }, 'nginx', null);
  it('needs a domain-prefixed controller that never changes', async () => {
    assert.equal(await createError(def, cls({})), 'IngressClass.networking.k8s.io "nginx" is invalid: spec.controller: Required value');
    assert.equal(await createError(def, cls({ controller: 'nginx' })),
      'IngressClass.networking.k8s.io "nginx" is invalid: spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")');
    const c = await createObject(def, cls({ controller: 'k8s.io/ingress-nginx', parameters: { kind: 'Config', name: 'x' } }));
    assert.equal(c.spec.parameters.scope, 'Cluster');
    assert.equal(await updateError(def, c, { ...c, spec: { ...c.spec, controller: 'example.com/other' } }),
      'IngressClass.networking.k8s.io "nginx" is invalid: spec.controller: Invalid value: "example.com/other": field is immutable');
  });
});

describe('NetworkPolicy', () => {
  const def = networkPolicyResource();
  const np = (spec: Record<string, unknown>) => obj('networking.k8s.io/v1', 'NetworkPolicy', { spec });
  it('defaults policy types and port protocols', async () => {
    const p = await createObject(def, np({ podSelector: { matchLabels: { app: 'db' } }, ingress: [{ ports: [{ port: 5432 }] }] }));
    assert.deepEqual(p.spec.policyTypes, ['Ingress']);
    assert.equal(p.spec.ingress[0].ports[0].protocol, 'TCP');
    const e = await createObject(def, np({ podSelector: {}, egress: [{}] }));
    assert.deepEqual(e.spec.policyTypes, ['Ingress', 'Egress']);
  });
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['a peer needs a selector or block', { podSelector: {}, ingress: [{ from: [{}] }] }, 'spec.ingress[0].from[0]: Required value: must specify a peer'],
    ['ipBlock alone', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] },
      'spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer'],
    ['except inside cidr', { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24'] } }] }] },
      'spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`'],
    ['endPort after port', { podSelector: {}, ingress: [{ ports: [{ port: 80, endPort: 70 }] }] },
      'spec.ingress[0].ports[0].endPort: Invalid value: 70: must be greater than or equal to `port`'],
    ['protocols', { podSelector: {}, ingress: [{ ports: [{ port: 80, protocol: 'ICMP' }] }] },
      'spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"'],
    ['policy types', { podSelector: {}, policyTypes: ['Both'] }, 'spec.policyTypes[0]: Unsupported value: "Both": supported values: "Ingress", "Egress"'],
    ['at most two policy types', { podSelector: {}, policyTypes: ['Ingress', 'Egress', 'Ingress'] },
      'spec.policyTypes: Invalid value: []networking.PolicyType{"Ingress", "Egress", "Ingress"}: may not specify more than two policyTypes'],
    ['port 0', { podSelector: {}, ingress: [{ ports: [{ port: 0 }] }] }, 'spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive'],
    ['port over 65535', { podSelector: {}, ingress: [{ ports: [{ port: 70000 }] }] }, 'spec.ingress[0].ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive'],
    ['endPort without port', { podSelector: {}, egress: [{ ports: [{ endPort: 20000 }] }] },
      'spec.egress[0].ports[0].endPort: Invalid value: 20000: may not be specified when `port` is not specified'],
    ['endPort with a named port', { podSelector: {}, egress: [{ ports: [{ port: 'serve-80', endPort: 20000 }] }] },
      'spec.egress[0].ports[0].endPort: Invalid value: 20000: may not be specified when `port` is non-numeric'],
    ['endPort over 65535', { podSelector: {}, egress: [{ ports: [{ port: 80, endPort: 70000 }] }] },
      'spec.egress[0].ports[0].endPort: Invalid value: 70000: must be between 1 and 65535, inclusive'],
    ['a number written as a string is a name', { podSelector: {}, ingress: [{ ports: [{ port: '80' }] }] },
      'spec.ingress[0].ports[0].port: Invalid value: "80": must contain at least one letter (a-z)'],
    ['an invalid CIDR', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/33' } }] }] },
      'spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
    ['an except equal to its cidr', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/24', except: ['10.0.0.0/24'] } }] }] },
      'spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "10.0.0.0/24": must be a strict subset of `cidr`'],
  ];
  it('accepts a CIDR with host bits set and an except inside it, as upstream does by default', async () => {
    const p = await createObject(def, np({ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.1/24', except: ['10.0.0.0/25'] } }] }] }));
    assert.equal(p.spec.ingress[0].from[0].ipBlock.cidr, '10.0.0.1/24');
  });
  it('an empty egress list isolates nothing for egress unless policyTypes says so', async () => {
    const p = await createObject(def, np({ podSelector: {}, egress: [] }));
    assert.deepEqual(p.spec.policyTypes, ['Ingress']);
  });
  for (const [name, spec, want] of cases) {
    it(name, async () => assert.equal(await createError(def, np(spec)), `NetworkPolicy.networking.k8s.io "x" is invalid: ${want}`));
  }
});

describe('EndpointSlice', () => {
  const def = endpointSliceResource();
  const slice = (rest: Record<string, unknown>) => obj('discovery.k8s.io/v1', 'EndpointSlice', rest, 'web-abc');
  it('defaults ports and accepts a normal slice', async () => {
    const s = await createObject(def, slice({ addressType: 'IPv4', endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: true } }], ports: [{ port: 80 }] }));
    assert.deepEqual(s.ports, [{ port: 80, name: '', protocol: 'TCP' }]);
  });
  it('at most 1000 endpoints', async () => {
    const endpoints = Array.from({ length: 1001 }, (_, i) => ({ addresses: [`10.0.${i >> 8}.${(i & 255) || 1}`] }));
    assert.equal(await createError(def, slice({ addressType: 'IPv4', endpoints })), 'EndpointSlice.discovery.k8s.io "web-abc" is invalid: endpoints: Too many: 1001: must have at most 1000 items');
  });
  it('addresses follow the address type', async () => {
    assert.equal(await createError(def, slice({ addressType: 'IPv4', endpoints: [{ addresses: ['fd00::1'] }] })),
      'EndpointSlice.discovery.k8s.io "web-abc" is invalid: endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address');
    assert.equal(await createError(def, slice({ addressType: 'IP', endpoints: [] })),
      'EndpointSlice.discovery.k8s.io "web-abc" is invalid: addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"');
  });
  it('addressType is immutable', async () => {
    const s = await createObject(def, slice({ addressType: 'IPv4', endpoints: [] }));
    assert.equal(await updateError(def, s, { ...s, addressType: 'IPv6' }), 'EndpointSlice.discovery.k8s.io "web-abc" is invalid: addressType: Invalid value: "IPv6": field is immutable');
  });
});

describe('Lease', () => {
  const def = leaseResource();
  it('durations are positive', async () => {
    assert.equal(await createError(def, obj('coordination.k8s.io/v1', 'Lease', { spec: { holderIdentity: 'n1', leaseDurationSeconds: 0 } })),
      'Lease.coordination.k8s.io "x" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0');
    assert.equal(await createError(def, obj('coordination.k8s.io/v1', 'Lease', { spec: { holderIdentity: 'n1', leaseDurationSeconds: 40 } })), undefined);
  });
});
