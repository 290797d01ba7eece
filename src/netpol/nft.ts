// The policy component's nftables table as objects (sets, maps and chains by name), its whole
// text, and the text of the transaction from one state of it to another. Knows nothing of policy.

export const TABLE = 'knit-netpol';
export const FAMILY = 'inet';

export interface NftSet {
  /** The declaration inside the braces: "type ...; flags interval;". */
  spec: string;
  elements: string[];
}

export interface NftChain {
  /** Base chains: "type filter hook forward priority filter; policy accept;". */
  base?: string;
  rules: string[];
}

/** The objects of the table, by name. */
export interface NftObjects {
  sets: Map<string, NftSet>;
  chains: Map<string, NftChain>;
}

export const emptyObjects = (): NftObjects => ({ sets: new Map(), chains: new Map() });

/** An nft comment: at most 128 bytes. */
export function comment(text: string): string {
  const clipped = Buffer.byteLength(text) > 120 ? `${Buffer.from(text).subarray(0, 116).toString().replace(/\uFFFD$/, '')}...` : text;
  return `comment ${JSON.stringify(clipped)}`;
}

const T = `${FAMILY} ${TABLE}`;

function elementList(elements: string[]): string {
  return `{ ${elements.join(', ')} }`;
}

/** The whole table, replacing whatever the kernel holds, in one transaction. */
export function renderFull(objects: NftObjects): string {
  const out = [`add table ${T}`, `delete table ${T}`, `table ${T} {`];
  for (const [name, s] of objects.sets) {
    out.push(`\t${s.spec.includes('verdict') ? 'map' : 'set'} ${name} {`, `\t\t${s.spec}`);
    if (s.elements.length) out.push(`\t\telements = ${elementList(s.elements)}`);
    out.push('\t}');
  }
  for (const [name, c] of objects.chains) {
    out.push(`\tchain ${name} {`);
    if (c.base) out.push(`\t\t${c.base}`);
    for (const r of c.rules) out.push(`\t\t${r}`);
    out.push('\t}');
  }
  out.push('}');
  return out.join('\n') + '\n';
}

const sameRules = (a: NftChain, b: NftChain) => a.base === b.base && a.rules.length === b.rules.length && a.rules.every((r, i) => r === b.rules[i]);

/**
 * The transaction from `prev` (what the kernel holds) to `next`, touching only what changed:
 * elements first removed then added (interval sets refuse overlaps, even for a moment), chains
 * whose rules changed flushed and refilled, and what is gone flushed before it is deleted, since
 * nothing may be deleted while a rule or a map element still refers to it. Empty when equal.
 */
export function renderDiff(prev: NftObjects, next: NftObjects): string {
  const out: string[] = [];
  for (const [name, s] of next.sets) if (!prev.sets.has(name)) out.push(`add ${s.spec.includes('verdict') ? 'map' : 'set'} ${T} ${name} { ${s.spec} }`);
  for (const [name, c] of next.chains) if (!prev.chains.has(name)) out.push(c.base ? `add chain ${T} ${name} { ${c.base} }` : `add chain ${T} ${name}`);
  const adds: string[] = [];
  for (const [name, s] of next.sets) {
    const before = new Set(prev.sets.get(name)?.elements ?? []);
    const after = new Set(s.elements);
    const removed = [...before].filter((e) => !after.has(e));
    const added = s.elements.filter((e) => !before.has(e));
    if (removed.length) out.push(`delete element ${T} ${name} ${elementList(removed)}`);
    if (added.length) adds.push(`add element ${T} ${name} ${elementList(added)}`);
  }
  for (const [name, s] of prev.sets) {
    if (!next.sets.has(name) && s.elements.length && s.spec.includes('verdict')) out.push(`delete element ${T} ${name} ${elementList(s.elements)}`);
  }
  out.push(...adds);
  for (const [name, c] of next.chains) {
    const before = prev.chains.get(name);
    if (before && sameRules(before, c)) continue;
    if (before) out.push(`flush chain ${T} ${name}`);
    for (const r of c.rules) out.push(`add rule ${T} ${name} ${r}`);
  }
  const goneChains = [...prev.chains.keys()].filter((n) => !next.chains.has(n));
  for (const name of goneChains) out.push(`flush chain ${T} ${name}`);
  for (const name of goneChains) out.push(`delete chain ${T} ${name}`);
  for (const [name, s] of prev.sets) if (!next.sets.has(name)) out.push(`delete ${s.spec.includes('verdict') ? 'map' : 'set'} ${T} ${name}`);
  return out.length ? out.join('\n') + '\n' : '';
}

/** Removes the table and everything in it. */
export const CLEANUP = `add table ${T}\ndelete table ${T}\n`;
