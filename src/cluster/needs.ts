// What `knit up` needs from the system to build nodes, and getting it: as root on Debian or
// Ubuntu the missing packages are installed with apt-get (saying so); elsewhere the one command
// that installs them is printed. nginx is optional: without it the nginx image answers with a
// built-in server, so it is installed along when apt-get runs anyway but never blocks a start.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { StartError } from './errors.js';

export interface SystemNeed {
  tool: string;
  paths: string[];
  /** The Debian package that has it. */
  pkg: string;
  /** knit runs without it, and this is what the user misses. */
  optional?: string;
}

const NGINX_NOTE = 'nginx is not installed: pods of the nginx image answer with a built-in server giving nginx\'s welcome page';
const ULOGD_NOTE = 'ulogd2 (with ulogd2-json) is not installed: NetworkPolicy is enforced, but denied connections are not logged';

/** Each tool knit runs. */
export const SYSTEM_NEEDS: SystemNeed[] = [
  { tool: 'ip', paths: ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'], pkg: 'iproute2' },
  { tool: 'bridge', paths: ['/usr/sbin/bridge', '/sbin/bridge'], pkg: 'iproute2' },
  { tool: 'iptables-restore', paths: ['/usr/sbin/iptables-restore', '/sbin/iptables-restore'], pkg: 'iptables' },
  { tool: 'nft', paths: ['/usr/sbin/nft', '/sbin/nft'], pkg: 'nftables' },
  { tool: 'conntrack', paths: ['/usr/sbin/conntrack', '/sbin/conntrack'], pkg: 'conntrack' },
  { tool: 'busybox', paths: ['/usr/bin/busybox', '/bin/busybox'], pkg: 'busybox' },
  { tool: 'curl', paths: ['/usr/bin/curl'], pkg: 'curl' },
  { tool: 'nsenter', paths: ['/usr/bin/nsenter'], pkg: 'util-linux' },
  { tool: 'script', paths: ['/usr/bin/script'], pkg: 'util-linux' },
  { tool: 'nginx', paths: ['/usr/sbin/nginx'], pkg: 'nginx-light', optional: NGINX_NOTE },
  // The policy component's reader of denied packets (NFLOG).
  { tool: 'ulogd', paths: ['/usr/sbin/ulogd'], pkg: 'ulogd2', optional: ULOGD_NOTE },
  { tool: 'ulogd JSON output', paths: ['/usr/lib/x86_64-linux-gnu/ulogd/ulogd_output_JSON.so', '/usr/lib/aarch64-linux-gnu/ulogd/ulogd_output_JSON.so'], pkg: 'ulogd2-json', optional: ULOGD_NOTE },
];

/** The packages whose tools are missing, required and optional apart. */
export function missingPackages(exists: (path: string) => boolean = existsSync): { required: string[]; optional: string[] } {
  const required = new Set<string>();
  const optional = new Set<string>();
  for (const n of SYSTEM_NEEDS) if (!n.paths.some(exists)) (n.optional ? optional : required).add(n.pkg);
  return { required: [...required], optional: [...optional].filter((p) => !required.has(p)) };
}

export function isDebianLike(osRelease: string | undefined, hasAptGet: boolean): boolean {
  return !!osRelease && /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(osRelease) && hasAptGet;
}

/** What to do about the system: nothing, install with apt-get, or stop and explain. */
export type NeedsPlan =
  | { action: 'none'; note?: string }
  | { action: 'install'; packages: string[]; announce: string; command: string }
  | { action: 'refuse'; message: string };

export function planSystemNeeds(missing: { required: string[]; optional: string[] }, o: { debianLike: boolean; root: boolean }): NeedsPlan {
  const canInstall = o.debianLike && o.root;
  if (missing.required.length === 0) {
    if (missing.optional.length === 0) return { action: 'none' };
    const notes = new Set(SYSTEM_NEEDS.filter((n) => n.optional && missing.optional.includes(n.pkg)).map((n) => n.optional!));
    return { action: 'none', note: [...notes].join('; ') };
  }
  // Optional packages come along when apt-get runs anyway.
  const packages = canInstall ? [...missing.required, ...missing.optional] : missing.required;
  const command = `apt-get update && apt-get install -y ${packages.join(' ')}`;
  if (!canInstall) {
    const how = o.debianLike ? `sudo sh -c '${command}'` : `on Debian or Ubuntu: sudo sh -c '${command}'; elsewhere, your system's packages of the same names`;
    return { action: 'refuse', message: `knit needs ${missing.required.join(', ')}, which this machine lacks. Install them (${how}) and run knit up again.` };
  }
  return { action: 'install', packages, command, announce: ` • Installing what knit needs: ${packages.join(' ')} (apt-get)` };
}

function readOsRelease(): string | undefined {
  try {
    return readFileSync('/etc/os-release', 'utf8');
  } catch {
    return undefined;
  }
}

/** Installs what is missing (root on Debian/Ubuntu) or explains how; info() reports what it does. */
export function ensureSystemNeeds(info: (line: string) => void): void {
  const plan = planSystemNeeds(missingPackages(), { debianLike: isDebianLike(readOsRelease(), existsSync('/usr/bin/apt-get')), root: process.getuid?.() === 0 });
  if (plan.action === 'none') {
    if (plan.note) info(` • Note: ${plan.note}`);
    return;
  }
  if (plan.action === 'refuse') throw new StartError(plan.message);
  info(plan.announce);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...plan.packages], { stdio: ['ignore', 'ignore', 'pipe'], env });
  if (r.status !== 0) throw new StartError(`installing ${plan.packages.join(' ')} failed: ${r.stderr?.toString().trim()}. Run "${plan.command}" by hand and try again.`);
  const still = missingPackages().required;
  if (still.length) throw new StartError(`after installing, knit still lacks ${still.join(', ')}`);
}
