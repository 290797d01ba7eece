// Go's time.Duration as text: parsed as time.ParseDuration reads it (kube-proxy's config, Corefile
// options, agnhost's flags) and printed as Duration.String writes it (klog lines, agnhost's answers).
// Durations are milliseconds here, with nanoseconds as fractions.

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const WHOLE = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g;

/** "0", "100ms", "1m30s", "-1.5h" in milliseconds; Go's error for anything else. */
export function parseGoDuration(text: string): number {
  if (text === '0' || text === '+0' || text === '-0') return 0;
  const m = WHOLE.exec(text);
  if (!m) throw new Error(`time: invalid duration ${JSON.stringify(text)}`);
  let ms = 0;
  for (const part of text.slice(m[1].length).matchAll(PART)) ms += Number(part[1]) * UNIT_MS[part[2]];
  return m[1] === '-' ? -ms : ms;
}

/** parseGoDuration, or undefined where Go would return an error. */
export function tryParseGoDuration(text: string): number | undefined {
  try {
    return parseGoDuration(text);
  } catch {
    return undefined;
  }
}

/** `whole` units and the rest as a decimal fraction without trailing zeros: 1500 of 1000 -> "1.5". */
function decimal(ns: number, unit: number): string {
  const rest = ns % unit;
  const whole = String(Math.floor(ns / unit));
  return rest === 0 ? whole : `${whole}.${String(rest).padStart(String(unit).length - 1, '0').replace(/0+$/, '')}`;
}

/** As Duration.String: "0s", "512.3µs", "34.512346ms", "1.5s", "2m0s", "1h0m0s" (to the nanosecond). */
export function formatGoDuration(ms: number): string {
  let ns = Math.round(ms * 1e6);
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  ns = Math.abs(ns);
  if (ns < 1e3) return `${sign}${ns}ns`;
  if (ns < 1e6) return `${sign}${decimal(ns, 1e3)}µs`;
  if (ns < 1e9) return `${sign}${decimal(ns, 1e6)}ms`;
  const h = Math.floor(ns / 3.6e12);
  const m = Math.floor((ns % 3.6e12) / 6e10);
  return `${sign}${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${decimal(ns % 6e10, 1e9)}s`;
}
