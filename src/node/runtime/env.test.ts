import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod, Service } from '../../kube/types.js';
import { ContainerConfigError, containerEnv, expandCommand, parseQuantity, serviceLinkEnv, servicesForPod, type EnvSourceResolver } from './env.js';
import { expand, mappingFor } from './expand.js';

const svc = (name: string, namespace: string, clusterIP: string, ports: Service['spec']['ports']): Service => ({ metadata: { name, namespace }, spec: { clusterIP, ports } });
const services = [
  svc('kubernetes', 'default', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP' }]),
  svc('api', 'default', '10.96.50.100', [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }]),
  svc('redis-master', 'default', '10.96.7.7', [{ port: 6379 }]),
  svc('headless', 'default', 'None', [{ port: 80 }]),
  svc('other', 'shop', '10.96.9.9', [{ port: 8080 }]),
];
const pod = (spec: Partial<Pod['spec']> = {}, namespace = 'default'): Pod => ({
  metadata: { name: 'web-1', namespace, uid: 'uid-1', labels: { app: 'web', tier: 'front' } },
  spec: { containers: [{ name: 'c' }], nodeName: 'worker-1', serviceAccountName: 'default', ...spec },
});
const resolver: EnvSourceResolver = {
  configMap: async (_ns, name) => (name === 'cfg' ? { MODE: 'prod', LEVEL: 'debug' } : undefined),
  secret: async (_ns, name) => (name === 'creds' ? { password: 's3cret' } : undefined),
};
const addr = { podIPs: ['10.244.1.5'], hostIPs: ['192.168.1.10'] };
const envOf = async (c: Partial<Container>, p = pod()) => Object.fromEntries((await containerEnv(p, { name: 'c', ...c }, addr, services, resolver)).map((e) => [e.name, e.value]));

test('service link variables are named as the kubelet names them', () => {
  const env = Object.fromEntries(serviceLinkEnv([services[1]]));
  assert.deepEqual(env, {
    API_SERVICE_HOST: '10.96.50.100',
    API_SERVICE_PORT: '80',
    API_SERVICE_PORT_HTTP: '80',
    API_SERVICE_PORT_DNS: '53',
    API_PORT: 'tcp://10.96.50.100:80',
    API_PORT_80_TCP: 'tcp://10.96.50.100:80',
    API_PORT_80_TCP_PROTO: 'tcp',
    API_PORT_80_TCP_PORT: '80',
    API_PORT_80_TCP_ADDR: '10.96.50.100',
    API_PORT_53_UDP: 'udp://10.96.50.100:53',
    API_PORT_53_UDP_PROTO: 'udp',
    API_PORT_53_UDP_PORT: '53',
    API_PORT_53_UDP_ADDR: '10.96.50.100',
  });
  const redis = Object.fromEntries(serviceLinkEnv([services[2], svc('9lives', 'default', '10.96.1.9', [{ port: 9 }])]));
  assert.equal(redis.REDIS_MASTER_SERVICE_HOST, '10.96.7.7');
  assert.equal(redis.REDIS_MASTER_PORT_6379_TCP_PORT, '6379');
  assert.equal(redis._9LIVES_SERVICE_PORT, '9');
});

test('a pod sees kubernetes always and its own namespace only with enableServiceLinks', () => {
  const names = (list: Service[]) => list.map((s) => s.metadata.name);
  assert.deepEqual(names(servicesForPod(services, 'default')), ['api', 'kubernetes', 'redis-master']);
  assert.deepEqual(names(servicesForPod(services, 'shop')), ['kubernetes', 'other']);
  assert.deepEqual(names(servicesForPod(services, 'default', false)), ['kubernetes']);
});

test('container env: envFrom, then env in order, then service links not already set', async () => {
  const env = await envOf({
    envFrom: [{ configMapRef: { name: 'cfg' } }, { prefix: 'DB_', secretRef: { name: 'creds' } }],
    env: [{ name: 'LEVEL', value: 'info' }, { name: 'API_SERVICE_HOST', value: 'overridden' }],
  });
  assert.equal(env.MODE, 'prod');
  assert.equal(env.LEVEL, 'info');
  assert.equal(env.DB_password, 's3cret');
  assert.equal(env.API_SERVICE_HOST, 'overridden');
  assert.equal(env.KUBERNETES_SERVICE_HOST, '10.96.0.1');
  assert.equal(env.KUBERNETES_SERVICE_PORT, '443');
  assert.equal(env.KUBERNETES_PORT_443_TCP, 'tcp://10.96.0.1:443');
});

test('$(VAR) expands from earlier env and service variables; $$ escapes; unknown names stay', async () => {
  const env = await envOf({ env: [
    { name: 'HOST', value: 'db' },
    { name: 'URL', value: 'http://$(HOST):$(API_SERVICE_PORT)/$(NOPE)' },
    { name: 'LITERAL', value: '$$(HOST) $ $x' },
    { name: 'LATER', value: '$(AFTER)' },
    { name: 'AFTER', value: 'x' },
  ] });
  assert.equal(env.URL, 'http://db:80/$(NOPE)');
  assert.equal(env.LITERAL, '$(HOST) $ $x');
  assert.equal(env.LATER, '$(AFTER)');
  assert.equal(expand('$(A', mappingFor(new Map([['A', '1']]))), '$(A');
  assert.equal(expand('a$', mappingFor()), 'a$');
});

test('valueFrom fieldRef reads the downward API fields', async () => {
  const field = (fieldPath: string) => ({ name: fieldPath, valueFrom: { fieldRef: { fieldPath } } });
  const env = await envOf({ env: ['metadata.name', 'metadata.namespace', 'metadata.uid', "metadata.labels['app']", "metadata.labels['none']", 'spec.nodeName', 'spec.serviceAccountName', 'status.podIP', 'status.podIPs', 'status.hostIP', 'metadata.labels'].map(field) });
  assert.deepEqual(env, {
    ...env,
    'metadata.name': 'web-1',
    'metadata.namespace': 'default',
    'metadata.uid': 'uid-1',
    "metadata.labels['app']": 'web',
    "metadata.labels['none']": '',
    'spec.nodeName': 'worker-1',
    'spec.serviceAccountName': 'default',
    'status.podIP': '10.244.1.5',
    'status.podIPs': '10.244.1.5',
    'status.hostIP': '192.168.1.10',
    'metadata.labels': 'app="web"\ntier="front"',
  });
});

test('configMapKeyRef and secretKeyRef: values, optional misses, and the kubelet errors', async () => {
  const env = await envOf({ env: [
    { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'MODE' } } },
    { name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
    { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'missing', key: 'x', optional: true } } },
    { name: 'OPTKEY', valueFrom: { secretKeyRef: { name: 'creds', key: 'nokey', optional: true } } },
  ] });
  assert.equal(env.MODE, 'prod');
  assert.equal(env.PW, 's3cret');
  assert.ok(!('OPT' in env) && !('OPTKEY' in env));
  await assert.rejects(envOf({ env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'missing', key: 'x' } } }] }), (e: Error) => e instanceof ContainerConfigError && e.message === 'configmap "missing" not found');
  await assert.rejects(envOf({ env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nokey' } } }] }), /^Error: couldn't find key nokey in ConfigMap default\/cfg$/);
  await assert.rejects(envOf({ envFrom: [{ secretRef: { name: 'gone' } }] }), /secret "gone" not found/);
});

test('resourceFieldRef gives the limit in divisor units', async () => {
  const env = await envOf({ resources: { limits: { cpu: '500m', memory: '64Mi' } }, env: [
    { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
    { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
    { name: 'CPU_M', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
  ] });
  assert.deepEqual([env.CPU, env.MEM_MI, env.CPU_M], ['1', '64', '500']);
  assert.equal(parseQuantity('1Gi'), 2 ** 30);
});

test('command and args expand $(VAR) from the final env', () => {
  const out = expandCommand({ name: 'c', command: ['sh', '-c', 'echo $(GREETING) $(MISSING)'], args: ['$$(GREETING)'] }, [{ name: 'GREETING', value: 'hi' }]);
  assert.deepEqual(out, { command: ['sh', '-c', 'echo hi $(MISSING)'], args: ['$(GREETING)'] });
});
