import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StrategicPatchError, strategicMergePatch } from './strategic.js';

const POD = 'io.k8s.api.core.v1.Pod';
const NODE = 'io.k8s.api.core.v1.Node';
const SERVICE = 'io.k8s.api.core.v1.Service';
const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';

const smp = (original: unknown, patch: unknown, type: string) =>
  strategicMergePatch(structuredClone(original) as Record<string, unknown>, structuredClone(patch) as Record<string, unknown>, type);

const fails = (original: unknown, patch: unknown, type: string, code: number, message: string) =>
  assert.throws(() => smp(original, patch, type), (e: unknown) => e instanceof StrategicPatchError && e.code === code && e.message === message);

// Upstream's test lists, on real fields: "mergingList" (merge key name; value, other) as a pod's
// containers (name; image, workingDir), "mergingIntList" (merge strategy) as a node's podCIDRs.
type Item = [string, string?, string?];
const containers = (...items: Item[]) => ({
  spec: { containers: items.map(([name, image, workingDir]) => ({ name, ...(image ? { image } : {}), ...(workingDir ? { workingDir } : {}) })) },
});
const names = (...ns: string[]) => ns.map((name) => ({ name }));
const cidrs = (...c: string[]) => ({ spec: { podCIDRs: c } });

describe('strategicMergePatch: list order (upstream strategicpatch test cases)', () => {
  it('add an item in a list and preserve order', () => {
    assert.deepEqual(
      smp(containers(['1', '', 'a'], ['2', '2', 'b']), { spec: { '$setElementOrder/containers': names('3', '1', '2'), containers: [{ name: '3', image: '3' }] } }, POD),
      containers(['3', '3'], ['1', '', 'a'], ['2', '2', 'b']));
  });

  it('add multiple items in a list and preserve order', () => {
    assert.deepEqual(
      smp(containers(['1', '', 'a'], ['2', '2', 'b']), {
        spec: { '$setElementOrder/containers': names('1', '4', '2', '3'), containers: [{ name: '4', image: '4' }, { name: '3', image: '3' }] },
      }, POD),
      containers(['1', '', 'a'], ['4', '4'], ['2', '2', 'b'], ['3', '3']));
  });

  it('delete an item in a list and preserve order', () => {
    assert.deepEqual(
      smp(containers(['1', '', 'a'], ['2', '2', 'b'], ['3', '3']), {
        spec: { '$setElementOrder/containers': names('2', '1'), containers: [{ name: '3', $patch: 'delete' }] },
      }, POD),
      containers(['2', '2', 'b'], ['1', '', 'a']));
  });

  it('set elements order in a list with server-only items', () => {
    assert.deepEqual(
      smp(containers(['1', '', 'a'], ['3', '3'], ['4', '4'], ['2', '2'], ['9']), { spec: { '$setElementOrder/containers': names('4', '2', '3', '1') } }, POD),
      containers(['4', '4'], ['2', '2'], ['3', '3'], ['1', '', 'a'], ['9']));
    assert.deepEqual(
      smp(containers(['1', '', 'a'], ['2', '2'], ['9'], ['3', '3'], ['4', '4']), { spec: { '$setElementOrder/containers': names('2', '1', '4', '3') } }, POD),
      containers(['2', '2'], ['1', '', 'a'], ['9'], ['4', '4'], ['3', '3']));
    assert.deepEqual(
      smp(containers(['1', '', 'a'], ['2', '2'], ['7'], ['9'], ['8'], ['3', '3'], ['4', '4']), { spec: { '$setElementOrder/containers': names('2', '1', '4', '3') } }, POD),
      containers(['2', '2'], ['1', '', 'a'], ['7'], ['9'], ['8'], ['4', '4'], ['3', '3']));
  });

  it('add an item in a list of primitives and preserve order', () => {
    assert.deepEqual(smp(cidrs('1', '4', '2'), { spec: { '$setElementOrder/podCIDRs': ['3', '1', '2'], podCIDRs: ['3'] } }, NODE), cidrs('3', '1', '4', '2'));
  });

  it('delete an item in a list of primitives and preserve order', () => {
    assert.deepEqual(
      smp(cidrs('1', '2', '3'), { spec: { '$setElementOrder/podCIDRs': ['2', '1'], '$deleteFromPrimitiveList/podCIDRs': ['3'] } }, NODE),
      cidrs('2', '1'));
  });

  it('merges a primitive list without order directives: union, patch items first as in the patch', () => {
    assert.deepEqual(smp({ metadata: { finalizers: ['a', 'b'] } }, { metadata: { finalizers: ['c', 'a'] } }, POD), { metadata: { finalizers: ['c', 'a', 'b'] } });
  });

  it('$deleteFromPrimitiveList removes only listed items and never adds a list', () => {
    assert.deepEqual(smp(cidrs('1', '2'), { spec: { '$deleteFromPrimitiveList/podCIDRs': ['3'] } }, NODE), cidrs('1', '2'));
    assert.deepEqual(smp({ spec: {} }, { spec: { '$deleteFromPrimitiveList/podCIDRs': ['3'] } }, NODE), { spec: {} });
    // Also from a list without the merge strategy (a container's args).
    assert.deepEqual(smp({ spec: { containers: [{ name: 'c', args: ['1', '2', '3'] }] } }, { spec: { containers: [{ name: 'c', '$deleteFromPrimitiveList/args': ['2'] }] } }, POD),
      { spec: { containers: [{ name: 'c', args: ['1', '3'] }] } });
  });
});

describe('strategicMergePatch: directives', () => {
  it('$retainKeys clears the fields of a union the patch does not keep (a volume changing type)', () => {
    const pod = { spec: { volumes: [{ name: 'data', emptyDir: {} }, { name: 'conf', configMap: { name: 'c' } }] } };
    const patch = { spec: { '$setElementOrder/volumes': names('data', 'conf'), volumes: [{ $retainKeys: ['hostPath', 'name'], hostPath: { path: '/srv' }, name: 'data' }] } };
    assert.deepEqual(smp(pod, patch, POD), { spec: { volumes: [{ name: 'data', hostPath: { path: '/srv' } }, { name: 'conf', configMap: { name: 'c' } }] } });
  });

  it('$retainKeys on a struct: a Deployment switching to Recreate, as kubectl apply sends it', () => {
    const deploy = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } } };
    assert.deepEqual(smp(deploy, { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' } } }, DEPLOYMENT),
      { spec: { strategy: { type: 'Recreate' } } });
  });

  it('$retainKeys that misses a patched field is refused with 400', () => {
    fails({ spec: { strategy: {} } }, { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: { maxSurge: 1 } } } }, DEPLOYMENT, 400, 'invalid patch format of retainKeys');
    fails({ spec: { strategy: {} } }, { spec: { strategy: { $retainKeys: 'type' } } }, DEPLOYMENT, 400, 'invalid patch format of retainKeys');
  });

  it('$patch: replace replaces a map or a list, $patch: delete empties a map', () => {
    const svc = { metadata: { labels: { a: '1', b: '2' } }, spec: { ports: [{ port: 80 }, { port: 443 }] } };
    assert.deepEqual(smp(svc, { metadata: { labels: { $patch: 'replace', c: '3' } } }, SERVICE).metadata, { labels: { c: '3' } });
    assert.deepEqual(smp(svc, { metadata: { labels: { $patch: 'delete' } } }, SERVICE).metadata, { labels: {} });
    assert.deepEqual(smp(svc, { spec: { ports: [{ port: 8080 }, { $patch: 'replace' }] } }, SERVICE).spec, { ports: [{ port: 8080 }] });
  });

  it('refuses unknown directives as upstream does', () => {
    fails({ spec: { ports: [{ port: 80 }] } }, { spec: { ports: [{ $patch: 'merge' }] } }, SERVICE, 500, 'merging lists cannot yet be specified in the patch');
    fails({ metadata: { labels: {} } }, { metadata: { labels: { $patch: 'merge' } } }, SERVICE, 500, 'unknown patch type: merge in map: map[$patch:merge]');
    fails({ metadata: {} }, { metadata: { '$setElementOrderfinalizers': [] } }, SERVICE, 400, 'invalid patch format of setElementOrder list');
    fails({ metadata: {} }, { metadata: { $deleteFromPrimitiveListfinalizers: [] } }, SERVICE, 400, 'invalid patch format of primitive list');
  });

  it('null deletes a key; maps merge key by key', () => {
    const svc = { spec: { selector: { app: 'web', tier: 'fe' }, type: 'NodePort', externalTrafficPolicy: 'Local' } };
    assert.deepEqual(smp(svc, { spec: { selector: { tier: null, env: 'prod' }, externalTrafficPolicy: null } }, SERVICE),
      { spec: { selector: { app: 'web', env: 'prod' }, type: 'NodePort' } });
  });

  it('new values drop their nulls and directives', () => {
    assert.deepEqual(smp({}, { metadata: { labels: { a: '1', b: null } }, spec: { ports: [{ port: 80, name: null }] } }, SERVICE),
      { metadata: { labels: { a: '1' } }, spec: { ports: [{ port: 80 }] } });
  });
});

describe('strategicMergePatch: merge keys from the schema', () => {
  it('merges container ports by containerPort and env by name; replaces lists without a merge key', () => {
    const pod = { spec: { containers: [{ name: 'c', args: ['a', 'b'], env: [{ name: 'A', value: '1' }], ports: [{ containerPort: 80, name: 'http' }] }], tolerations: [{ key: 'x' }] } };
    const out = smp(pod, {
      spec: {
        containers: [{ name: 'c', args: ['z'], env: [{ name: 'B', value: '2' }], ports: [{ containerPort: 80, protocol: 'TCP' }] }],
        tolerations: [{ key: 'y' }],
      },
    }, POD);
    assert.deepEqual(out, {
      spec: {
        containers: [{ name: 'c', args: ['z'], env: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }], ports: [{ containerPort: 80, name: 'http', protocol: 'TCP' }] }],
        tolerations: [{ key: 'y' }],
      },
    });
  });

  it('merges Service ports by port, conditions by type, ownerReferences by uid', () => {
    assert.deepEqual(smp({ spec: { ports: [{ port: 80, targetPort: 8080 }] } }, { spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] } }, SERVICE),
      { spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] } });
    const status = { status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }] } };
    assert.deepEqual(smp(status, { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, POD),
      { status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }] } });
    assert.deepEqual(smp({ metadata: { ownerReferences: [{ uid: '1', name: 'a' }] } }, { metadata: { ownerReferences: [{ uid: '2', name: 'b' }] } }, POD),
      { metadata: { ownerReferences: [{ uid: '2', name: 'b' }, { uid: '1', name: 'a' }] } });
  });

  it('replaces discovery and networking lists whole (no merge keys there)', () => {
    const ing = { spec: { rules: [{ host: 'a' }, { host: 'b' }] } };
    assert.deepEqual(smp(ing, { spec: { rules: [{ host: 'c' }] } }, 'io.k8s.api.networking.v1.Ingress'), { spec: { rules: [{ host: 'c' }] } });
    const slice = { endpoints: [{ addresses: ['10.0.0.1'] }] };
    assert.deepEqual(smp(slice, { endpoints: [] }, 'io.k8s.api.discovery.v1.EndpointSlice'), { endpoints: [] });
  });

  it('needs the merge key in every patch item', () => {
    fails({ spec: { containers: [{ name: 'a' }] } }, { spec: { containers: [{ image: 'x' }] } }, POD, 500, 'map: map[image:x] does not contain declared merge key: name');
  });

  it('refuses a patch list out of $setElementOrder order', () => {
    fails(containers(['a'], ['b']), { spec: { '$setElementOrder/containers': names('a', 'b'), containers: [{ name: 'b' }, { name: 'a' }] } }, POD, 500,
      "The order in patch list:\n[map[name:b] map[name:a]]\n doesn't match $setElementOrder list:\n[map[name:a] map[name:b]]\n");
  });
});

describe('strategicMergePatch: what kubectl apply sends', () => {
  const live = {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{...}' }, labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'nginx', image: 'nginx:1.24', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 80, protocol: 'TCP' }] },
            { name: 'sidecar', image: 'busybox', args: ['sleep', '3600'] },
          ],
          dnsPolicy: 'ClusterFirst',
        },
      },
    },
  };

  it('changes the image and adds a port, keeping server-set fields', () => {
    const patch = {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"new":true}' } },
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }],
            containers: [{
              '$setElementOrder/ports': [{ containerPort: 80 }, { containerPort: 443 }],
              image: 'nginx:1.25',
              name: 'nginx',
              ports: [{ containerPort: 443 }],
            }],
          },
        },
      },
    };
    const out = smp(live, patch, DEPLOYMENT);
    assert.deepEqual(out.spec, {
      ...live.spec,
      template: {
        ...live.spec.template,
        spec: {
          containers: [
            { name: 'nginx', image: 'nginx:1.25', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443 }] },
            { name: 'sidecar', image: 'busybox', args: ['sleep', '3600'] },
          ],
          dnsPolicy: 'ClusterFirst',
        },
      },
    });
    assert.equal((out.metadata as { annotations: Record<string, string> }).annotations['kubectl.kubernetes.io/last-applied-configuration'], '{"new":true}');
  });

  it('removes a container the configuration dropped', () => {
    const patch = { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ $patch: 'delete', name: 'sidecar' }] } } } };
    assert.deepEqual((smp(live, patch, DEPLOYMENT).spec as typeof live.spec).template.spec.containers.map((c) => c.name), ['nginx']);
  });

  it('a null patch changes nothing', () => {
    assert.deepEqual(strategicMergePatch(structuredClone(live), null, DEPLOYMENT), live);
  });
});
