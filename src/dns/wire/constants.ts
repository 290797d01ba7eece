// DNS protocol numbers (RFC 1035, 2782, 3596, 6891) and their presentation names.

export const RRType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  DS: 43,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  NSEC3: 50,
  HTTPS: 65,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
} as const;

export const RRClass = { IN: 1, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;

export const Opcode = { QUERY: 0, IQUERY: 1, STATUS: 2, NOTIFY: 4, UPDATE: 5 } as const;

export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  /** Extended rcode (needs an OPT record): the query's EDNS version is not supported. */
  BADVERS: 16,
} as const;

/** Largest DNS message a UDP client without EDNS0 accepts. */
export const MIN_UDP_SIZE = 512;
/** Largest DNS message over TCP (two-byte length prefix). */
export const MAX_MESSAGE_SIZE = 65535;

const typeNames = new Map<number, string>(Object.entries(RRType).map(([k, v]) => [v, k]));
const rcodeNames = new Map<number, string>(Object.entries(Rcode).map(([k, v]) => [v, k]));

/** "A", "SRV", or RFC 3597's "TYPE123" for types without a name. */
export function typeName(type: number): string {
  return typeNames.get(type) ?? `TYPE${type}`;
}

/** "NOERROR", "NXDOMAIN", ... or "RCODE23" for values without a name. */
export function rcodeName(rcode: number): string {
  return rcodeNames.get(rcode) ?? `RCODE${rcode}`;
}

/** Types whose RDATA names may be compressed on the wire (RFC 3597 section 4). */
export const COMPRESSIBLE_RDATA = new Set<number>([RRType.NS, RRType.CNAME, RRType.SOA, RRType.PTR, RRType.MX]);
