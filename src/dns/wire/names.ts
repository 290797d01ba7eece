// Domain names: presentation text <-> wire labels, and the comparisons DNS needs
// (case-insensitive for ASCII letters only, RFC 4343).

import { WireFormatError } from './errors.js';

export const MAX_LABEL_LENGTH = 63;
export const MAX_NAME_LENGTH = 255; // wire octets, including the root label

/** Bytes written as themselves inside a label; every other byte is escaped. */
function isPlainByte(b: number): boolean {
  return (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x5f;
}

/** Special characters escaped with a backslash in zone-file syntax. */
const BACKSLASHED = new Set(['.', '\\', '"', '(', ')', ';', '@', '$'].map((c) => c.charCodeAt(0)));

/** One wire label (without its length byte) in presentation form. */
export function labelToText(buf: Buffer, start: number, end: number): string {
  let plain = true;
  for (let i = start; i < end && plain; i++) plain = isPlainByte(buf[i]);
  if (plain) return buf.toString('latin1', start, end);
  let out = '';
  for (let i = start; i < end; i++) {
    const b = buf[i];
    if (isPlainByte(b)) out += String.fromCharCode(b);
    else if (BACKSLASHED.has(b)) out += '\\' + String.fromCharCode(b);
    else if (b > 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += '\\' + String(b).padStart(3, '0');
  }
  return out;
}

/**
 * The wire labels of a presentation-form name (relative names are taken as fully qualified).
 * Throws on an empty label, a label over 63 octets, a name over 255 octets or a bad escape.
 */
export function textToLabels(name: string): Buffer[] {
  if (name === '.' || name === '') return [];
  const labels: Buffer[] = [];
  let current: number[] = [];
  let total = 1; // the root label
  const finish = (): void => {
    if (current.length === 0) throw new WireFormatError(`empty label in name "${name}"`);
    if (current.length > MAX_LABEL_LENGTH) throw new WireFormatError(`label longer than 63 octets in name "${name}"`);
    total += current.length + 1;
    labels.push(Buffer.from(current));
    current = [];
  };
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x2e) { // '.'
      if (i === name.length - 1) break;
      finish();
    } else if (c === 0x5c) { // '\'
      const d = name.slice(i + 1, i + 4);
      if (/^[0-9]{3}$/.test(d)) {
        const v = Number(d);
        if (v > 255) throw new WireFormatError(`bad escape \\${d} in name "${name}"`);
        current.push(v);
        i += 3;
      } else if (i + 1 < name.length) {
        current.push(name.charCodeAt(i + 1) & 0xff);
        i += 1;
      } else {
        throw new WireFormatError(`dangling backslash in name "${name}"`);
      }
    } else {
      if (c > 0xff) throw new WireFormatError(`non-ASCII character in name "${name}"`);
      current.push(c);
    }
  }
  if (current.length > 0) finish();
  if (total > MAX_NAME_LENGTH) throw new WireFormatError(`name longer than 255 octets: "${name}"`);
  return labels;
}

/** Splits a presentation name into its labels (still in presentation form), honouring escapes. */
export function splitName(name: string): string[] {
  if (name === '.' || name === '') return [];
  if (!name.includes('\\')) {
    const body = name.endsWith('.') ? name.slice(0, -1) : name;
    return body.split('.');
  }
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    if (c === '\\') { i += /^[0-9]{3}/.test(name.slice(i + 1, i + 4)) ? 3 : 1; continue; }
    if (c === '.') { out.push(name.slice(start, i)); start = i + 1; }
  }
  if (start < name.length) out.push(name.slice(start));
  return out;
}

/** True when `name` equals `zone` or lies below it. Both fully qualified, same case. */
export function isSubdomain(name: string, zone: string): boolean {
  if (zone === '.') return true;
  if (name === zone) return true;
  if (name.length <= zone.length || !name.endsWith(zone)) return false;
  const dot = name.length - zone.length - 1;
  return name[dot] === '.' && !isEscapedAt(name, dot);
}

/** True when the character at `index` is escaped by an odd run of backslashes before it. */
function isEscapedAt(name: string, index: number): boolean {
  let n = 0;
  for (let i = index - 1; i >= 0 && name[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/** Case-insensitive name equality. */
export function sameName(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase();
}
