// Child processes for whole-cluster tests: run a command to completion with a bounded time, or
// keep one streaming (kubectl get -w) until stop(). Every child is ended by its own pid.

import { spawn, type ChildProcess } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Ends the child (SIGKILL) after this long; the result then has code -1 (default 60 s). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** Runs command to completion; never rejects for a non-zero exit (the caller judges the code). */
export function run(command: string, args: string[], o: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: o.env, cwd: o.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killQuietly(child, 'SIGKILL');
    }, o.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.stdin.on('error', () => { /* the child may exit before reading all of its input */ });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      let stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) stderr += `\n[${command} ${args.join(' ')}: killed after ${o.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms]`;
      resolve({ code: timedOut ? -1 : code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
    child.stdin.end(o.input ?? '');
  });
}

/** A long-running child whose output is collected as it comes. */
export class StreamingProcess {
  private readonly child: ChildProcess;
  private out = '';
  private err = '';
  private readonly exited: Promise<number>;
  private readonly listeners = new Set<() => void>();

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => {
      this.out += d.toString('utf8');
      for (const l of this.listeners) l();
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.err += d.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.once('close', (code) => {
      for (const l of this.listeners) l();
      resolve(code ?? -1);
    }));
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  /**
   * Resolves once stdout satisfies until; rejects when the child exits first or after timeoutMs,
   * with what was seen.
   */
  waitForOutput(what: string, until: (stdout: string) => boolean, timeoutMs = 60_000): Promise<string> {
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (err?: Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.listeners.delete(check);
        if (err) reject(err);
        else resolve(this.out);
      };
      const check = () => {
        if (until(this.out)) finish();
        else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          finish(new Error(`process exited before ${what}; stdout:\n${this.out}\nstderr:\n${this.err}`));
        }
      };
      const timer = setTimeout(() => finish(new Error(`no ${what} after ${timeoutMs} ms; stdout:\n${this.out}\nstderr:\n${this.err}`)), timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  /** Ends the child (by its pid) and waits for it. Idempotent. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) killQuietly(this.child, 'SIGTERM');
    await this.exited;
  }
}

function killQuietly(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(child.pid, signal);
  } catch {
    // already gone
  }
}
