// Roles, ClusterRoles, RoleBindings and ClusterRoleBindings, as upstream's printRole,
// printClusterRole, printRoleBinding and printClusterRoleBinding.

import type { TableDef } from '../resource.js';
import type { KubeObject } from '../../kube/types.js';
import { doc } from './descriptions.js';
import { creationAge } from './format.js';
import { ageColumn, column, defaultTable, nameColumn } from './table.js';

/** Roles print as upstream's default table: Name, Created At. */
export const roleTable: TableDef = defaultTable;

/** Users, groups and service accounts (namespace/name), as rbac.SubjectsStrings. */
function subjectsStrings(obj: KubeObject): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of Array.isArray(obj.subjects) ? obj.subjects : []) {
    if (s?.kind === 'User') users.push(s.name);
    else if (s?.kind === 'Group') groups.push(s.name);
    else if (s?.kind === 'ServiceAccount') sas.push(`${s.namespace ?? ''}/${s.name}`);
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

export const roleBindingTable: TableDef = {
  columns: [
    nameColumn(),
    column('Role', 'string', doc.bindingRoleRef),
    ageColumn(),
    column('Users', 'string', doc.bindingUsers, { priority: 1 }),
    column('Groups', 'string', doc.bindingGroups, { priority: 1 }),
    column('ServiceAccounts', 'string', doc.bindingServiceAccounts, { priority: 1 }),
  ],
  cells(obj, now) {
    return [obj.metadata.name ?? '', `${obj.roleRef?.kind ?? ''}/${obj.roleRef?.name ?? ''}`, creationAge(obj, now), ...subjectsStrings(obj)];
  },
};
