// Ports, port names, protocols and port ranges with upstream's messages.

import { invalid, notSupported, required, type FieldError } from '../../kube/errors.js';
import { byteLength, inclusiveRangeError, maxLenError } from './strings.js';

export const SUPPORTED_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

export function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [inclusiveRangeError(1, 65535)];
}

export function isInRange(value: number, lo: number, hi: number): string[] {
  return value >= lo && value <= hi ? [] : [inclusiveRangeError(lo, hi)];
}

/** An IANA_SVC_NAME: at most 15 characters of [-a-z0-9], at least one letter, no "--", no leading or trailing '-'. */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (byteLength(port) > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

/** An IntOrString port: a number 1-65535 or a port name. */
export function validatePortNumOrName(field: string, port: unknown): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => invalid(field, port, m));
  if (typeof port === 'string') return isValidPortName(port).map((m) => invalid(field, port, m));
  return [invalid(field, port ?? null, 'must be an integer or a port name')];
}

/** protocol must be set (defaulting sets TCP) and one of TCP, UDP, SCTP. */
export function validateProtocol(field: string, protocol: unknown): FieldError[] {
  if (protocol == null || protocol === '') return [required(field)];
  if (typeof protocol !== 'string' || !SUPPORTED_PROTOCOLS.includes(protocol)) return [notSupported(field, protocol, SUPPORTED_PROTOCOLS)];
  return [];
}

export interface PortRange {
  base: number;
  size: number;
}

/** "30000-32767" or [30000, 32767]; throws on anything else. */
export function parsePortRange(range: string | [number, number]): PortRange {
  let lo: number, hi: number;
  if (typeof range === 'string') {
    const m = /^(\d+)(?:-(\d+))?$/.exec(range.trim());
    if (!m) throw new Error(`invalid port range ${JSON.stringify(range)}: expected "<low>-<high>"`);
    lo = Number(m[1]);
    hi = m[2] === undefined ? lo : Number(m[2]);
  } else {
    [lo, hi] = range;
  }
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi > 65535 || hi < lo) {
    throw new Error(`invalid port range ${lo}-${hi}: ports must be 1-65535 and low <= high`);
  }
  return { base: lo, size: hi - lo + 1 };
}

export const formatPortRange = (r: PortRange): string => `${r.base}-${r.base + r.size - 1}`;
