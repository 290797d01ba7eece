import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../kube/types.js';
import { evaluateJsonPath, parseJsonPath } from './jsonpath.js';
import { customResourceTable } from './table.js';

const obj: KubeObject = {
  apiVersion: 'x/v1', kind: 'X',
  metadata: { name: 'web', creationTimestamp: '2024-01-01T00:00:00Z', labels: { 'app.kubernetes.io/name': 'web' } },
  spec: { replicas: 3, ratio: 0.5, on: true, hosts: ['a', 'b'], nested: { deep: { v: 'x' } } },
  status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Synced', status: 'False' }] },
};
const at = (p: string) => evaluateJsonPath(parseJsonPath(p), obj);

describe('printer column JSONPath', () => {
  it('fields, indexes, slices, wildcards, filters and recursive descent', () => {
    assert.deepEqual(at('.spec.replicas'), [3]);
    assert.deepEqual(at('.spec.hosts[1]'), ['b']);
    assert.deepEqual(at('.spec.hosts[-1]'), ['b']);
    assert.deepEqual(at('.spec.hosts[0:1]'), ['a']);
    assert.deepEqual(at('.spec.hosts[*]'), ['a', 'b']);
    assert.deepEqual(at(".metadata.labels['app.kubernetes.io/name']"), ['web']);
    assert.deepEqual(at('.status.conditions[?(@.type=="Ready")].status'), ['True']);
    assert.deepEqual(at('..v'), ['x']);
    assert.deepEqual(at('.spec.missing'), []);
  });
});

describe('custom resource tables', () => {
  const now = new Date('2024-01-01T01:00:00Z');
  it('Name, then each column typed as the CRD says; priority kept for -o wide', () => {
    const t = customResourceTable([
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Ratio', type: 'number', jsonPath: '.spec.ratio' },
      { name: 'On', type: 'boolean', jsonPath: '.spec.on' },
      { name: 'Hosts', type: 'string', jsonPath: '.spec.hosts', priority: 1 },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'Missing', type: 'string', jsonPath: '.spec.none' },
      { name: 'Since', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ]);
    assert.deepEqual(t.columns.map((c) => [c.name, c.type, c.format, c.priority]), [
      ['Name', 'string', 'name', 0], ['Replicas', 'integer', '', 0], ['Ratio', 'number', '', 0], ['On', 'boolean', '', 0], ['Hosts', 'string', '', 1],
      ['Ready', 'string', '', 0], ['Missing', 'string', '', 0], ['Since', 'date', '', 0],
    ]);
    assert.deepEqual(t.cells(obj, now), ['web', 3, 0.5, true, '[a b]', 'True', null, '60m']);
  });

  it('without printer columns, an Age column', () => {
    const t = customResourceTable(undefined);
    assert.deepEqual(t.columns.map((c) => [c.name, c.type]), [['Name', 'string'], ['Age', 'date']]);
    assert.deepEqual(t.cells(obj, now), ['web', '60m']);
  });
});
