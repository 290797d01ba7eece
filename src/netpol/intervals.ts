// Address and port ranges as closed integer intervals, and the normal form nftables interval sets
// need: their elements may not overlap ("interval overlaps with an existing one"), so a union of
// (address range x protocol x port range) boxes is rewritten as disjoint boxes before it is
// rendered. Everything here is pure.

import { formatIPv4, parseCidrLenient } from '../common/ipv4.js';

/** A closed interval lo..hi of unsigned integers (IPv4 addresses as numbers, or ports). */
export interface Interval {
  lo: number;
  hi: number;
}

export type Protocol = 'tcp' | 'udp' | 'sctp';

/** Traffic to any port of `proto` in `ports`, from (ingress) or to (egress) an address in `ips`. */
export interface Box {
  ips: Interval;
  proto: Protocol;
  ports: Interval;
}

export const ALL_ADDRESSES: Interval = { lo: 0, hi: 0xffffffff };
export const ALL_PORTS: Interval = { lo: 0, hi: 65535 };

export function point(n: number): Interval {
  return { lo: n, hi: n };
}

/** The addresses of a CIDR, read as upstream reads ipBlock (host bits dropped); null when invalid. */
export function cidrInterval(cidr: string): Interval | null {
  const c = parseCidrLenient(cidr);
  if (!c) return null;
  return { lo: c.network, hi: c.network + 2 ** (32 - c.prefix) - 1 };
}

/** The sorted union: overlapping and adjacent intervals merged. */
export function unionIntervals(list: Interval[]): Interval[] {
  const sorted = [...list].sort((a, b) => a.lo - b.lo || a.hi - b.hi);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.lo <= last.hi + 1) last.hi = Math.max(last.hi, i.hi);
    else out.push({ ...i });
  }
  return out;
}

/** base minus every interval of `minus` (an ipBlock's cidr without its excepts). */
export function subtractIntervals(base: Interval[], minus: Interval[]): Interval[] {
  let out = unionIntervals(base);
  for (const m of unionIntervals(minus)) {
    const next: Interval[] = [];
    for (const i of out) {
      if (m.hi < i.lo || m.lo > i.hi) { next.push(i); continue; }
      if (i.lo < m.lo) next.push({ lo: i.lo, hi: m.lo - 1 });
      if (i.hi > m.hi) next.push({ lo: m.hi + 1, hi: i.hi });
    }
    out = next;
  }
  return out;
}

const sameIntervals = (a: Interval[], b: Interval[]) => a.length === b.length && a.every((x, i) => x.lo === b[i].lo && x.hi === b[i].hi);

/**
 * Disjoint boxes covering exactly the union of `boxes`: per protocol, the address axis is cut at
 * every box edge, each piece gets the union of the port ranges of the boxes over it, and
 * neighbouring pieces with the same ports are joined again.
 */
export function normalizeBoxes(boxes: Box[]): Box[] {
  const out: Box[] = [];
  for (const proto of ['tcp', 'udp', 'sctp'] as const) {
    const mine = boxes.filter((b) => b.proto === proto);
    if (mine.length === 0) continue;
    const cuts = [...new Set(mine.flatMap((b) => [b.ips.lo, b.ips.hi + 1]))].sort((a, b) => a - b);
    // A sweep along the addresses: the boxes over each piece are those begun and not yet ended.
    const byStart = [...mine].sort((a, b) => a.ips.lo - b.ips.lo);
    let next = 0;
    let over: Box[] = [];
    let open: { ips: Interval; ports: Interval[] } | undefined;
    const close = () => {
      if (open) for (const ports of open.ports) out.push({ ips: open.ips, proto, ports });
      open = undefined;
    };
    for (let k = 0; k + 1 < cuts.length; k++) {
      const piece = { lo: cuts[k], hi: cuts[k + 1] - 1 };
      while (next < byStart.length && byStart[next].ips.lo <= piece.lo) over.push(byStart[next++]);
      over = over.filter((b) => b.ips.hi >= piece.hi);
      const ports = unionIntervals(over.map((b) => b.ports));
      if (ports.length === 0) { close(); continue; }
      if (open && open.ips.hi + 1 === piece.lo && sameIntervals(open.ports, ports)) open.ips = { lo: open.ips.lo, hi: piece.hi };
      else { close(); open = { ips: piece, ports }; }
    }
    close();
  }
  return out;
}

/** An address interval as an nftables element: "10.0.0.5" or "10.0.0.0-10.0.0.255". */
export function formatAddresses(i: Interval): string {
  return i.lo === i.hi ? formatIPv4(i.lo) : `${formatIPv4(i.lo)}-${formatIPv4(i.hi)}`;
}

/** A port interval as an nftables element: "80" or "8000-8080". */
export function formatPorts(i: Interval): string {
  return i.lo === i.hi ? String(i.lo) : `${i.lo}-${i.hi}`;
}
