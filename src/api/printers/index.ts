// Server-side printing: the Table columns and cells of every served kind, as upstream's
// pkg/printers/internalversion/printers.go defines them, and the Table builder.
//
//   const def = tableFor('apps', 'deployments');
//   const table = buildTable(def, items, { now: new Date(), includeObject, resourceVersion });

import type { TableDef } from '../resource.js';
import { cronJobTable, jobTable } from './batch.js';
import { configMapTable, eventTable, leaseTable, namespaceTable, nodeTable, secretTable, serviceAccountTable } from './cluster.js';
import { endpointSliceTable, endpointsTable, ingressClassTable, ingressTable, networkPolicyTable, serviceTable } from './network.js';
import { podTable } from './pods.js';
import { roleBindingTable, roleTable } from './rbac.js';
import { defaultTable } from './table.js';
import { controllerRevisionTable, daemonSetTable, deploymentTable, replicaSetTable, statefulSetTable } from './workloads.js';

export { buildTable, defaultTable } from './table.js';
export type { BuildTableOptions, IncludeObject, PartialObjectMetadata, PrinterDef, Table, TableRow, TableRowCondition } from './table.js';
export { humanDuration, translateTimestampSince } from './format.js';

/** The key of a printer: "<group>/<plural>", the core group being "" ("/pods", "apps/deployments"). */
export function printerKey(group: string, plural: string): string {
  return `${group}/${plural}`;
}

/** Printers of the served kinds, keyed by printerKey(group, plural). */
export const printers: Map<string, TableDef> = new Map([
  [printerKey('', 'pods'), podTable],
  [printerKey('', 'services'), serviceTable],
  [printerKey('', 'endpoints'), endpointsTable],
  [printerKey('', 'nodes'), nodeTable],
  [printerKey('', 'namespaces'), namespaceTable],
  [printerKey('', 'secrets'), secretTable],
  [printerKey('', 'configmaps'), configMapTable],
  [printerKey('', 'serviceaccounts'), serviceAccountTable],
  [printerKey('', 'events'), eventTable],
  [printerKey('apps', 'deployments'), deploymentTable],
  [printerKey('apps', 'replicasets'), replicaSetTable],
  [printerKey('apps', 'statefulsets'), statefulSetTable],
  [printerKey('apps', 'daemonsets'), daemonSetTable],
  [printerKey('apps', 'controllerrevisions'), controllerRevisionTable],
  [printerKey('batch', 'jobs'), jobTable],
  [printerKey('batch', 'cronjobs'), cronJobTable],
  [printerKey('discovery.k8s.io', 'endpointslices'), endpointSliceTable],
  [printerKey('networking.k8s.io', 'ingresses'), ingressTable],
  [printerKey('networking.k8s.io', 'ingressclasses'), ingressClassTable],
  [printerKey('networking.k8s.io', 'networkpolicies'), networkPolicyTable],
  [printerKey('coordination.k8s.io', 'leases'), leaseTable],
  [printerKey('rbac.authorization.k8s.io', 'roles'), roleTable],
  [printerKey('rbac.authorization.k8s.io', 'clusterroles'), roleTable],
  [printerKey('rbac.authorization.k8s.io', 'rolebindings'), roleBindingTable],
  [printerKey('rbac.authorization.k8s.io', 'clusterrolebindings'), roleBindingTable],
]);

/** The printer of a kind, or upstream's default (Name, Created At) for kinds without one. */
export function tableFor(group: string, plural: string): TableDef {
  return printers.get(printerKey(group, plural)) ?? defaultTable;
}
