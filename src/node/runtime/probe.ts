// Container probes as the kubelet runs them (pkg/probe, pkg/kubelet/prober): httpGet and tcpSocket
// from the node against the pod IP, exec inside the container; results pass failureThreshold and
// successThreshold before they count; failures are reported in the kubelet's words.

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { Container, IntOrString, Probe } from '../../kube/types.js';
import { goDialError, goHttpGetError, joinHostPort } from '../../images/goerrors.js';

export const KUBE_PROBE_USER_AGENT = 'kube-probe/1.32';
const MAX_BODY = 10 * 1024;
const MAX_REDIRECTS = 10;

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** success, failure, warning (success with a note), or error (the probe could not run: ignored). */
export interface ProbeOutcome {
  result: 'success' | 'failure' | 'warning' | 'error';
  output: string;
}

/** A network probe resolved to an address: what runs in the node's namespace. */
export type NetworkProbe =
  | { type: 'http'; url: string; headers: Record<string, string>; timeoutMs: number }
  | { type: 'tcp'; host: string; port: number; timeoutMs: number };

export function resolveProbePort(port: IntOrString, container: Container): number {
  let n: number;
  if (typeof port === 'number') n = port;
  else {
    const named = container.ports?.find((p) => p.name === port);
    n = named ? named.containerPort : /^\d+$/.test(port) ? Number(port) : NaN;
    if (Number.isNaN(n)) throw new Error(`couldn't find port: ${port} in ${container.name}`);
  }
  if (!(n > 0 && n < 65536)) throw new Error(`invalid port number: ${n}`);
  return n;
}

/** The network part of a probe against `podIP`, with the kubelet's defaults. */
export function networkProbe(probe: Probe, container: Container, podIP: string): NetworkProbe | undefined {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) {
    const h = probe.httpGet;
    const scheme = (h.scheme ?? 'HTTP').toLowerCase();
    const path = h.path ?? '';
    const url = `${scheme}://${joinHostPort(h.host || podIP, resolveProbePort(h.port, container))}${path && !path.startsWith('/') ? '/' : ''}${path}`;
    const headers: Record<string, string> = {};
    for (const { name, value } of h.httpHeaders ?? []) headers[name] = value;
    const has = (name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name);
    if (!has('user-agent')) headers['User-Agent'] = KUBE_PROBE_USER_AGENT;
    if (!has('accept')) headers.Accept = '*/*';
    return { type: 'http', url, headers, timeoutMs };
  }
  if (probe.tcpSocket) return { type: 'tcp', host: probe.tcpSocket.host || podIP, port: resolveProbePort(probe.tcpSocket.port, container), timeoutMs };
  return undefined;
}

function httpGet(url: string, headers: Record<string, string>, deadline: number): Promise<{ res: IncomingMessage; body: string }> {
  const u = new URL(url);
  const get = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // A Host entry among the probe's httpHeaders replaces the default Host header.
    const req = get(u, { method: 'GET', headers: { ...headers, Connection: 'close' }, rejectUnauthorized: false, timeout: Math.max(1, deadline - Date.now()) }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => { if (body.length < MAX_BODY) body += chunk.toString().slice(0, MAX_BODY - body.length); });
      res.on('end', () => resolve({ res, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', reject);
    req.end();
  });
}

/** pkg/probe/http: 200-399 succeeds; redirects are followed on the same host only. */
export async function runHttpProbe(url: string, headers: Record<string, string>, timeoutMs: number): Promise<ProbeOutcome> {
  const deadline = Date.now() + timeoutMs;
  let current = url;
  for (let hops = 0; ; hops++) {
    // Go's address always names the port, also a scheme's default one the URL leaves out.
    const u = new URL(current);
    const address = joinHostPort(u.hostname.replace(/^\[|\]$/g, ''), u.port || (u.protocol === 'https:' ? 443 : 80));
    let reply: { res: IncomingMessage; body: string };
    try {
      reply = await httpGet(current, headers, deadline);
    } catch (err) {
      return { result: 'failure', output: goHttpGetError(err as Error, current, address) };
    }
    const code = reply.res.statusCode ?? 0;
    const location = reply.res.headers.location;
    if (code >= 300 && code < 400 && location && hops < MAX_REDIRECTS) {
      const next = new URL(location, current);
      if (next.hostname === new URL(current).hostname) {
        current = next.toString();
        continue;
      }
      return { result: 'warning', output: `Probe terminated redirects, Response body: ${reply.body}` };
    }
    if (code >= 200 && code < 400) return { result: 'success', output: reply.body };
    return { result: 'failure', output: `HTTP probe failed with statuscode: ${code}` };
  }
}

/** pkg/probe/tcp: a connection that opens within the timeout succeeds. */
export function runTcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const address = joinHostPort(host, port);
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ result: 'failure', output: `dial tcp ${address}: i/o timeout` });
    }, timeoutMs);
    socket.on('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ result: 'success', output: '' });
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      resolve({ result: 'failure', output: goDialError(err, 'tcp', address) });
    });
  });
}

export function runNetworkProbe(p: NetworkProbe): Promise<ProbeOutcome> {
  return p.type === 'http' ? runHttpProbe(p.url, p.headers, p.timeoutMs) : runTcpProbe(p.host, p.port, p.timeoutMs);
}

export interface ProbeWorkerOptions {
  kind: ProbeKind;
  probe: Probe;
  /** Runs the probe once. */
  run: () => Promise<ProbeOutcome>;
  /** When the container run started (ms since epoch). */
  startedAt: number;
  /** Liveness and readiness wait for the startup probe. */
  isStarted: () => boolean;
  /** The probe's result, once it passed its threshold (true: success). */
  onResult: (success: boolean) => void;
  /** Each failed or noteworthy run, for the Unhealthy / ProbeWarning events. */
  onEvent: (type: 'Warning', reason: 'Unhealthy' | 'ProbeWarning', message: string) => void;
}

const KIND_NAMES: Record<ProbeKind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

/** One probe of one container run, on its period until stopped (kubelet prober/worker.go). */
export class ProbeWorker {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private lastResult: boolean | undefined;
  private resultRun = 0;
  private onHold = false;
  private running = false;

  constructor(private readonly opts: ProbeWorkerOptions) {}

  start(): void {
    const delay = Math.max(0, this.opts.startedAt + (this.opts.probe.initialDelaySeconds ?? 0) * 1000 - Date.now());
    this.schedule(delay);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.running) return;
    this.running = true;
    try {
      await this.probeOnce();
    } finally {
      this.running = false;
      this.schedule((this.opts.probe.periodSeconds ?? 10) * 1000);
    }
  }

  private async probeOnce(): Promise<void> {
    const { kind, probe } = this.opts;
    if (this.onHold) return;
    const started = this.opts.isStarted();
    if (kind === 'startup' && started) return;
    if (kind !== 'startup' && !started) return;
    const outcome = await this.opts.run();
    if (this.stopped || outcome.result === 'error') return;
    const name = KIND_NAMES[kind];
    if (outcome.result === 'failure') this.opts.onEvent('Warning', 'Unhealthy', `${name} probe failed: ${outcome.output}`);
    if (outcome.result === 'warning') this.opts.onEvent('Warning', 'ProbeWarning', `${name} probe warning: ${outcome.output}`);
    const success = outcome.result !== 'failure';
    if (this.lastResult === success) this.resultRun++;
    else {
      this.lastResult = success;
      this.resultRun = 1;
    }
    if ((!success && this.resultRun < (probe.failureThreshold ?? 3)) || (success && this.resultRun < (probe.successThreshold ?? 1))) return;
    this.opts.onResult(success);
    if (!success && kind !== 'readiness') {
      // The container will be restarted: stop probing this run.
      this.onHold = true;
      this.resultRun = 0;
    }
  }
}
