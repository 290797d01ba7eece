// Command-line parsing for knit: `knit <command> [args] [--flag value | --flag=value | -f] [-- rest]`.

export interface FlagSpec {
  /** Takes a value (otherwise a boolean switch). */
  value?: boolean;
  alias?: string;
  description: string;
}

export interface Parsed {
  positionals: string[];
  flags: Record<string, string | boolean>;
  /** Everything after `--`. */
  rest: string[];
}

export class UsageError extends Error {}

export function parseArgs(argv: string[], specs: Record<string, FlagSpec>): Parsed {
  const out: Parsed = { positionals: [], flags: {}, rest: [] };
  const byAlias = new Map(Object.entries(specs).filter(([, s]) => s.alias).map(([name, s]) => [s.alias!, name]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.rest = argv.slice(i + 1);
      break;
    }
    if (a.startsWith('--') || (a.startsWith('-') && a.length === 2)) {
      let name = a.startsWith('--') ? a.slice(2) : byAlias.get(a.slice(1)) ?? a.slice(1);
      let value: string | undefined;
      const eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.slice(eq + 1);
        name = name.slice(0, eq);
      }
      const spec = specs[name];
      if (!spec) throw new UsageError(`unknown flag: ${a}`);
      if (spec.value) {
        if (value === undefined) {
          if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: --${name}`);
          value = argv[++i];
        }
        out.flags[name] = value;
      } else {
        if (value !== undefined && value !== 'true' && value !== 'false') throw new UsageError(`invalid value for --${name}: ${value}`);
        out.flags[name] = value !== 'false';
      }
      continue;
    }
    out.positionals.push(a);
  }
  return out;
}

export function flagHelp(specs: Record<string, FlagSpec>): string {
  return Object.entries(specs).map(([name, s]) => {
    const left = `${s.alias ? `-${s.alias}, ` : '    '}--${name}${s.value ? ' <value>' : ''}`;
    return `  ${left.padEnd(34)}${s.description}`;
  }).join('\n');
}

export function intFlag(v: string | boolean | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(v)}`);
  return n;
}
