// IP address text <-> bytes, strict: what A and AAAA records and reverse names need.

/** 4 bytes for a dotted quad without leading zeros, else null. */
export function parseIPv4(text: string): Buffer | null {
  const out = Buffer.alloc(4);
  return writeIPv4(text, out, 0) ? out : null;
}

/** Writes a dotted quad's 4 bytes at `offset` (the encoder's hot path: no allocation); false if not one. */
export function writeIPv4(text: string, out: Buffer, offset: number): boolean {
  let part = 0, value = 0, digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || part > 3) return false;
      out[offset + part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && value === 0) return false; // leading zero
      value = value * 10 + (c - 0x30);
      if (++digits > 3 || value > 255) return false;
    } else {
      return false;
    }
  }
  return part === 4;
}

/** 16 bytes for an IPv6 address (with "::" and an optional trailing dotted quad), else null. */
export function parseIPv6(text: string): Buffer | null {
  if (text.length < 2 || text.length > 45 || text.includes('%')) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (!v4) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return null;
  if (halves.length === 1 && head.length !== 8) return null;
  if (halves.length === 2 && head.length + tail.length > 7) return null;
  const all = [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

export function formatIPv4(b: Buffer, offset = 0): string {
  return `${b[offset]}.${b[offset + 1]}.${b[offset + 2]}.${b[offset + 3]}`;
}

/** RFC 5952 text: lower-case hex, the first longest run of two or more zero groups as "::". */
export function formatIPv6(b: Buffer, offset = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(b.readUInt16BE(offset + i * 2));
  let bestStart = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (list: number[]): string => list.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/** The canonical text of an IPv4 or IPv6 address, or null when `text` is neither. */
export function canonicalIP(text: string): { family: 4 | 6; text: string; bytes: Buffer } | null {
  const v4 = parseIPv4(text);
  if (v4) return { family: 4, text: formatIPv4(v4), bytes: v4 };
  const v6 = parseIPv6(text);
  if (v6) return { family: 6, text: formatIPv6(v6), bytes: v6 };
  return null;
}
