// Packing endpoints into EndpointSlices with little churn, as upstream's reconciler: endpoints
// stay in the slice that holds them, new ones fill slices with room, full slices are left alone,
// slices that empty out go away, at most maxPerSlice endpoints each, one port set per slice.
// A pure function: the controller turns its plan into API calls.

import type { EndpointSlice, EndpointSliceEndpoint } from '../../kube/types.js';
import { canonicalJson } from '../common.js';

export type SlicePorts = NonNullable<EndpointSlice['ports']>;

export interface DesiredGroup {
  ports: SlicePorts;
  /** Keyed by address. */
  endpoints: Map<string, EndpointSliceEndpoint>;
}

export interface SlicePlan {
  create: { ports: SlicePorts; endpoints: EndpointSliceEndpoint[] }[];
  update: { slice: EndpointSlice; endpoints: EndpointSliceEndpoint[] }[];
  delete: EndpointSlice[];
  unchanged: EndpointSlice[];
}

export const portsKey = (ports: SlicePorts | undefined) =>
  canonicalJson([...(ports ?? [])].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || (a.port ?? 0) - (b.port ?? 0)));

const sortEndpoints = (eps: EndpointSliceEndpoint[]) => eps.sort((a, b) => a.addresses[0].localeCompare(b.addresses[0], 'en', { numeric: true }));

export function planSlices(existing: EndpointSlice[], desired: DesiredGroup[], maxPerSlice: number): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [], unchanged: [] };
  const byPorts = new Map<string, EndpointSlice[]>();
  for (const s of existing) {
    const k = portsKey(s.ports);
    (byPorts.get(k) ?? byPorts.set(k, []).get(k)!).push(s);
  }
  const wanted = new Set(desired.map((g) => portsKey(g.ports)));
  for (const [k, slices] of byPorts) if (!wanted.has(k)) plan.delete.push(...slices);

  for (const group of desired) {
    const slices = byPorts.get(portsKey(group.ports)) ?? [];
    const remaining = new Map(group.endpoints);
    const kept: { slice: EndpointSlice; endpoints: EndpointSliceEndpoint[]; changed: boolean }[] = [];
    for (const slice of slices) {
      const eps: EndpointSliceEndpoint[] = [];
      let changed = false;
      for (const e of slice.endpoints ?? []) {
        const want = remaining.get(e.addresses[0]);
        if (!want) { changed = true; continue; }
        remaining.delete(e.addresses[0]);
        if (canonicalJson(want) !== canonicalJson(e)) changed = true;
        eps.push(want);
      }
      kept.push({ slice, endpoints: eps, changed });
    }
    // New endpoints go first into slices that change anyway, then into others with room.
    const order = [...kept].sort((a, b) => Number(b.changed) - Number(a.changed));
    for (const k of order) {
      for (const [addr, e] of remaining) {
        if (k.endpoints.length >= maxPerSlice) break;
        k.endpoints.push(e);
        remaining.delete(addr);
        k.changed = true;
      }
    }
    const leftover = sortEndpoints([...remaining.values()]);
    for (let i = 0; i < leftover.length; i += maxPerSlice) plan.create.push({ ports: group.ports, endpoints: leftover.slice(i, i + maxPerSlice) });
    const placeholderNeeded = group.endpoints.size === 0;
    let keptOne = false;
    for (const k of kept) {
      if (k.endpoints.length === 0 && !(placeholderNeeded && !keptOne)) { plan.delete.push(k.slice); continue; }
      keptOne = true;
      if (k.changed) plan.update.push({ slice: k.slice, endpoints: sortEndpoints(k.endpoints) });
      else plan.unchanged.push(k.slice);
    }
    // A Service with no endpoints keeps one empty slice, as upstream's placeholder.
    if (placeholderNeeded && !keptOne) plan.create.push({ ports: group.ports, endpoints: [] });
  }
  return plan;
}
