// Small readers for decoded JSON: validation must never throw on a value of the wrong shape, so
// every access goes through these.

export type JsonMap = Record<string, unknown>;

export const isRecord = (v: unknown): v is JsonMap => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value as a list; anything that is not a list counts as empty. */
export const list = <T = unknown>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

/** The value as an object; anything that is not one counts as empty. */
export const record = (v: unknown): JsonMap => (isRecord(v) ? v : {});

/** The value as a string; anything else counts as "". */
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The value as a number, or undefined. */
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** A map of strings (labels, selectors): non-string values are kept as their JSON text so checks still see them. */
export function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(record(v))) out[k] = typeof val === 'string' ? val : JSON.stringify(val);
  return out;
}

/** Deep structural equality of JSON values (upstream's semantic DeepEqual for our purposes). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}
