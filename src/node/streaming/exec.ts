// What exec and attach share whatever carries them (WebSocket channels or SPDY streams): the
// request's options, the handler that runs the command, and the Status its end is reported as.

import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex, Readable, Writable } from 'node:stream';
import { errors, isApiError } from '../../kube/errors.js';
import type { Status } from '../../kube/types.js';
import { queryBool } from '../../kube/query.js';
import { goList, rejectUpgrade } from './upgrade.js';

export interface TerminalSize {
  width: number;
  height: number;
}

/** What an exec or attach handler gets: the request's options and the streams it asked for. */
export interface ExecSession {
  /** command= values; empty for attach. */
  command: string[];
  /** container= (the API server fills in the default container). */
  container: string;
  stdin: Readable | null;
  stdout: Writable | null;
  /** null when a tty was asked for: a terminal has one output stream. */
  stderr: Writable | null;
  tty: boolean;
  /** Emits 'resize' with a TerminalSize whenever the client's terminal changes size. */
  resize: EventEmitter;
  /** Aborted when the client goes away or the connection is closed: stop the process. */
  signal: AbortSignal;
}

/**
 * Runs the command; resolves with its exit code once its output has been written (after the
 * child's 'close', not 'exit'). A rejection is reported to the client (an ApiError as its Status).
 */
export type ExecHandler = (session: ExecSession) => Promise<number>;

export interface ExecOptions {
  command: string[];
  container: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** The Status sent on the error stream: metav1.Status as the kubelet marshals it (no kind, no code for exits). */
export type ExecStatus = Omit<Status, 'kind' | 'apiVersion' | 'code'> & Partial<Pick<Status, 'kind' | 'apiVersion' | 'code'>>;

/**
 * The exec/attach query: command=, container=, stdin=, stdout=, stderr=, tty=. Booleans read as the
 * API server converts PodExecOptions (stdin=True, stdin=1, ...). Throws when no stream is asked for.
 */
export function parseExecOptions(req: IncomingMessage): ExecOptions {
  const q = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const tty = queryBool(q, 'tty');
  const opts: ExecOptions = {
    command: q.getAll('command'),
    container: q.get('container') ?? '',
    stdin: queryBool(q, 'stdin'),
    stdout: queryBool(q, 'stdout'),
    // A terminal has no separate stderr; upstream drops it rather than failing.
    stderr: queryBool(q, 'stderr') && !tty,
    tty,
  };
  if (!opts.stdin && !opts.stdout && !opts.stderr) throw new Error('you must specify at least 1 of stdin, stdout, stderr');
  return opts;
}

/** The request's options, or undefined once a bad request has been answered with 400. */
export function execOptionsOrReject(req: IncomingMessage, socket: Duplex): ExecOptions | undefined {
  try {
    return parseExecOptions(req);
  } catch (err) {
    rejectUpgrade(socket, 400, (err as Error).message);
    return undefined;
  }
}

/** A resize message: {"Width":W,"Height":H}; undefined for anything else (ignored, as the kubelet does). */
export function parseTerminalSize(text: string): TerminalSize | undefined {
  try {
    const size = JSON.parse(text) as { Width?: unknown; Height?: unknown };
    if (typeof size.Width === 'number' && typeof size.Height === 'number') return { width: size.Width, height: size.Height };
  } catch {
    // not JSON
  }
  return undefined;
}

/** The Status an exit code is reported as (the kubelet's words; clients read the ExitCode cause). */
export function exitStatus(code: number, command: string[]): ExecStatus {
  if (code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command ${goList(command)}, exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

function failureStatus(err: unknown): ExecStatus {
  if (isApiError(err)) return err.status;
  const message = err instanceof Error ? err.message : String(err);
  return errors.internal(new Error(`error executing command in container: ${message}`)).status;
}

export interface ExecStreams {
  stdin: Readable | null;
  stdout: Writable | null;
  stderr: Writable | null;
  resize: EventEmitter;
  signal: AbortSignal;
}

/** Runs the handler, waits until all it wrote has gone out, and returns the Status to report. */
export async function runExec(handler: ExecHandler, opts: ExecOptions, streams: ExecStreams): Promise<ExecStatus> {
  let status: ExecStatus;
  try {
    status = exitStatus(await handler({ ...streams, command: opts.command, container: opts.container, tty: opts.tty }), opts.command);
  } catch (err) {
    status = failureStatus(err);
  }
  await Promise.all([streams.stdout, streams.stderr].map((w) => w && new Promise<void>((resolve) => w.end(() => resolve()))));
  return status;
}
