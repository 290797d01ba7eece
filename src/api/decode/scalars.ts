// Checks of the scalar types whose Go decoders have their own error messages: RFC 3339 times
// (time.Parse), base64 bytes (encoding/base64) and resource quantities (resource.ParseQuantity).
// Each returns the error text upstream prints, or undefined when the value is fine.

import { goQuote } from '../../kube/errors.js';

const RFC3339 = ['2006', '-', '01', '-', '02', 'T', '15', ':', '04', ':', '05', 'Z07:00'];
const RFC3339_MICRO = ['2006', '-', '01', '-', '02', 'T', '15', ':', '04', ':', '05', '.000000', 'Z07:00'];
const isDigit = (s: string, i: number) => i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57;

/** time.Parse(time.RFC3339 or RFC3339Micro, s) failures, in Go's words. */
export function timeParseError(s: string, micro = false): string | undefined {
  const elements = micro ? RFC3339_MICRO : RFC3339;
  const layout = elements.join('');
  const bad = (rest: string, elem: string) => `parsing time ${goQuote(s)} as ${goQuote(layout)}: cannot parse ${goQuote(rest)} as ${goQuote(elem)}`;
  const range = (what: string) => `parsing time ${goQuote(s)}: ${what} out of range`;
  let rest = s;
  let year = 0;
  let month = 0;
  let day = 0;
  // Fixed-width numbers take exactly n digits; the hour ("15") takes one or two.
  const num = (fixed: boolean): number | undefined => {
    if (!isDigit(rest, 0)) return undefined;
    const width = isDigit(rest, 1) ? 2 : fixed ? 0 : 1;
    if (width === 0) return undefined;
    const n = Number(rest.slice(0, width));
    rest = rest.slice(width);
    return n;
  };
  for (let i = 0; i < elements.length; i++) {
    const elem = elements[i];
    const before = rest;
    let n: number | undefined;
    switch (elem) {
      case '2006':
        if (rest.length < 4 || ![0, 1, 2, 3].every((k) => isDigit(rest, k))) return bad(before, elem);
        year = Number(rest.slice(0, 4));
        rest = rest.slice(4);
        break;
      case '01':
        if ((n = num(true)) === undefined) return bad(before, elem);
        if (n < 1 || n > 12) return range('month');
        month = n;
        break;
      case '02':
        if ((n = num(true)) === undefined) return bad(before, elem);
        day = n;
        break;
      case '15':
        if ((n = num(false)) === undefined) return bad(before, elem);
        if (n > 23) return range('hour');
        break;
      case '04':
        if ((n = num(true)) === undefined) return bad(before, elem);
        if (n > 59) return range('minute');
        break;
      case '05':
        if ((n = num(true)) === undefined) return bad(before, elem);
        if (n > 59) return range('second');
        // A fraction is accepted after the seconds even when the layout has none.
        if (!micro && (rest[0] === '.' || rest[0] === ',') && isDigit(rest, 1)) {
          let k = 1;
          while (isDigit(rest, k)) k++;
          rest = rest.slice(k);
        }
        break;
      case '.000000':
        if (rest.length < 7 || !(rest[0] === '.' || rest[0] === ',') || ![1, 2, 3, 4, 5, 6].every((k) => isDigit(rest, k))) return bad(before, elem);
        rest = rest.slice(7);
        break;
      case 'Z07:00':
        if (rest[0] === 'Z') {
          rest = rest.slice(1);
          break;
        }
        if (rest.length < 6 || (rest[0] !== '+' && rest[0] !== '-') || rest[3] !== ':' || ![1, 2, 4, 5].every((k) => isDigit(rest, k))) {
          return bad(before, elem);
        }
        rest = rest.slice(6);
        break;
      default:
        if (!rest.startsWith(elem)) return bad(before, elem);
        rest = rest.slice(elem.length);
    }
  }
  if (rest.length > 0) return `parsing time ${goQuote(s)}: extra text: ${goQuote(rest)}`;
  const daysIn = [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (day < 1 || day > daysIn) return `parsing time ${goQuote(s)}: day out of range`;
  return undefined;
}

const B64 = new Set('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');

/** base64.StdEncoding.Decode failures: "illegal base64 data at input byte N", with Go's offsets. */
export function base64Error(s: string): string | undefined {
  const corrupt = (at: number) => `illegal base64 data at input byte ${at}`;
  let si = 0;
  while (si < s.length) {
    // One quantum of four characters; newlines are skipped.
    let j = 0;
    for (; j < 4; j++) {
      if (si === s.length) {
        if (j === 0) return undefined;
        return corrupt(si - j);
      }
      const c = s[si++];
      if (B64.has(c)) continue;
      if (c === '\n' || c === '\r') {
        j--;
        continue;
      }
      if (c !== '=') return corrupt(si - 1);
      if (j < 2) return corrupt(si - 1);
      if (j === 2) {
        while (si < s.length && (s[si] === '\n' || s[si] === '\r')) si++;
        if (si === s.length) return corrupt(s.length);
        if (s[si] !== '=') return corrupt(si - 1);
        si++;
      }
      while (si < s.length && (s[si] === '\n' || s[si] === '\r')) si++;
      return si < s.length ? corrupt(si) : undefined;
    }
  }
  return undefined;
}

const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const SUFFIXES = new Set(['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'P', 'E']);

/** resource.ParseQuantity failures, in its words. */
export function quantityError(s: string): string | undefined {
  const m = QUANTITY.exec(s.trim());
  if (!m) return `quantities must match the regular expression '${QUANTITY.source}'`;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(m[1])) return 'unable to parse numeric part of quantity';
  if (!SUFFIXES.has(m[2]) && !/^[eE][-+]?\d+$/.test(m[2])) return "unable to parse quantity's suffix";
  return undefined;
}
