// Field paths as upstream prints them (field.Path): "spec.ports[0].port", "data[tls.crt]".

/** base.name (or name alone at the root). */
export const child = (base: string, ...names: string[]): string =>
  names.reduce((p, n) => (p ? `${p}.${n}` : n), base);

/** base[i] */
export const index = (base: string, i: number): string => `${base}[${i}]`;

/** base[key]: map entries, unquoted as upstream prints them. */
export const key = (base: string, k: string): string => `${base}[${k}]`;
