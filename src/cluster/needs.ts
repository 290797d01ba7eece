// What `knit up` needs from the system to build nodes, and getting it: as root on Debian or
// Ubuntu the missing packages are installed with apt-get (saying so); elsewhere the one command
// that installs them is printed.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { StartError } from './controlplane.js';

/** Each tool knit runs, and the Debian package that has it. */
export const SYSTEM_NEEDS: { tool: string; paths: string[]; pkg: string }[] = [
  { tool: 'ip', paths: ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'], pkg: 'iproute2' },
  { tool: 'bridge', paths: ['/usr/sbin/bridge', '/sbin/bridge'], pkg: 'iproute2' },
  { tool: 'iptables-restore', paths: ['/usr/sbin/iptables-restore', '/sbin/iptables-restore'], pkg: 'iptables' },
  { tool: 'nft', paths: ['/usr/sbin/nft', '/sbin/nft'], pkg: 'nftables' },
  { tool: 'conntrack', paths: ['/usr/sbin/conntrack', '/sbin/conntrack'], pkg: 'conntrack' },
  { tool: 'busybox', paths: ['/usr/bin/busybox', '/bin/busybox'], pkg: 'busybox' },
  { tool: 'curl', paths: ['/usr/bin/curl'], pkg: 'curl' },
  { tool: 'nsenter', paths: ['/usr/bin/nsenter'], pkg: 'util-linux' },
  { tool: 'script', paths: ['/usr/bin/script'], pkg: 'util-linux' },
  { tool: 'nginx', paths: ['/usr/sbin/nginx'], pkg: 'nginx-light' },
];

export function missingPackages(): string[] {
  const pkgs = new Set<string>();
  for (const n of SYSTEM_NEEDS) if (!n.paths.some((p) => existsSync(p))) pkgs.add(n.pkg);
  return [...pkgs];
}

function isDebianLike(): boolean {
  try {
    return /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(readFileSync('/etc/os-release', 'utf8')) && existsSync('/usr/bin/apt-get');
  } catch {
    return false;
  }
}

/** Installs what is missing (root on Debian/Ubuntu) or explains how; info() reports what it does. */
export function ensureSystemNeeds(info: (line: string) => void): void {
  const missing = missingPackages();
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (!isDebianLike() || process.getuid?.() !== 0) {
    throw new StartError(`knit needs ${missing.join(', ')}, which this machine lacks. Install them (on Debian or Ubuntu: sudo sh -c '${command}') and run knit up again.`);
  }
  info(` • Installing what knit needs: ${missing.join(' ')} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: ['ignore', 'ignore', 'pipe'], env });
  if (r.status !== 0) throw new StartError(`installing ${missing.join(' ')} failed: ${r.stderr?.toString().trim()}. Run "${command}" by hand and try again.`);
  const still = missingPackages();
  if (still.length) throw new StartError(`after installing, knit still lacks ${still.join(', ')}`);
}
