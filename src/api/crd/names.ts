// Which names a CRD may serve (upstream's naming controller): within its group, a plural,
// singular, short name, kind or list kind another CRD has accepted is refused ("\"crontabs\" is
// already in use", reason PluralConflict, SingularConflict, ShortNamesConflict, KindConflict or
// ListKindConflict); the rest is accepted. Established turns True with the first accepted names
// and stays True.

import type { CRDCondition, CRDNames, CustomResourceDefinition } from './types.js';

export interface NamesResult {
  acceptedNames: CRDNames;
  namesAccepted: CRDCondition;
  established: CRDCondition;
}

const inUse = (name: string) => `${JSON.stringify(name)} is already in use`;

/** Accepted names of `crd` given the names `others` in its group hold. */
export function acceptNames(crd: CustomResourceDefinition, others: CRDNames[]): NamesResult {
  const resources = new Set<string>();
  const kinds = new Set<string>();
  for (const n of others) {
    for (const x of [n.plural, n.singular, ...(n.shortNames ?? [])]) if (x) resources.add(x);
    for (const x of [n.kind, n.listKind]) if (x) kinds.add(x);
  }
  const requested = crd.spec.names;
  const accepted = crd.status?.acceptedNames ?? {};
  const next: CRDNames = { ...accepted };
  let condition: CRDCondition = { type: 'NamesAccepted', status: 'Unknown' };
  const conflict = (reason: string, message: string) => {
    condition = { type: 'NamesAccepted', status: 'False', reason, message };
  };
  const fresh = (req: string | undefined, acc: string | undefined, used: Set<string>) => req === acc || !used.has(req ?? '');

  if (fresh(requested.plural, accepted.plural, resources)) next.plural = requested.plural;
  else conflict('PluralConflict', inUse(requested.plural!));
  if (fresh(requested.singular, accepted.singular, resources)) next.singular = requested.singular;
  else conflict('SingularConflict', inUse(requested.singular!));
  if (JSON.stringify(requested.shortNames ?? []) !== JSON.stringify(accepted.shortNames ?? [])) {
    const own = new Set(accepted.shortNames ?? []);
    const errs = (requested.shortNames ?? []).filter((s) => !own.has(s) && resources.has(s)).map(inUse);
    if (errs.length) conflict('ShortNamesConflict', errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);
    else next.shortNames = requested.shortNames;
  }
  if (fresh(requested.kind, accepted.kind, kinds)) next.kind = requested.kind;
  else conflict('KindConflict', inUse(requested.kind!));
  if (fresh(requested.listKind, accepted.listKind, kinds)) next.listKind = requested.listKind;
  else conflict('ListKindConflict', inUse(requested.listKind!));
  next.categories = requested.categories;
  if (condition.status === 'Unknown') condition = { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' };

  const previous = crd.status?.conditions?.find((c) => c.type === 'Established');
  let established: CRDCondition = previous && previous.status === 'True'
    ? previous
    : { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' };
  if (established.status !== 'True' && condition.status === 'True') {
    established = { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' };
  }
  return { acceptedNames: compact(next), namesAccepted: condition, established };
}

/** Names without empty members, as the Go struct's omitempty writes them. */
function compact(n: CRDNames): CRDNames {
  const out: CRDNames = {};
  if (n.plural) out.plural = n.plural;
  if (n.singular) out.singular = n.singular;
  if (n.shortNames?.length) out.shortNames = n.shortNames;
  if (n.kind) out.kind = n.kind;
  if (n.listKind) out.listKind = n.listKind;
  if (n.categories?.length) out.categories = n.categories;
  return out;
}

/** Sets a condition, keeping lastTransitionTime when its status does not change. */
export function setCondition(conditions: CRDCondition[], c: CRDCondition, now: string): CRDCondition[] {
  const old = conditions.find((x) => x.type === c.type);
  const next: CRDCondition = { ...c, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : now };
  // Go's struct order: type, status, lastTransitionTime, reason, message.
  const ordered: CRDCondition = { type: next.type, status: next.status, lastTransitionTime: next.lastTransitionTime, reason: next.reason, message: next.message };
  return old ? conditions.map((x) => (x.type === c.type ? ordered : x)) : [...conditions, ordered];
}
