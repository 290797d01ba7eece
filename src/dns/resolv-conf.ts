// Upstream resolvers from a resolv.conf, as the forward plugin reads "/etc/resolv.conf". Loopback
// nameservers (a stub such as systemd-resolved's 127.0.0.53) are skipped: inside the DNS pod's
// network namespace they reach nothing, or this very server, and forwarding there would loop.
// When only loopback stubs are listed, systemd-resolved's own upstream list is used, as the
// kubelet does.

import { readFile as fsReadFile } from 'node:fs/promises';
import { parseUpstream } from './corefile.js';

export interface Upstream { host: string; port: number }

export type ReadFile = (path: string) => Promise<string>;

export const SYSTEMD_RESOLVED_UPSTREAMS = '/run/systemd/resolve/resolv.conf';

/** The nameserver lines of a resolv.conf, split into usable upstreams and skipped loopback ones. */
export function parseResolvConf(text: string): { upstreams: Upstream[]; loopback: string[] } {
  const upstreams: Upstream[] = [];
  const loopback: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const m = /^nameserver\s+(\S+)$/.exec(line);
    if (!m) continue;
    const up = parseUpstream(m[1].replace(/%.*$/, ''));
    if (!up) continue;
    if (isLoopback(up.host)) loopback.push(up.host);
    else upstreams.push(up);
  }
  return { upstreams, loopback };
}

export function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

/** Resolves forward's TO list (addresses and resolv.conf paths) to upstream addresses. */
export async function resolveUpstreams(to: string[], readFile: ReadFile = (p) => fsReadFile(p, 'utf8')): Promise<Upstream[]> {
  const out: Upstream[] = [];
  for (const t of to) {
    if (!t.startsWith('/')) {
      const up = parseUpstream(t);
      if (!up) throw new Error(`forward: not an IP address or file: '${t}'`);
      out.push(up);
      continue;
    }
    let parsed = parseResolvConf(await readFile(t));
    if (parsed.upstreams.length === 0 && parsed.loopback.length > 0 && t !== SYSTEMD_RESOLVED_UPSTREAMS) {
      const fallback = await readFile(SYSTEMD_RESOLVED_UPSTREAMS).catch(() => '');
      const more = parseResolvConf(fallback);
      if (more.upstreams.length) parsed = more;
    }
    if (parsed.upstreams.length === 0) {
      const why = parsed.loopback.length ? ` (only loopback nameservers ${parsed.loopback.join(', ')}, which would loop)` : '';
      throw new Error(`forward: no usable nameserver in ${t}${why}`);
    }
    out.push(...parsed.upstreams);
  }
  return out;
}
