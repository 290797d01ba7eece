// Log lines in klog's structured format, as upstream kube-proxy writes them, so that
// `kubectl logs kube-proxy-xxxxx` reads the same:
//   I1121 11:21:19.123456   4242 proxier.ts] "Syncing iptables rules" ipFamily="IPv4" fullSync=true

export type LogSink = (line: string) => void;

export interface Logger {
  info(msg: string, kv?: Record<string, unknown>): void;
  error(err: unknown, msg: string, kv?: Record<string, unknown>): void;
}

const stdoutSink: LogSink = (line) => process.stdout.write(line + '\n');

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function header(level: 'I' | 'E', source: string): string {
  const d = new Date();
  return `${level}${pad(d.getMonth() + 1)}${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}000 ${String(process.pid).padStart(7)} ${source}]`;
}

function value(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v instanceof Error ? v.message : v);
}

function pairs(kv: Record<string, unknown> = {}): string {
  return Object.entries(kv).map(([k, v]) => ` ${k}=${value(v)}`).join('');
}

/** A klog-format logger; `source` stands where klog writes file:line. */
export function createLogger(source: string, sink: LogSink = stdoutSink): Logger {
  return {
    info: (msg, kv) => sink(`${header('I', source)} ${JSON.stringify(msg)}${pairs(kv)}`),
    error: (err, msg, kv) => sink(`${header('E', source)} ${JSON.stringify(msg)}${pairs(err == null ? kv : { err, ...kv })}`),
  };
}

/** Durations in log lines, as Go's time.Duration prints them. */
export { formatGoDuration as formatDuration } from './go-duration.js';
