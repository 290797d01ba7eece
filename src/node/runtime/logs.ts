// Container logs in the CRI format the kubelet reads (/var/log/pods/.../<restart>.log):
//   2024-05-01T10:00:00.123456789Z stdout F a whole line
// "P" marks a partial line (longer than 16 KiB, or cut at end of output). The reader gives what
// `kubectl logs` asks for: previous/current file, tailLines, since, timestamps, limitBytes, follow.

import { closeSync, openSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';

const MAX_LINE = 16 * 1024;

/** Now as RFC 3339 with nanoseconds (microsecond precision from the performance clock). */
export function nowRFC3339Nano(): string {
  const ms = performance.timeOrigin + performance.now();
  const secs = Math.floor(ms / 1000);
  const nanos = Math.floor((ms - secs * 1000) * 1e6);
  return `${new Date(secs * 1000).toISOString().slice(0, 19)}.${String(nanos).padStart(9, '0')}Z`;
}

/** Splits output into timestamped CRI lines and appends them to a file. */
export class CriLogWriter {
  private readonly fd: number;
  private closed = false;
  private readonly pending: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };

  constructor(path: string) {
    this.fd = openSync(path, 'a', 0o640);
  }

  write(stream: 'stdout' | 'stderr', chunk: Buffer | string): void {
    let text = this.pending[stream] + chunk.toString();
    const ts = nowRFC3339Nano();
    let out = '';
    let nl: number;
    while ((nl = text.indexOf('\n')) >= 0) {
      let line = text.slice(0, nl);
      while (line.length > MAX_LINE) {
        out += `${ts} ${stream} P ${line.slice(0, MAX_LINE)}\n`;
        line = line.slice(MAX_LINE);
      }
      out += `${ts} ${stream} F ${line}\n`;
      text = text.slice(nl + 1);
    }
    while (text.length > MAX_LINE) {
      out += `${ts} ${stream} P ${text.slice(0, MAX_LINE)}\n`;
      text = text.slice(MAX_LINE);
    }
    this.pending[stream] = text;
    if (out) writeSync(this.fd, out);
  }

  /** Writes what is left of unterminated lines (at exit). */
  flush(): void {
    const ts = nowRFC3339Nano();
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.pending[stream]) writeSync(this.fd, `${ts} ${stream} P ${this.pending[stream]}\n`);
      this.pending[stream] = '';
    }
  }

  /** Flushes and closes the file; again is a no-op (the shim's stop() closes what is still open). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    closeSync(this.fd);
  }
}

export interface LogEntry {
  timestamp: string;
  time: number;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  content: string;
}

export function parseLogLine(line: string): LogEntry | undefined {
  const m = /^(\S+) (stdout|stderr) ([FP]) (.*)$/s.exec(line);
  if (!m) return undefined;
  const time = Date.parse(m[1]);
  if (Number.isNaN(time)) return undefined;
  return { timestamp: m[1], time, stream: m[2] as 'stdout' | 'stderr', partial: m[3] === 'P', content: m[4] };
}

/** The kubelet's --timestamps format: always nine fractional digits. */
export function formatTimestamp(ts: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(ts);
  if (!m) return ts;
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0').slice(0, 9)}${m[3]}`;
}

export interface LogOptions {
  follow?: boolean;
  /** Only the last N lines. */
  tailLines?: number;
  /** Only lines at or after this time (sinceSeconds is converted by the caller). */
  since?: Date;
  timestamps?: boolean;
  /** Stop after this many bytes. */
  limitBytes?: number;
  /** While following: how often to look for more (ms). */
  pollMs?: number;
}

function parseEntries(text: string): LogEntry[] {
  return text.split('\n').filter(Boolean).map(parseLogLine).filter((e): e is LogEntry => !!e);
}

function render(entry: LogEntry, timestamps: boolean | undefined): string {
  return `${timestamps ? formatTimestamp(entry.timestamp) + ' ' : ''}${entry.content}${entry.partial ? '' : '\n'}`;
}

/**
 * Reads a container log file as `kubectl logs` shows it. With follow, keeps reading new lines
 * until `isRunning()` turns false and the file is drained; destroying the stream stops it.
 */
export function readContainerLog(path: string, opts: LogOptions, isRunning: () => boolean = () => false): Readable {
  async function* lines(): AsyncGenerator<string> {
    let budget = opts.limitBytes ?? Infinity;
    const since = opts.since?.getTime();
    const emit = function* (entries: LogEntry[]): Generator<string, boolean> {
      for (const e of entries) {
        if (since !== undefined && e.time < since) continue;
        let text = render(e, opts.timestamps);
        const bytes = Buffer.byteLength(text);
        if (bytes > budget) text = Buffer.from(text).subarray(0, budget).toString();
        budget -= Buffer.byteLength(text);
        if (text) yield text;
        if (budget <= 0) return false;
      }
      return true;
    };

    const file = await open(path, 'r');
    try {
      // Whole lines only: an unterminated last line is read again once complete.
      const start = await file.readFile();
      let offset = start.lastIndexOf(0x0a) + 1;
      let entries = parseEntries(start.subarray(0, offset).toString());
      if (opts.tailLines !== undefined) entries = opts.tailLines > 0 ? entries.slice(-opts.tailLines) : [];
      if (!(yield* emit(entries)) || !opts.follow) return;

      const poll = opts.pollMs ?? 200;
      for (;;) {
        const running = isRunning();
        const size = (await file.stat()).size;
        if (size > offset) {
          const buf = Buffer.alloc(size - offset);
          await file.read(buf, 0, buf.length, offset);
          const end = buf.lastIndexOf(0x0a) + 1;
          offset += end;
          if (!(yield* emit(parseEntries(buf.subarray(0, end).toString())))) return;
          if (end > 0) continue;
        }
        if (!running) return;
        await new Promise((resolve) => setTimeout(resolve, poll));
      }
    } finally {
      await file.close();
    }
  }
  return Readable.from(lines(), { objectMode: false });
}
