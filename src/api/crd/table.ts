// Server-side Tables of custom resources (upstream's CRD tableconvertor): Name, then each
// additionalPrinterColumn (or, when there are none, Age from .metadata.creationTimestamp). Cells
// hold the JSONPath's first value as the column type asks: integers and numbers as numbers,
// booleans, strings (other values as Go's %v prints them), dates as ages ("5m"); nothing found
// is an empty cell, which kubectl prints as <none>.

import { goSprintV } from '../decode/gofmt.js';
import { doc } from '../printers/descriptions.js';
import { translateTimestampSince } from '../printers/format.js';
import type { TableColumn, TableDef } from '../resource.js';
import { evaluateJsonPath, parseJsonPath } from './jsonpath.js';
import type { PrinterColumn } from './types.js';

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: doc.objectMetaCreationTimestamp };

function cell(type: string | undefined, value: unknown, now: Date): unknown {
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'string':
      return typeof value === 'string' ? value : goSprintV(value);
    case 'date':
      if (typeof value !== 'string') return null;
      return Number.isNaN(Date.parse(value)) ? '<invalid>' : translateTimestampSince(value, now);
    default:
      return null;
  }
}

/** The TableDef of one custom resource version. */
export function customResourceTable(columns: PrinterColumn[] | undefined): TableDef {
  const cols = columns?.length ? columns : [AGE];
  const paths = cols.map((c) => {
    try {
      return parseJsonPath(c.jsonPath ?? '');
    } catch {
      return undefined;
    }
  });
  const defs: TableColumn[] = [
    { name: 'Name', type: 'string', format: 'name', description: doc.objectMetaName, priority: 0 },
    ...cols.map((c) => ({ name: c.name ?? '', type: (c.type ?? 'string') as TableColumn['type'], format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 })),
  ];
  return {
    columns: defs,
    cells(obj, now) {
      return [obj.metadata.name ?? '', ...cols.map((c, i) => {
        const steps = paths[i];
        const found = steps ? evaluateJsonPath(steps, obj) : [];
        return found.length && found[0] !== undefined && found[0] !== null ? cell(c.type, found[0], now) : null;
      })];
    },
  };
}
