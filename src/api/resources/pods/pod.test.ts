import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../kube/types.js';
import { createError, createObject, updateError, updateObject } from '../testing.js';
import { imageTag } from './defaults.js';
import { podResource } from './pod.js';
import { validateBinding } from './updates.js';
import { fieldErrorText } from '../../../kube/errors.js';

const def = podResource();
const pod = (spec: Record<string, unknown>, name = 'p'): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec });
const c = (extra: Record<string, unknown> = {}) => ({ name: 'c', image: 'nginx:1.25', ...extra });
const withContainer = (extra: Record<string, unknown>, spec: Record<string, unknown> = {}) => pod({ containers: [c(extra)], ...spec });

describe('Pod defaults', () => {
  it('sets upstream defaults and what admission adds', async () => {
    const out = await createObject(def, pod({ containers: [c({ ports: [{ containerPort: 80 }], readinessProbe: { httpGet: { port: 80 } } })] }));
    const s = out.spec;
    assert.equal(s.restartPolicy, 'Always');
    assert.equal(s.dnsPolicy, 'ClusterFirst');
    assert.equal(s.terminationGracePeriodSeconds, 30);
    assert.equal(s.schedulerName, 'default-scheduler');
    assert.equal(s.enableServiceLinks, true);
    assert.equal(s.serviceAccountName, 'default');
    assert.equal(s.serviceAccount, 'default');
    assert.deepEqual(s.securityContext, {});
    assert.equal(s.priority, 0);
    assert.deepEqual(s.tolerations.map((t: { key: string }) => t.key), ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']);
    const ctr = s.containers[0];
    assert.equal(ctr.terminationMessagePath, '/dev/termination-log');
    assert.equal(ctr.terminationMessagePolicy, 'File');
    assert.equal(ctr.imagePullPolicy, 'IfNotPresent');
    assert.deepEqual(ctr.resources, {});
    assert.deepEqual(ctr.ports, [{ containerPort: 80, protocol: 'TCP' }]);
    assert.deepEqual(ctr.readinessProbe, { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    assert.deepEqual(out.status, { phase: 'Pending', qosClass: 'BestEffort' });
  });
  it('imagePullPolicy follows the tag', () => {
    assert.equal(imageTag('nginx'), 'latest');
    assert.equal(imageTag('nginx:latest'), 'latest');
    assert.equal(imageTag('nginx:1.25'), '1.25');
    assert.equal(imageTag('localhost:5000/nginx'), 'latest');
    assert.equal(imageTag('busybox@sha256:abc'), '');
  });
  it('pulls :latest and untagged images always', async () => {
    const out = await createObject(def, pod({ containers: [{ name: 'a', image: 'busybox' }, { name: 'b', image: 'nginx:latest' }, { name: 'd', image: 'nginx:1.25' }] }));
    assert.deepEqual(out.spec.containers.map((x: { imagePullPolicy: string }) => x.imagePullPolicy), ['Always', 'Always', 'IfNotPresent']);
  });
  it('requests default to limits; QoS follows', async () => {
    const out = await createObject(def, withContainer({ resources: { limits: { cpu: '500m', memory: '64Mi' } } }));
    assert.deepEqual(out.spec.containers[0].resources.requests, { cpu: '500m', memory: '64Mi' });
    assert.equal(out.status!.qosClass, 'Guaranteed');
    const burst = await createObject(def, withContainer({ resources: { requests: { cpu: '100m' } } }));
    assert.equal(burst.status!.qosClass, 'Burstable');
  });
  it('hostNetwork pods publish container ports as host ports', async () => {
    const out = await createObject(def, withContainer({ ports: [{ containerPort: 8080 }] }, { hostNetwork: true }));
    assert.equal(out.spec.containers[0].ports[0].hostPort, 8080);
  });
});

describe('Pod validation (upstream messages)', () => {
  const cases: Array<[string, KubeObject, string]> = [
    ['containers required', pod({}), 'spec.containers: Required value'],
    ['container name required', pod({ containers: [{ image: 'nginx' }] }), 'spec.containers[0].name: Required value'],
    ['container name is a DNS label', pod({ containers: [{ name: 'Web', image: 'nginx' }] }),
      "spec.containers[0].name: Invalid value: \"Web\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"],
    ['image required', pod({ containers: [{ name: 'c' }] }), 'spec.containers[0].image: Required value'],
    ['container names unique', pod({ containers: [c(), c()] }), 'spec.containers[1].name: Duplicate value: "c"'],
    ['containerPort required', withContainer({ ports: [{ name: 'http' }] }), 'spec.containers[0].ports[0].containerPort: Required value'],
    ['containerPort range', withContainer({ ports: [{ containerPort: 70000 }] }), 'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive'],
    ['port names unique', withContainer({ ports: [{ name: 'http', containerPort: 80 }, { name: 'http', containerPort: 81 }] }), 'spec.containers[0].ports[1].name: Duplicate value: "http"'],
    ['port protocol', withContainer({ ports: [{ containerPort: 80, protocol: 'HTTP' }] }), 'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'],
    ['host port conflicts', pod({ containers: [c({ ports: [{ containerPort: 80, hostPort: 8080 }] }), { name: 'd', image: 'x:1', ports: [{ containerPort: 81, hostPort: 8080 }] }] }),
      'spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"'],
    ['env names', withContainer({ env: [{ name: '1X', value: 'y' }] }),
      "spec.containers[0].env[0].name: Invalid value: \"1X\": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"],
    ['env source required', withContainer({ env: [{ name: 'X', valueFrom: {} }] }),
      'spec.containers[0].env[0].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'],
    ['env value and valueFrom', withContainer({ env: [{ name: 'X', value: 'a', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }),
      'spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty'],
    ['downward API fields', withContainer({ env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'status.phase' } } }] }),
      'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "status.phase": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"'],
    ['downward API conversion', withContainer({ env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.bogus' } } }] }),
      'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Invalid value: "spec.bogus": error converting fieldPath: field label not supported: spec.bogus'],
    ['secret key ref', withContainer({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's' } } }] }), 'spec.containers[0].env[0].valueFrom.secretKeyRef.key: Required value'],
    ['envFrom source required', withContainer({ envFrom: [{ prefix: 'A_' }] }), 'spec.containers[0].envFrom: Invalid value: "": must specify one of: `configMapRef` or `secretRef`'],
    ['probe handler required', withContainer({ livenessProbe: { periodSeconds: 5 } }), 'spec.containers[0].livenessProbe: Required value: must specify a handler type'],
    ['one probe handler', withContainer({ livenessProbe: { exec: { command: ['true'] }, tcpSocket: { port: 80 } } }),
      'spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type'],
    ['liveness success threshold', withContainer({ livenessProbe: { tcpSocket: { port: 80 }, successThreshold: 2 } }),
      'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1'],
    ['probe port', withContainer({ readinessProbe: { httpGet: { port: 0 } } }), 'spec.containers[0].readinessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive'],
    ['probe scheme', withContainer({ readinessProbe: { httpGet: { port: 80, scheme: 'FTP' } } }),
      'spec.containers[0].readinessProbe.httpGet.scheme: Unsupported value: "FTP": supported values: "HTTP", "HTTPS"'],
    ['exec command', withContainer({ startupProbe: { exec: {} } }), 'spec.containers[0].startupProbe.exec.command: Required value'],
    ['pull policy', withContainer({ imagePullPolicy: 'Sometimes' }), 'spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"'],
    ['requests within limits', withContainer({ resources: { limits: { cpu: '1' }, requests: { cpu: '2' } } }),
      'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'],
    // Requests default to limits first, so the name is reported for both, as upstream does.
    ['resource names', withContainer({ resources: { limits: { gpu: '1' } } }),
      '[spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified, spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers, spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified, spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers]'],
    ['volume mounts need volumes', withContainer({ volumeMounts: [{ name: 'data', mountPath: '/data' }] }), 'spec.containers[0].volumeMounts[0].name: Not found: "data"'],
    ['volume names unique', pod({ containers: [c()], volumes: [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {} }] }), 'spec.volumes[1].name: Duplicate value: "v"'],
    ['one volume type', pod({ containers: [c()], volumes: [{ name: 'v', emptyDir: {}, configMap: { name: 'x' } }] }), 'spec.volumes[0].configMap: Forbidden: may not specify more than 1 volume type'],
    ['restart policy', pod({ containers: [c()], restartPolicy: 'Sometimes' }), 'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'],
    ['dns policy', pod({ containers: [c()], dnsPolicy: 'Cluster' }),
      'spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"'],
    ['dnsPolicy None needs dnsConfig', pod({ containers: [c()], dnsPolicy: 'None' }), 'spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None'],
    ['dnsPolicy None needs a nameserver', pod({ containers: [c()], dnsPolicy: 'None', dnsConfig: { searches: ['a.com'] } }),
      'spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None'],
    ['at most 3 nameservers', pod({ containers: [c()], dnsConfig: { nameservers: ['1.1.1.1', '8.8.8.8', '9.9.9.9', '1.0.0.1'] } }),
      'spec.dnsConfig.nameservers: Invalid value: []string{"1.1.1.1", "8.8.8.8", "9.9.9.9", "1.0.0.1"}: must not have more than 3 nameservers'],
    ['nameservers are IPs', pod({ containers: [c()], dnsConfig: { nameservers: ['dns'] } }),
      'spec.dnsConfig.nameservers[0]: Invalid value: "dns": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['host aliases', pod({ containers: [c()], hostAliases: [{ ip: 'x', hostnames: ['a.b'] }] }),
      'spec.hostAliases[0].ip: Invalid value: "x": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['node selector values', pod({ containers: [c()], nodeSelector: { disk: 'ssd fast' } }),
      "spec.nodeSelector: Invalid value: \"ssd fast\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"],
    ['active deadline', pod({ containers: [c()], activeDeadlineSeconds: 0 }), 'spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive'],
    ['tolerations', pod({ containers: [c()], tolerations: [{ operator: 'Equal', value: 'x' }] }),
      'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"'],
    ['init containers without restartPolicy Always have no probes', pod({ containers: [c()], initContainers: [{ name: 'i', image: 'busybox:1', readinessProbe: { exec: { command: ['true'] } } }] }),
      'spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always'],
    ['hostNetwork host ports', pod({ containers: [c({ ports: [{ containerPort: 80, hostPort: 81 }] })], hostNetwork: true }),
      'spec.containers[0].ports[0].hostPort: Invalid value: 81: must match `containerPort` when `hostNetwork` is true'],
  ];
  for (const [name, obj, want] of cases) {
    it(name, async () => assert.equal(await createError(def, obj), `Pod "${obj.metadata.name}" is invalid: ${want}`));
  }
  it('at most 32 search paths and 2048 characters', async () => {
    const many = Array.from({ length: 33 }, (_, i) => `s${i}.example.com`);
    assert.match((await createError(def, pod({ containers: [c()], dnsConfig: { searches: many } })))!, /spec\.dnsConfig\.searches: Invalid value: \[\]string\{"s0\.example\.com", .*\}: must not have more than 32 search paths$/);
    const long = Array.from({ length: 12 }, (_, i) => `${String.fromCharCode(97 + i)}${'x'.repeat(60)}.${'y'.repeat(60)}.${'z'.repeat(60)}.com`);
    assert.match((await createError(def, pod({ containers: [c()], dnsConfig: { searches: long } })))!, /must not have more than 2048 characters \(including spaces\) in the search list$/);
  });
  it('a valid Pod passes', async () => {
    assert.equal(await createError(def, pod({
      containers: [c({ ports: [{ name: 'http', containerPort: 80 }], env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
        volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }], livenessProbe: { httpGet: { port: 'http' } } })],
      volumes: [{ name: 'cfg', configMap: { name: 'app' } }],
      dnsConfig: { nameservers: ['1.1.1.1'], searches: ['example.com.'], options: [{ name: 'ndots', value: '2' }] },
      hostAliases: [{ ip: '127.0.0.1', hostnames: ['foo.local'] }],
    })), undefined);
  });
});

describe('Pod updates', () => {
  it('may change images', async () => {
    const p = await createObject(def, pod({ containers: [c()] }));
    const out = await updateObject(def, p, { ...p, spec: { ...p.spec, containers: [{ ...p.spec.containers[0], image: 'nginx:1.26' }] } });
    assert.equal(out.spec.containers[0].image, 'nginx:1.26');
  });
  it('may not change other fields, in upstream words', async () => {
    const p = await createObject(def, pod({ containers: [c({ ports: [{ containerPort: 80 }] })] }));
    const msg = await updateError(def, p, { ...p, spec: { ...p.spec, containers: [{ ...p.spec.containers[0], ports: [{ containerPort: 8080, protocol: 'TCP' }] }] } });
    assert.ok(msg!.startsWith('Pod "p" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n'), msg);
    assert.match(msg!, /-\tcontainers\[0\]\.ports\[0\]\.containerPort: 80\n\+\tcontainers\[0\]\.ports\[0\]\.containerPort: 8080/);
  });
  it('may not add containers', async () => {
    const p = await createObject(def, pod({ containers: [c()] }));
    assert.equal(await updateError(def, p, { ...p, spec: { ...p.spec, containers: [...p.spec.containers, { name: 'd', image: 'x:1' }] } }),
      'Pod "p" is invalid: spec.containers: Forbidden: pod updates may not add or remove containers');
  });
  it('may only lower activeDeadlineSeconds', async () => {
    const p = await createObject(def, pod({ containers: [c()], activeDeadlineSeconds: 100 }));
    assert.equal(await updateError(def, p, { ...p, spec: { ...p.spec, activeDeadlineSeconds: 200 } }),
      'Pod "p" is invalid: spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value');
    assert.equal((await updateObject(def, p, { ...p, spec: { ...p.spec, activeDeadlineSeconds: 50 } })).spec.activeDeadlineSeconds, 50);
  });
  it('the status subresource writes phase and podIP only', async () => {
    const p = await createObject(def, pod({ containers: [c()] }));
    const out = await updateObject(def, p, { ...p, spec: { ...p.spec, nodeName: 'n1' }, status: { ...p.status, phase: 'Running', podIP: '10.244.1.5' } }, { subresource: 'status' });
    assert.equal(out.spec.nodeName, undefined);
    assert.equal(out.status!.phase, 'Running');
    assert.deepEqual(out.status!.podIPs, [{ ip: '10.244.1.5' }]);
    assert.equal(await updateError(def, p, { ...p, status: { ...p.status, podIP: '10.244.1.500' } }, 'status'),
      'Pod "p" is invalid: status.podIPs[0]: Invalid value: "10.244.1.500": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)');
    assert.equal(await updateError(def, p, { ...p, status: { ...p.status, qosClass: 'Guaranteed' } }, 'status'),
      'Pod "p" is invalid: status.qosClass: Invalid value: "Guaranteed": field is immutable');
  });
  it('the main resource keeps status', async () => {
    const p = await createObject(def, pod({ containers: [c()] }));
    const out = await updateObject(def, p, { ...p, status: { phase: 'Running' } });
    assert.equal(out.status!.phase, 'Pending');
  });
});

describe('Pod field selectors, grace period, binding', () => {
  it('exposes upstream field labels', async () => {
    const p = await createObject(def, pod({ containers: [c()], nodeName: 'node-1', hostNetwork: true }));
    p.status = { phase: 'Running', podIPs: [{ ip: '10.244.1.5' }], nominatedNodeName: 'n2' };
    const f = def.fieldSelectors!;
    assert.equal(f['spec.nodeName'](p), 'node-1');
    assert.equal(f['spec.restartPolicy'](p), 'Always');
    assert.equal(f['spec.schedulerName'](p), 'default-scheduler');
    assert.equal(f['spec.serviceAccountName'](p), 'default');
    assert.equal(f['spec.hostNetwork'](p), 'true');
    assert.equal(f['status.phase'](p), 'Running');
    assert.equal(f['status.podIP'](p), '10.244.1.5');
    assert.equal(f['status.nominatedNodeName'](p), 'n2');
  });
  it('waits the grace period only for scheduled, running pods', async () => {
    const p = await createObject(def, pod({ containers: [c()], terminationGracePeriodSeconds: 45 }));
    assert.equal(def.defaultGracePeriod!(p), 0);
    p.spec.nodeName = 'node-1';
    assert.equal(def.defaultGracePeriod!(p), 45);
    p.status = { phase: 'Succeeded' };
    assert.equal(def.defaultGracePeriod!(p), 0);
  });
  it('validates bindings', () => {
    assert.deepEqual(validateBinding({ target: { kind: 'Node', name: 'n1' } }), []);
    assert.deepEqual(validateBinding({ target: { kind: 'Pod' } }).map(fieldErrorText),
      ['target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>"', 'target.name: Required value']);
  });
});
