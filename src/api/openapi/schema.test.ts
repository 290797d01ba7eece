import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { goTypeName, structDef, structForKind } from './schema.js';

const field = (type: string, name: string) => {
  const f = structDef(type)?.fields.get(name);
  assert.ok(f, `${type}.${name}`);
  return f;
};

// Expected values are upstream's struct tags and markers (k8s.io/api, Kubernetes 1.32).
describe('schemas.json', () => {
  it('carries the patch strategies and merge keys of upstream\'s struct tags', () => {
    const cases: [string, string, string | undefined, string | undefined][] = [
      ['io.k8s.api.core.v1.PodSpec', 'containers', 'merge', 'name'],
      ['io.k8s.api.core.v1.PodSpec', 'initContainers', 'merge', 'name'],
      ['io.k8s.api.core.v1.PodSpec', 'volumes', 'merge,retainKeys', 'name'],
      ['io.k8s.api.core.v1.PodSpec', 'imagePullSecrets', 'merge', 'name'],
      ['io.k8s.api.core.v1.PodSpec', 'hostAliases', 'merge', 'ip'],
      ['io.k8s.api.core.v1.PodSpec', 'tolerations', undefined, undefined],
      ['io.k8s.api.core.v1.Container', 'ports', 'merge', 'containerPort'],
      ['io.k8s.api.core.v1.Container', 'env', 'merge', 'name'],
      ['io.k8s.api.core.v1.Container', 'volumeMounts', 'merge', 'mountPath'],
      ['io.k8s.api.core.v1.ServiceSpec', 'ports', 'merge', 'port'],
      ['io.k8s.api.core.v1.PodStatus', 'conditions', 'merge', 'type'],
      ['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'ownerReferences', 'merge', 'uid'],
      ['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'finalizers', 'merge', undefined],
      ['io.k8s.api.apps.v1.DeploymentSpec', 'strategy', 'retainKeys', undefined],
      ['io.k8s.api.networking.v1.IngressSpec', 'rules', undefined, undefined],
      ['io.k8s.api.discovery.v1.EndpointSlice', 'endpoints', undefined, undefined],
    ];
    for (const [type, name, strategy, key] of cases) {
      const f = field(type, name);
      assert.equal(f.patchStrategy, strategy, `${type}.${name} strategy`);
      assert.equal(f.patchMergeKey, key, `${type}.${name} merge key`);
    }
  });

  it('carries the server-side apply list and map types', () => {
    assert.deepEqual(field('io.k8s.api.core.v1.ServiceSpec', 'ports').listMapKeys, ['port', 'protocol']);
    assert.deepEqual(field('io.k8s.api.core.v1.Container', 'ports').listMapKeys, ['containerPort', 'protocol']);
    assert.equal(field('io.k8s.api.core.v1.ContainerPort', 'protocol').default, 'TCP');
    assert.equal(field('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'finalizers').listType, 'set');
    assert.equal(field('io.k8s.api.core.v1.ServiceSpec', 'selector').mapType, 'atomic');
    assert.equal(field('io.k8s.api.networking.v1.IngressSpec', 'rules').listType, 'atomic');
    assert.equal(structDef('io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector')?.atomic, true);
    assert.equal(structDef('io.k8s.api.core.v1.ServiceSpec')?.atomic, false);
  });

  it('types fields as the API does: int-or-string, quantities, times, bytes, maps', () => {
    assert.deepEqual(field('io.k8s.api.core.v1.ServicePort', 'targetPort').type, { kind: 'scalar', scalar: 'int-or-string' });
    assert.deepEqual(field('io.k8s.api.core.v1.ResourceRequirements', 'limits').type, { kind: 'map', values: { kind: 'scalar', scalar: 'quantity' } });
    assert.deepEqual(field('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'creationTimestamp').type, { kind: 'scalar', scalar: 'date-time' });
    assert.deepEqual(field('io.k8s.api.core.v1.Secret', 'data').type, { kind: 'map', values: { kind: 'scalar', scalar: 'byte' } });
    assert.deepEqual(field('io.k8s.api.core.v1.ServicePort', 'port').type, { kind: 'scalar', scalar: 'int32' });
    assert.deepEqual(structDef('io.k8s.api.core.v1.ServicePort')?.required, ['port']);
    assert.equal(goTypeName(field('io.k8s.api.core.v1.ServiceSpec', 'ports').type), '[]v1.ServicePort');
    assert.equal(field('io.k8s.api.core.v1.ServicePort', 'protocol').go, 'v1.Protocol');
  });

  it('finds every served kind and its list by group, version and kind', () => {
    const kinds: [string, string][] = [
      ['', 'Namespace'], ['', 'Node'], ['', 'Pod'], ['', 'Service'], ['', 'Endpoints'], ['', 'Secret'], ['', 'ConfigMap'], ['', 'Event'],
      ['', 'ServiceAccount'], ['apps', 'Deployment'], ['apps', 'ReplicaSet'], ['apps', 'StatefulSet'], ['apps', 'DaemonSet'],
      ['apps', 'ControllerRevision'], ['discovery.k8s.io', 'EndpointSlice'], ['networking.k8s.io', 'Ingress'],
      ['networking.k8s.io', 'IngressClass'], ['networking.k8s.io', 'NetworkPolicy'], ['coordination.k8s.io', 'Lease'],
      ['apiextensions.k8s.io', 'CustomResourceDefinition'],
    ];
    for (const [group, kind] of kinds) {
      assert.ok(structForKind(group, 'v1', kind), kind);
      assert.ok(structForKind(group, 'v1', `${kind}List`), `${kind}List`);
    }
    assert.equal(structForKind('autoscaling', 'v1', 'Scale')?.name, 'io.k8s.api.autoscaling.v1.Scale');
    assert.equal(structForKind('policy', 'v1', 'Eviction')?.name, 'io.k8s.api.policy.v1.Eviction');
    assert.equal(structForKind('authentication.k8s.io', 'v1', 'TokenRequest')?.name, 'io.k8s.api.authentication.v1.TokenRequest');
    assert.equal(structForKind('', 'v1', 'Binding')?.name, 'io.k8s.api.core.v1.Binding');
    assert.equal(structForKind('', 'v1', 'Event')?.name, 'io.k8s.api.core.v1.Event');
    assert.equal(structForKind('apps', 'v1', 'DeleteOptions')?.name, 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions');
    assert.equal(structForKind('', 'v1', 'PodTemplate'), undefined, 'not served');
  });

  it('is what scripts/gen-schemas.mjs generates from the installed models', () => {
    // The repository root: the nearest directory with package.json (tests also run from dist/).
    let root = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(root, 'package.json'))) root = dirname(root);
    const script = join(root, 'scripts', 'gen-schemas.mjs');
    const r = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });
});
