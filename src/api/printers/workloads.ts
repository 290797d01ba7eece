// Deployments, ReplicaSets, StatefulSets, DaemonSets and ControllerRevisions, as upstream's
// printDeployment, printReplicaSet, printStatefulSet, printDaemonSet and printControllerRevision.
// Counts are integers (int64 cells upstream); "READY" columns are "ready/desired" strings.

import type { TableDef } from '../resource.js';
import type { DaemonSet, Deployment, KubeObject, ReplicaSet, StatefulSet } from '../../kube/types.js';
import { doc } from './descriptions.js';
import { creationAge, formatLabels, formatLabelSelector, labelSelectorString, layoutContainerCells } from './format.js';
import { ageColumn, column, nameColumn } from './table.js';


/** spec.replicas as the API server stores it: defaulted to 1. */
const desired = (spec: { replicas?: number } | undefined) => spec?.replicas ?? 1;

const containersColumn = () => column('Containers', 'string', doc.containers, { priority: 1 });
const imagesColumn = () => column('Images', 'string', doc.images, { priority: 1 });

export const deploymentTable: TableDef = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'Number of the pod with ready state'),
    column('Up-to-date', 'string', doc.deploymentStatusUpdatedReplicas),
    column('Available', 'string', doc.deploymentStatusAvailableReplicas),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', doc.deploymentSpecSelector, { priority: 1 }),
  ],
  cells(obj, now) {
    const d = obj as Deployment;
    const selector = labelSelectorString(d.spec?.selector);
    return [
      d.metadata.name ?? '',
      `${d.status?.readyReplicas ?? 0}/${desired(d.spec)}`,
      d.status?.updatedReplicas ?? 0,
      d.status?.availableReplicas ?? 0,
      creationAge(d, now),
      ...layoutContainerCells(d.spec?.template?.spec?.containers),
      selector instanceof Error ? '<invalid>' : selector,
    ];
  },
};

export const replicaSetTable: TableDef = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', doc.replicaSetSpecReplicas),
    column('Current', 'integer', doc.replicaSetStatusReplicas),
    column('Ready', 'integer', doc.replicaSetStatusReadyReplicas),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', doc.replicaSetSpecSelector, { priority: 1 }),
  ],
  cells(obj, now) {
    const rs = obj as ReplicaSet;
    return [
      rs.metadata.name ?? '',
      desired(rs.spec),
      rs.status?.replicas ?? 0,
      rs.status?.readyReplicas ?? 0,
      creationAge(rs, now),
      ...layoutContainerCells(rs.spec?.template?.spec?.containers),
      formatLabelSelector(rs.spec?.selector),
    ];
  },
};

export const statefulSetTable: TableDef = {
  columns: [nameColumn(), column('Ready', 'string', 'Number of the pod with ready state'), ageColumn(), containersColumn(), imagesColumn()],
  cells(obj, now) {
    const ss = obj as StatefulSet;
    return [
      ss.metadata.name ?? '',
      `${ss.status?.readyReplicas ?? 0}/${desired(ss.spec)}`,
      creationAge(ss, now),
      ...layoutContainerCells(ss.spec?.template?.spec?.containers),
    ];
  },
};

export const daemonSetTable: TableDef = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', doc.daemonSetStatusDesiredNumberScheduled),
    column('Current', 'integer', doc.daemonSetStatusCurrentNumberScheduled),
    column('Ready', 'integer', doc.daemonSetStatusNumberReady),
    column('Up-to-date', 'integer', doc.daemonSetStatusUpdatedNumberScheduled),
    column('Available', 'integer', doc.daemonSetStatusNumberAvailable),
    column('Node Selector', 'string', doc.podSpecNodeSelector),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', doc.daemonSetSpecSelector, { priority: 1 }),
  ],
  cells(obj, now) {
    const ds = obj as DaemonSet;
    const st = ds.status;
    return [
      ds.metadata.name ?? '',
      st?.desiredNumberScheduled ?? 0,
      st?.currentNumberScheduled ?? 0,
      st?.numberReady ?? 0,
      st?.updatedNumberScheduled ?? 0,
      st?.numberAvailable ?? 0,
      formatLabels(ds.spec?.template?.spec?.nodeSelector),
      creationAge(ds, now),
      ...layoutContainerCells(ds.spec?.template?.spec?.containers),
      formatLabelSelector(ds.spec?.selector),
    ];
  },
};

/** Upstream's formatResourceName over the controlling owner: "daemonset.apps/foo", "<none>". */
function controllerName(obj: KubeObject): string {
  const ref = (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  if (!ref) return '<none>';
  const parts = (ref.apiVersion ?? '').split('/');
  // schema.ParseGroupVersion: "v1" is the core group, "apps/v1" names a group, more slashes are an error.
  if (parts.length > 2) throw new Error(`unexpected GroupVersion string: ${ref.apiVersion}`);
  const group = parts.length === 2 ? parts[0] : '';
  if (!group && !ref.kind) return ref.name;
  return `${(group ? `${ref.kind}.${group}` : ref.kind).toLowerCase()}/${ref.name}`;
}

export const controllerRevisionTable: TableDef = {
  columns: [
    nameColumn(),
    column('Controller', 'string', 'Controller of the object'),
    column('Revision', 'string', doc.controllerRevisionRevision),
    ageColumn(),
  ],
  cells(obj, now) {
    return [obj.metadata.name ?? '', controllerName(obj), obj.revision ?? 0, creationAge(obj, now)];
  },
};
