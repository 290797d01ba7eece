// The node agent's server on <node IP>:10250, as kubelet's: HTTPS that only clients with a
// certificate from the cluster CA may use (the API server), serving /healthz, container logs,
// and exec, attach and port-forward (upgraded connections in the protocols kubectl speaks).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { errors, isApiError } from '../../kube/errors.js';
import type { Pod } from '../../kube/types.js';
import { podLogQuery, type PodLogQuery } from '../../kube/query.js';
import { rejectUpgradeText, serveExec, servePortForward, type StreamingConnection } from '../streaming/index.js';
import type { Informer } from '../../client/informer.js';
import type { PodRuntime } from '../runtime/index.js';

export interface AgentServerOptions {
  tls: { caPem: string; certPem: string; keyPem: string };
  pods: Informer<Pod>;
  runtime: PodRuntime;
  log: (line: string) => void;
}

function fail(res: ServerResponse, err: unknown): void {
  const status = isApiError(err) ? err.status : errors.badRequest((err as Error)?.message ?? String(err)).status;
  if (res.headersSent) { res.end(); return; }
  const body = JSON.stringify(status);
  res.writeHead(status.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function rejectUpgrade(socket: Duplex, err: unknown): void {
  const status = isApiError(err) ? err.status : errors.badRequest((err as Error)?.message ?? String(err)).status;
  const body = JSON.stringify(status);
  socket.end(`HTTP/1.1 ${status.code} Error\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

export class AgentServer {
  private readonly server: Server;
  private readonly streams = new Set<StreamingConnection>();

  constructor(private readonly o: AgentServerOptions) {
    this.server = createServer({ ca: o.tls.caPem, cert: o.tls.certPem, key: o.tls.keyPem, requestCert: true, rejectUnauthorized: true, requestTimeout: 0 });
    this.server.on('request', (req, res) => void this.serve(req, res).catch((err) => fail(res, err)));
    this.server.on('upgrade', (req, socket, head) => {
      try {
        this.upgrade(req, socket, head);
      } catch (err) {
        rejectUpgrade(socket, err);
      }
    });
    this.server.on('tlsClientError', () => undefined);
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => { this.server.off('error', reject); resolve(); });
    });
  }

  async close(): Promise<void> {
    for (const s of this.streams) s.close();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private pod(ns: string, name: string): Pod {
    const pod = this.o.pods.get(ns, name);
    if (!pod) throw errors.notFound({ group: '', resource: 'pods' }, name);
    return pod;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!(req.socket as TLSSocket).authorized) throw errors.unauthorized();
    const url = new URL(req.url ?? '/', 'https://node');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] === 'healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (parts[0] === 'containerLogs' && parts.length === 4) {
      const [, ns, name, container] = parts;
      const pod = this.pod(ns, name);
      // Decoded as the kubelet decodes PodLogOptions (follow=True, tailLines=10, ...).
      let o: PodLogQuery;
      try {
        o = podLogQuery(url.searchParams);
      } catch {
        throw errors.badRequest('{"message": "Unable to decode query."}');
      }
      const stream = this.o.runtime.logs(pod.metadata.uid!, container, {
        follow: o.follow, previous: o.previous, timestamps: o.timestamps, tailLines: o.tailLines, sinceSeconds: o.sinceSeconds,
        sinceTime: o.sinceTime?.toISOString(), limitBytes: o.limitBytes,
      });
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
      stream.pipe(res);
      req.on('close', () => stream.destroy());
      stream.on('error', (err) => { res.end(); this.o.log(`logs of ${ns}/${name}: ${err.message}`); });
      return;
    }
    throw errors.notFound({ group: '', resource: '' }, url.pathname);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!(req.socket as TLSSocket).authorized) throw errors.unauthorized();
    const url = new URL(req.url ?? '/', 'https://node');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const keep = (c: StreamingConnection | undefined) => {
      if (!c) return;
      this.streams.add(c);
      void c.closed.then(() => this.streams.delete(c));
    };
    if ((parts[0] === 'exec' || parts[0] === 'attach') && parts.length === 4) {
      const [kind, ns, name, container] = parts;
      const pod = this.o.pods.get(ns, name);
      if (!pod) return rejectUpgradeText(socket, 404, 'pod does not exist');
      const uid = pod.metadata.uid!;
      // As the kubelet's GetExec/GetAttach: only a running container is there to enter; kubectl
      // prints "unable to upgrade connection: <this>".
      if (!this.o.runtime.isRunning(uid, container)) {
        return rejectUpgradeText(socket, 500, kind === 'exec' ? `container not found (${JSON.stringify(container)})` : `container ${container} not found in pod ${name}_${ns}`);
      }
      keep(serveExec(req, socket, head, async (session) => {
        if (kind === 'exec') {
          const proc = this.o.runtime.exec(uid, container, { command: session.command, stdin: !!session.stdin, tty: session.tty });
          if (session.stdin && proc.stdin) session.stdin.pipe(proc.stdin);
          if (session.stdout) proc.stdout.pipe(session.stdout, { end: false });
          if (session.stderr) proc.stderr.pipe(session.stderr, { end: false });
          session.resize.on('resize', (s: { width: number; height: number }) => proc.resize(s.width, s.height));
          session.signal.addEventListener('abort', () => proc.kill());
          const code = await proc.exit;
          await Promise.all([new Promise((r) => (proc.stdout.readableEnded ? r(0) : proc.stdout.once('end', r))), new Promise((r) => (proc.stderr.readableEnded ? r(0) : proc.stderr.once('end', r)))]);
          return code;
        }
        // A container that ended since the check: containerd's words, as the kubelet reports them.
        const attachFailed = (err: unknown) => errors.internal(new Error(`error attaching to container: ${(err as Error)?.message ?? err}`));
        let att: ReturnType<PodRuntime['attach']>;
        try {
          att = this.o.runtime.attach(uid, container, { stdin: !!session.stdin, stdout: !!session.stdout, stderr: !!session.stderr });
        } catch (err) {
          throw attachFailed(err);
        }
        if (session.stdin && att.stdin) session.stdin.pipe(att.stdin);
        if (session.stdout) att.stdout.pipe(session.stdout, { end: false });
        if (session.stderr) att.stderr.pipe(session.stderr, { end: false });
        session.resize.on('resize', (s: { width: number; height: number }) => att.resize(s.width, s.height));
        session.signal.addEventListener('abort', () => att.close());
        try {
          await att.exit;
        } catch (err) {
          throw attachFailed(err);
        } finally {
          att.close();
        }
        // As the kubelet's attach: Success when the streams end, whatever the container's exit
        // code (kubectl run -it reads that from the pod's status; an error here would make it
        // fall back to printing the logs a second time).
        return 0;
      }));
      return;
    }
    if (parts[0] === 'portForward' && parts.length === 3) {
      const [, ns, name] = parts;
      const pod = this.o.pods.get(ns, name);
      if (!pod) return rejectUpgradeText(socket, 404, 'pod does not exist');
      const uid = pod.metadata.uid!;
      // As the kubelet's GetPortForward: the pod's sandbox must run.
      if (!this.o.runtime.sandboxRunning(uid)) return rejectUpgradeText(socket, 500, `pod not found (${JSON.stringify(`${name}_${ns}`)})`);
      // As the container runtime does it: a connection to localhost:<port> inside the pod.
      keep(servePortForward(req, socket, head, (port) => this.o.runtime.portForward(uid, port), { pod: name, uid }));
      return;
    }
    throw errors.notFound({ group: '', resource: '' }, url.pathname);
  }
}
