// Property names as CEL sees them (upstream's cel.Escape): CEL keywords become __<name>__ and
// "__", ".", "-", "/" become __underscores__, __dot__, __dash__, __slash__; names with other
// characters, or starting with a digit, cannot be reached from CEL.

const RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import',
  'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

const ESCAPES: Record<string, string> = { __: '__underscores__', '.': '__dot__', '-': '__dash__', '/': '__slash__' };

/** The CEL field name of a schema property, or undefined when CEL cannot name it. */
export function escapeProperty(name: string): string | undefined {
  if (!name || /^[0-9]/.test(name)) return undefined;
  if (RESERVED.has(name)) return `__${name}__`;
  let ok = true;
  const out = name.replace(/__|[-./]|[^a-zA-Z0-9_]/g, (m) => {
    const e = ESCAPES[m];
    if (e === undefined) ok = false;
    return e ?? '';
  });
  return ok ? out : undefined;
}

/** The schema property a CEL field name stands for (the inverse of escapeProperty). */
export function unescapeProperty(field: string): string {
  const reserved = /^__(.+)__$/.exec(field);
  if (reserved && RESERVED.has(reserved[1])) return reserved[1];
  return field.replace(/__(underscores|dot|dash|slash)__/g, (_m, w: string) => ({ underscores: '__', dot: '.', dash: '-', slash: '/' })[w]!);
}
