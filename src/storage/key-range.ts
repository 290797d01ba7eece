// Key order and prefix ranges as etcd and SQLite see them: keys compare as UTF-8 bytes, which
// is code point order. JavaScript's `<` compares UTF-16 units and disagrees above U+E000.

/**
 * The smallest string greater than every string that starts with prefix (in code point order),
 * or undefined when no such string exists (the empty prefix covers every key).
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = Array.from(prefix, (c) => c.codePointAt(0) as number);
  while (points.length > 0) {
    let last = (points.pop() as number) + 1;
    if (last === 0xd800) last = 0xe000; // surrogates have no UTF-8 encoding: the next one is U+E000
    if (last <= 0x10ffff) return points.map((p) => String.fromCodePoint(p)).join('') + String.fromCodePoint(last);
  }
  return undefined;
}

/** Compares two keys in UTF-8 byte order (negative, zero or positive). */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

// Moves surrogates above U+E000..U+FFFF so UTF-16 units sort in code point order.
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}
