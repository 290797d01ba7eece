// The policy component's HTTP endpoints, on its node (hostNetwork):
//   GET /healthz                        200 once the first sync is done and the last one succeeded
//   GET /pod-ready?uid=U&ip=A&timeout=5s   200 once the kernel holds the rules for pod U at address A,
//                                       504 if that has not happened within the timeout. The node
//                                       agent asks before a pod's containers start, so a pod in an
//                                       isolated namespace is isolated before it runs (as Calico's
//                                       CNI plugin waits for Felix).
//   GET /metrics                        Prometheus text: syncs, failures, last sync, logged connections

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseGoDuration } from '../common/go-duration.js';
import type { DenialLog } from './denials.js';
import type { PolicyEnforcer } from './enforcer.js';

export const POLICY_PORT = 9080;
const MAX_WAIT_MS = 30_000;

export class PolicyServer {
  private server?: Server;

  constructor(private readonly enforcer: PolicyEnforcer, private readonly denials?: DenialLog) {}

  async start(host: string, port: number): Promise<AddressInfo> {
    const server = createServer((req, res) => void this.handle(req, res).catch(() => res.destroy()));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return server.address() as AddressInfo;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const text = (status: number, body: string) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(body);
    };
    const s = this.enforcer.status;
    switch (url.pathname) {
      case '/healthz':
        return s.synced && s.failures === 0 ? text(200, 'ok\n') : text(503, s.synced ? 'the last sync failed\n' : 'not synced yet\n');
      case '/pod-ready': {
        const uid = url.searchParams.get('uid');
        const ip = url.searchParams.get('ip');
        if (!uid || !ip) return text(400, 'uid and ip are required\n');
        let timeout: number;
        try {
          timeout = Math.min(parseGoDuration(url.searchParams.get('timeout') ?? '5s'), MAX_WAIT_MS);
        } catch (err) {
          return text(400, `timeout: ${(err as Error).message}\n`);
        }
        const ok = await this.enforcer.waitProgrammed(uid, ip, timeout);
        return ok ? text(200, 'programmed\n') : text(504, `the rules for pod ${uid} at ${ip} are not programmed yet\n`);
      }
      case '/metrics': {
        const lines = [
          '# TYPE knit_netpol_syncs_total counter', `knit_netpol_syncs_total ${s.syncs}`,
          '# TYPE knit_netpol_sync_failures_total counter', `knit_netpol_sync_failures_total ${s.failures}`,
          '# TYPE knit_netpol_last_sync_seconds gauge', `knit_netpol_last_sync_seconds ${(s.lastSyncMs / 1000).toFixed(6)}`,
        ];
        const policy = this.enforcer.policy;
        if (policy) {
          lines.push('# TYPE knit_netpol_isolated_pods gauge',
            `knit_netpol_isolated_pods{direction="ingress"} ${policy.ingress.members.size}`,
            `knit_netpol_isolated_pods{direction="egress"} ${policy.egress.members.size}`);
        }
        if (this.denials) {
          lines.push('# TYPE knit_netpol_logged_connections_total counter',
            `knit_netpol_logged_connections_total{verdict="denied"} ${this.denials.counts.denied}`,
            `knit_netpol_logged_connections_total{verdict="audit"} ${this.denials.counts.audited}`,
            `knit_netpol_logged_connections_total{verdict="suppressed"} ${this.denials.counts.suppressed}`);
        }
        return text(200, lines.join('\n') + '\n');
      }
      default:
        return text(404, 'not found\n');
    }
  }
}
