// The Table the API server sends, and every printer's columns against upstream's column
// definitions (name, type, format, priority) in printers.go.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isApiError } from '../../kube/errors.js';
import type { KubeObject } from '../../kube/types.js';
import { buildTable, defaultTable, printers, tableFor } from './index.js';

const now = new Date('2025-06-01T12:00:00Z');

describe('buildTable', () => {
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default', uid: 'u1', resourceVersion: '42', creationTimestamp: '2025-06-01T11:59:00Z', labels: { app: 'web' } },
    spec: { containers: [{ name: 'web' }], nodeName: 'knit-worker' },
    status: { phase: 'Succeeded', podIPs: [{ ip: '10.244.1.5' }] },
  };

  it('builds a meta.k8s.io/v1 Table with PartialObjectMetadata rows by default', () => {
    const table = buildTable(tableFor('', 'pods'), [pod], { now, resourceVersion: '99', continue: 'tok', remainingItemCount: 3 });
    assert.equal(table.kind, 'Table');
    assert.equal(table.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(table.metadata, { resourceVersion: '99', continue: 'tok', remainingItemCount: 3 });
    assert.deepEqual(table.columnDefinitions?.map((c) => c.name), ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    assert.deepEqual(table.rows[0].cells, ['web-1', '0/1', 'Succeeded', '0', '60s', '10.244.1.5', 'knit-worker', '<none>', '<none>']);
    assert.deepEqual(table.rows[0].object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pod.metadata });
    assert.deepEqual(table.rows[0].conditions, [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
    // What goes on the wire: every column definition field, even empty ones.
    const wire = JSON.parse(JSON.stringify(table));
    assert.deepEqual(Object.keys(wire.columnDefinitions[0]).sort(), ['description', 'format', 'name', 'priority', 'type']);
  });

  it('honours includeObject and noHeaders', () => {
    assert.equal(buildTable(defaultTable, [pod], { now, includeObject: 'None' }).rows[0].object, null);
    assert.equal(buildTable(defaultTable, [pod], { now, includeObject: 'Object' }).rows[0].object, pod);
    assert.equal(buildTable(defaultTable, [pod], { now, includeObject: 'Metadata', noHeaders: true }).columnDefinitions, null);
    assert.deepEqual(buildTable(defaultTable, [], { now }).rows, []);
    assert.deepEqual(buildTable(defaultTable, [pod], { now }).metadata, {});
  });

  it('refuses an unknown includeObject with upstream\'s 400', () => {
    assert.throws(
      () => buildTable(defaultTable, [pod], { now, includeObject: 'Everything' }),
      (err) => isApiError(err, 'BadRequest') && err.code === 400 && err.message === 'unrecognized includeObject value: "Everything"',
    );
  });

  it('prints kinds without a printer as upstream\'s default table', () => {
    assert.equal(tableFor('rbac.authorization.k8s.io', 'roles'), defaultTable);
    const table = buildTable(defaultTable, [{ metadata: { name: 'x', creationTimestamp: '2025-06-01T11:00:00.123Z' } }, { metadata: { name: 'y' } }], { now });
    assert.deepEqual(table.columnDefinitions?.map((c) => [c.name, c.type, c.format]), [['Name', 'string', 'name'], ['Created At', 'date', '']]);
    assert.deepEqual(table.rows.map((r) => r.cells), [['x', '2025-06-01T11:00:00Z'], ['y', '0001-01-01T00:00:00Z']]);
  });
});

describe('printers', () => {
  // [name, type, priority] per column, from upstream's column definitions.
  const s = (name: string, priority = 0) => [name, 'string', priority];
  const i = (name: string, priority = 0) => [name, 'integer', priority];
  const expected: Record<string, unknown[][]> = {
    '/pods': [s('Name'), s('Ready'), s('Status'), s('Restarts'), s('Age'), s('IP', 1), s('Node', 1), s('Nominated Node', 1), s('Readiness Gates', 1)],
    '/services': [s('Name'), s('Type'), s('Cluster-IP'), s('External-IP'), s('Port(s)'), s('Age'), s('Selector', 1)],
    '/endpoints': [s('Name'), s('Endpoints'), s('Age')],
    '/nodes': [s('Name'), s('Status'), s('Roles'), s('Age'), s('Version'), s('Internal-IP', 1), s('External-IP', 1), s('OS-Image', 1), s('Kernel-Version', 1), s('Container-Runtime', 1)],
    '/namespaces': [s('Name'), s('Status'), s('Age')],
    '/secrets': [s('Name'), s('Type'), s('Data'), s('Age')],
    '/configmaps': [s('Name'), s('Data'), s('Age')],
    '/serviceaccounts': [s('Name'), s('Secrets'), s('Age')],
    '/events': [s('Last Seen'), s('Type'), s('Reason'), s('Object'), s('Subobject', 1), s('Source', 1), s('Message'), s('First Seen', 1), s('Count', 1), s('Name', 1)],
    'apps/deployments': [s('Name'), s('Ready'), s('Up-to-date'), s('Available'), s('Age'), s('Containers', 1), s('Images', 1), s('Selector', 1)],
    'apps/replicasets': [s('Name'), i('Desired'), i('Current'), i('Ready'), s('Age'), s('Containers', 1), s('Images', 1), s('Selector', 1)],
    'apps/statefulsets': [s('Name'), s('Ready'), s('Age'), s('Containers', 1), s('Images', 1)],
    'apps/daemonsets': [s('Name'), i('Desired'), i('Current'), i('Ready'), i('Up-to-date'), i('Available'), s('Node Selector'), s('Age'), s('Containers', 1), s('Images', 1), s('Selector', 1)],
    'apps/controllerrevisions': [s('Name'), s('Controller'), s('Revision'), s('Age')],
    'batch/jobs': [s('Name'), s('Status'), s('Completions'), s('Duration'), s('Age'), s('Containers', 1), s('Images', 1), s('Selector', 1)],
    'batch/cronjobs': [s('Name'), s('Schedule'), s('Timezone'), ['Suspend', 'boolean', 0], i('Active'), s('Last Schedule'), s('Age'), s('Containers', 1), s('Images', 1), s('Selector', 1)],
    'discovery.k8s.io/endpointslices': [s('Name'), s('AddressType'), s('Ports'), s('Endpoints'), s('Age')],
    'networking.k8s.io/ingresses': [s('Name'), s('Class'), s('Hosts'), s('Address'), s('Ports'), s('Age')],
    'networking.k8s.io/ingressclasses': [s('Name'), s('Controller'), s('Parameters'), s('Age')],
    'networking.k8s.io/networkpolicies': [s('Name'), s('Pod-Selector'), s('Age')],
    'coordination.k8s.io/leases': [s('Name'), s('Holder'), s('Age')],
    'rbac.authorization.k8s.io/roles': [s('Name'), ['Created At', 'date', 0]],
    'rbac.authorization.k8s.io/clusterroles': [s('Name'), ['Created At', 'date', 0]],
    'rbac.authorization.k8s.io/rolebindings': [s('Name'), s('Role'), s('Age'), s('Users', 1), s('Groups', 1), s('ServiceAccounts', 1)],
    'rbac.authorization.k8s.io/clusterrolebindings': [s('Name'), s('Role'), s('Age'), s('Users', 1), s('Groups', 1), s('ServiceAccounts', 1)],
  };

  it('cover every served kind with upstream\'s columns', () => {
    assert.deepEqual([...printers.keys()].sort(), Object.keys(expected).sort());
    for (const [key, columns] of Object.entries(expected)) {
      assert.deepEqual(printers.get(key)!.columns.map((c) => [c.name, c.type, c.priority]), columns, key);
    }
  });

  it('mark only the Name column with format name', () => {
    for (const [key, def] of printers) {
      assert.deepEqual(def.columns.filter((c) => c.format !== '').map((c) => [c.name, c.format]), [['Name', 'name']], key);
    }
  });

  it('give each row as many cells as columns, and every column a description', () => {
    for (const [key, def] of printers) {
      const cells = def.cells({ metadata: { name: 'x' }, spec: {}, status: {}, involvedObject: {} } as KubeObject, now);
      assert.equal(cells.length, def.columns.length, key);
      for (const c of def.columns) assert.ok(c.description.length > 0, `${key} ${c.name}`);
    }
  });
});
