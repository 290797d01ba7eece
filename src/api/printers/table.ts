// Building a meta.k8s.io/v1 Table from a TableDef, as upstream's API server does for
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (apiserver's asTable + the printers'
// table generator): every column including the priority-1 (wide) ones, rows whose object is a
// PartialObjectMetadata unless includeObject says otherwise.

import { errors, goQuote } from '../../kube/errors.js';
import type { TableColumn, TableDef } from '../resource.js';
import type { KubeObject, ObjectMeta } from '../../kube/types.js';
import { doc } from './descriptions.js';
import { metaTime } from '../../common/time.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** metav1.TableRowCondition; upstream marks finished pods with {type: Completed, status: True}. */
export interface TableRowCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

/** A TableDef that may also mark rows with conditions (pods: Completed). */
export interface PrinterDef extends TableDef {
  rowConditions?(obj: KubeObject): TableRowCondition[] | undefined;
}

export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  /** null when includeObject=None (Go's empty RawExtension marshals as null). */
  object: PartialObjectMetadata | KubeObject | null;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  /** null when noHeaders was asked (upstream leaves the slice nil). */
  columnDefinitions: TableColumn[] | null;
  rows: TableRow[];
}

export interface BuildTableOptions {
  /** The time ages are computed against. */
  now: Date;
  /** ?includeObject=; default Metadata. */
  includeObject?: IncludeObject | string;
  /** The list's (or the single object's) resourceVersion. */
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
  /** TableOptions.noHeaders: leave out the column definitions. */
  noHeaders?: boolean;
}

/** One column definition; format and priority default as in upstream's struct literals. */
export function column(name: string, type: TableColumn['type'], description: string, opts: { format?: string; priority?: number } = {}): TableColumn {
  return { name, type, format: opts.format ?? '', description, priority: opts.priority ?? 0 };
}

/** The Name column every printer starts with (Events print it last, as a wide column). */
export function nameColumn(priority = 0): TableColumn {
  return column('Name', 'string', doc.objectMetaName, { format: 'name', priority });
}

export function ageColumn(): TableColumn {
  return column('Age', 'string', doc.objectMetaCreationTimestamp);
}

/** Upstream's default table convertor, for kinds without a printer: Name and Created At. */
export const defaultTable: TableDef = {
  columns: [nameColumn(), column('Created At', 'date', doc.objectMetaCreationTimestamp)],
  cells(obj) {
    return [obj.metadata.name ?? '', rfc3339(obj.metadata.creationTimestamp)];
  },
};

/** Go's Time.UTC().Format(time.RFC3339): whole seconds, "Z"; the zero time when unset. */
function rfc3339(ts: string | undefined): string {
  const ms = ts ? Date.parse(ts) : NaN;
  if (Number.isNaN(ms)) return '0001-01-01T00:00:00Z';
  return metaTime(ms);
}

function rowObject(obj: KubeObject, includeObject: IncludeObject): TableRow['object'] {
  switch (includeObject) {
    case 'None':
      return null;
    case 'Object':
      return obj;
    case 'Metadata':
      return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
  }
}

/**
 * The Table for `objects` (one object for a GET, the items for a LIST). Pure: the same input
 * gives the same Table. Throws a 400 ApiError for an unknown includeObject, as upstream does.
 */
export function buildTable(def: TableDef, objects: KubeObject[], opts: BuildTableOptions): Table {
  const includeObject = opts.includeObject || 'Metadata';
  if (includeObject !== 'None' && includeObject !== 'Metadata' && includeObject !== 'Object') {
    throw errors.badRequest(`unrecognized includeObject value: ${goQuote(includeObject)}`);
  }
  const rows = objects.map((obj): TableRow => {
    const conditions = (def as PrinterDef).rowConditions?.(obj);
    return {
      cells: def.cells(obj, opts.now),
      ...(conditions?.length ? { conditions } : {}),
      object: rowObject(obj, includeObject),
    };
  });
  const metadata: Table['metadata'] = {};
  if (opts.resourceVersion) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continue) metadata.continue = opts.continue;
  if (opts.remainingItemCount !== undefined) metadata.remainingItemCount = opts.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: opts.noHeaders ? null : def.columns,
    rows,
  };
}
