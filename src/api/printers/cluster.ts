// Nodes, Namespaces, Events, Leases, Secrets, ConfigMaps and ServiceAccounts, as upstream's
// printNode, printNamespace, printEvent, printLease, printSecret, printConfigMap and
// printServiceAccount.

import type { TableDef } from '../resource.js';
import type { Event, Lease, Node } from '../../kube/types.js';
import { doc } from './descriptions.js';
import { ageOf, creationAge, goSort, timestampMillis, translateTimestampSince } from './format.js';
import { ageColumn, column, nameColumn } from './table.js';

const count = (m: Record<string, unknown> | unknown[] | null | undefined) => (m ? Object.keys(m).length : 0);

/** Ready / NotReady / Unknown from the Ready condition (the last one wins), plus SchedulingDisabled. */
function nodeStatus(node: Node): string {
  const ready = (node.status?.conditions ?? []).filter((c) => c.type === 'Ready').pop();
  const status = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

/** Roles from node-role.kubernetes.io/<role> labels and the kubernetes.io/role label, sorted. */
function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v) {
      roles.add(v);
    }
  }
  return goSort([...roles]).join(',') || '<none>';
}

function nodeAddress(node: Node, type: 'InternalIP' | 'ExternalIP'): string {
  return (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? '<none>';
}

export const nodeTable: TableDef = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    ageColumn(),
    column('Version', 'string', doc.nodeSystemInfoKubeletVersion),
    column('Internal-IP', 'string', doc.nodeStatusAddresses, { priority: 1 }),
    column('External-IP', 'string', doc.nodeStatusAddresses, { priority: 1 }),
    column('OS-Image', 'string', doc.nodeSystemInfoOSImage, { priority: 1 }),
    column('Kernel-Version', 'string', doc.nodeSystemInfoKernelVersion, { priority: 1 }),
    column('Container-Runtime', 'string', doc.nodeSystemInfoContainerRuntimeVersion, { priority: 1 }),
  ],
  cells(obj, now) {
    const node = obj as Node;
    const info = node.status?.nodeInfo ?? {};
    return [
      node.metadata.name ?? '',
      nodeStatus(node),
      nodeRoles(node),
      creationAge(node, now),
      info.kubeletVersion ?? '',
      nodeAddress(node, 'InternalIP'),
      nodeAddress(node, 'ExternalIP'),
      info.osImage || '<unknown>',
      info.kernelVersion || '<unknown>',
      info.containerRuntimeVersion || '<unknown>',
    ];
  },
};

export const namespaceTable: TableDef = {
  columns: [nameColumn(), column('Status', 'string', 'The status of the namespace'), ageColumn()],
  cells(obj, now) {
    return [obj.metadata.name ?? '', obj.status?.phase ?? '', creationAge(obj, now)];
  },
};

/** "kubelet, node-1": source (or reporting controller) and host (or reporting instance). */
function eventSource(ev: Event): string {
  const component = ev.source?.component || ev.reportingComponent || '';
  const host = ev.source?.host || ev.reportingInstance || '';
  return host ? `${component}, ${host}` : component;
}

export const eventTable: TableDef = {
  columns: [
    column('Last Seen', 'string', doc.eventLastTimestamp),
    column('Type', 'string', doc.eventType),
    column('Reason', 'string', doc.eventReason),
    column('Object', 'string', doc.eventInvolvedObject),
    column('Subobject', 'string', doc.objectReferenceFieldPath, { priority: 1 }),
    column('Source', 'string', doc.eventSource, { priority: 1 }),
    column('Message', 'string', doc.eventMessage),
    column('First Seen', 'string', doc.eventFirstTimestamp, { priority: 1 }),
    column('Count', 'string', doc.eventCount, { priority: 1 }),
    nameColumn(1),
  ],
  cells(obj, now) {
    const ev = obj as Event;
    const firstMs = timestampMillis(ev.firstTimestamp) ?? timestampMillis(ev.eventTime);
    const first = ageOf(firstMs, now);
    let last = timestampMillis(ev.lastTimestamp) === undefined ? first : translateTimestampSince(ev.lastTimestamp, now);
    let n = ev.count ?? 0;
    const series = ev.series as { count?: number; lastObservedTime?: string } | undefined;
    if (series) {
      last = translateTimestampSince(series.lastObservedTime, now);
      n = series.count ?? 0;
    } else if (n === 0) {
      n = 1; // singleton events of the events.k8s.io API carry no count
    }
    const kind = (ev.involvedObject?.kind ?? '').toLowerCase();
    const target = ev.involvedObject?.name ? `${kind}/${ev.involvedObject.name}` : kind;
    return [
      last,
      ev.type ?? '',
      ev.reason ?? '',
      target,
      ev.involvedObject?.fieldPath ?? '',
      eventSource(ev),
      (ev.message ?? '').trim(),
      first,
      n,
      ev.metadata.name ?? '',
    ];
  },
};

export const leaseTable: TableDef = {
  columns: [nameColumn(), column('Holder', 'string', doc.leaseSpecHolderIdentity), ageColumn()],
  cells(obj, now) {
    return [obj.metadata.name ?? '', (obj as Lease).spec?.holderIdentity ?? '', creationAge(obj, now)];
  },
};

export const secretTable: TableDef = {
  columns: [nameColumn(), column('Type', 'string', doc.secretType), column('Data', 'string', doc.secretData), ageColumn()],
  cells(obj, now) {
    return [obj.metadata.name ?? '', obj.type ?? '', count(obj.data), creationAge(obj, now)];
  },
};

export const configMapTable: TableDef = {
  columns: [nameColumn(), column('Data', 'string', doc.configMapData), ageColumn()],
  cells(obj, now) {
    return [obj.metadata.name ?? '', count(obj.data) + count(obj.binaryData), creationAge(obj, now)];
  },
};

export const serviceAccountTable: TableDef = {
  columns: [nameColumn(), column('Secrets', 'string', doc.serviceAccountSecrets), ageColumn()],
  cells(obj, now) {
    return [obj.metadata.name ?? '', count(obj.secrets), creationAge(obj, now)];
  },
};
