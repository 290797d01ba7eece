// The DNS message as knit's code sees it. Names are in presentation form, fully qualified with
// a trailing dot ("web-0.web.default.svc.cluster.local.", root is "."); bytes outside letters,
// digits, '-', '_' and '*' inside a label are escaped as in zone files ("\." and "\DDD"), so any
// name read off the wire is written back byte for byte.

export interface Question {
  name: string;
  type: number;
  class: number;
}

interface RecordHeader {
  name: string;
  class: number;
  ttl: number;
}

export interface AddressRecord extends RecordHeader {
  type: 1 | 28; // A, AAAA
  /** Dotted quad for A, RFC 5952 text for AAAA. */
  address: string;
}

export interface NameRecord extends RecordHeader {
  type: 2 | 5 | 12; // NS, CNAME, PTR
  target: string;
}

export interface MxRecord extends RecordHeader {
  type: 15;
  preference: number;
  exchange: string;
}

export interface TxtRecord extends RecordHeader {
  type: 16;
  /** Each character-string as a latin1 string: one character per byte, so binary data round-trips. */
  texts: string[];
}

export interface SrvRecord extends RecordHeader {
  type: 33;
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export interface SoaRecord extends RecordHeader {
  type: 6;
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

/** A record of a type knit does not interpret: RDATA kept as received (RFC 3597). */
export interface OpaqueRecord extends RecordHeader {
  type: number;
  rdata: Buffer;
}

export type KnownRecord = AddressRecord | NameRecord | MxRecord | TxtRecord | SrvRecord | SoaRecord;
export type ResourceRecord = KnownRecord | OpaqueRecord;

export interface EdnsOption {
  code: number;
  data: Buffer;
}

/** The OPT pseudo-record of EDNS0 (RFC 6891), kept apart from the additional section. */
export interface Edns {
  /** Requestor's UDP payload size. */
  udpSize: number;
  version: number;
  /** DNSSEC OK. */
  dnssecOk: boolean;
  options: EdnsOption[];
}

export interface Message {
  id: number;
  /** true in responses. */
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  /** The reserved Z bit; must be zero in what knit sends. */
  z: boolean;
  ad: boolean;
  cd: boolean;
  /** Full rcode: the header's 4 bits plus, with EDNS, the OPT record's upper 8 bits. */
  rcode: number;
  questions: Question[];
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  /** Additional records without the OPT record (that one is `edns`). */
  additionals: ResourceRecord[];
  edns?: Edns;
}

/** The fixed 12-byte header, readable even when the rest of a message is not. */
export interface Header {
  id: number;
  qr: boolean;
  opcode: number;
  rd: boolean;
  cd: boolean;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

export function isAddressRecord(rr: ResourceRecord): rr is AddressRecord {
  return rr.type === 1 || rr.type === 28;
}

/** An empty message with every flag off, for building queries and replies. */
export function emptyMessage(id: number): Message {
  return {
    id, qr: false, opcode: 0, aa: false, tc: false, rd: false, ra: false, z: false, ad: false, cd: false,
    rcode: 0, questions: [], answers: [], authorities: [], additionals: [],
  };
}
