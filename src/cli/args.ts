// Command-line parsing for knit: `knit <command> [words] [--flag value | --flag=value | -f] [-- rest]`,
// on node:util's parseArgs in strict mode. Anything it would guess at is refused with a usage error
// that says what was wrong, in knit's words.

import { parseArgs as parseArgv, type ParseArgsConfig } from 'node:util';

export interface FlagSpec {
  /** Takes a value (otherwise a boolean switch, which also accepts `--flag=true|false`). */
  value?: boolean;
  /** One letter: `-d` for `--detach`. */
  alias?: string;
  /** An empty value means something (`--lb-pool ""`: no pool); otherwise `--flag ""` is refused. */
  emptyOk?: boolean;
  description: string;
}

export interface CommandSpec {
  /** How the command is called, for messages: `knit node exec NODE [flags] -- COMMAND [ARGS...]`. */
  usage: string;
  /** The command's name as typed before `--help`: `knit up`, `knit node exec`. */
  command: string;
  flags: Record<string, FlagSpec>;
  /** How many words the command takes besides flags (`knit node exec NODE`: 2); default none. */
  positionals?: number;
  /** Takes a command line of its own after `--`. */
  rest?: boolean;
}

export interface Parsed {
  positionals: string[];
  flags: Record<string, string | boolean>;
  /** Everything after `--`. */
  rest: string[];
}

/** The command line cannot be understood: knit prints the message alone and exits 2. */
export class UsageError extends Error {}

type Token = NonNullable<ReturnType<typeof parseArgv>['tokens']>[number];

export function parseCommandLine(argv: string[], spec: CommandSpec): Parsed {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, flag] of Object.entries(spec.flags)) {
    options[name] = { type: flag.value ? 'string' : 'boolean', ...(flag.alias ? { short: flag.alias } : {}) };
  }
  // A lenient pass first, only to name the first mistake (node's own messages do not say which command).
  const { tokens: loose } = parseArgv({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const switches = check(loose, spec);

  // `--switch=true|false` is knit's (node's parseArgs has no negation before Node 22): the strict
  // pass sees `--switch`, the value comes from the first pass. Indexes stay those of argv.
  const args = argv.map((word, i) => (switches.has(i) ? word.slice(0, word.indexOf('=')) : word));
  let strict: ReturnType<typeof parseArgv>;
  try {
    strict = parseArgv({ args, options, strict: true, allowPositionals: (spec.positionals ?? 0) > 0 || spec.rest === true, tokens: true });
  } catch (err) {
    if (String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS_')) throw usage(spec, (err as Error).message.split('\n')[0]);
    throw err;
  }
  const out: Parsed = { positionals: [], flags: {}, rest: [] };
  let afterDashes = false;
  for (const token of strict.tokens!) {
    if (token.kind === 'option-terminator') afterDashes = true;
    else if (token.kind === 'positional') (afterDashes ? out.rest : out.positionals).push(token.value);
    else out.flags[token.name] = token.value ?? switches.get(token.index) ?? true;
  }
  return out;
}

/**
 * Refuses what strict parsing would refuse, and what it would accept by guessing: a value that is
 * the next flag (`--name --nodes 3`), an empty value, words the command does not take. Returns the
 * argv indexes of `--switch=true|false` words with their values.
 */
function check(tokens: Token[], spec: CommandSpec): Map<number, boolean> {
  const switches = new Map<number, boolean>();
  let words = 0;
  let afterDashes = false;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') {
      afterDashes = true;
      continue;
    }
    if (token.kind === 'positional') {
      if (afterDashes && spec.rest) continue;
      if (afterDashes) throw usage(spec, `${spec.command} runs no command of its own: unexpected ${JSON.stringify(token.value)} after --`);
      if (++words > (spec.positionals ?? 0)) {
        const why = spec.rest ? ' (the command to run goes after --)' : spec.positionals ? '' : `: ${spec.command} takes only flags`;
        throw usage(spec, `unexpected argument ${JSON.stringify(token.value)}${why}`);
      }
      continue;
    }
    const flag = Object.hasOwn(spec.flags, token.name) ? spec.flags[token.name] : undefined;
    if (!flag) throw usage(spec, `unknown flag ${token.rawName}`);
    const shown = token.rawName.startsWith('--') ? token.rawName : `${token.rawName} (--${token.name})`;
    if (flag.value) {
      if (token.value === undefined) throw usage(spec, `flag ${shown} needs a value`);
      // As node's strict mode: a separate value starting with '-' is taken for a forgotten value.
      if (!token.inlineValue && token.value.length > 1 && token.value.startsWith('-')) {
        throw usage(spec, `flag ${shown} needs a value, but the next word ${JSON.stringify(token.value)} is a flag (write --${token.name}=${token.value} if it really is the value)`);
      }
      if (token.value === '' && !flag.emptyOk) throw usage(spec, `flag ${shown} needs a value, not an empty one`);
    } else if (token.value !== undefined) {
      if (token.value !== 'true' && token.value !== 'false') throw usage(spec, `flag ${shown} is a switch: give it alone, or =true or =false, not =${token.value}`);
      switches.set(token.index, token.value === 'true');
    }
  }
  return switches;
}

function usage(spec: CommandSpec, problem: string): UsageError {
  return new UsageError(`${problem}\nUsage: ${spec.usage} (\`${spec.command} --help\` lists the flags)`);
}

export function flagHelp(specs: Record<string, FlagSpec>): string {
  const rows = Object.entries(specs).map(([name, s]) => [`${s.alias ? `-${s.alias}, ` : '    '}--${name}${s.value ? ' <value>' : ''}`, s.description]);
  const width = Math.max(34, ...rows.map(([left]) => left.length + 2));
  return rows.map(([left, description]) => `  ${left.padEnd(width)}${description}`).join('\n');
}

/** A whole number flag in [min, max]: digits only (no "", "1e2", "0x10" or " 3"). */
export function intFlag(v: string | boolean | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^[0-9]+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(v)}`);
  return n;
}
