// Test support: a namespace that plays "the host" (so routeHost and crash tests never touch the
// real host), a way to run topology operations inside it, and a normalized snapshot of a
// namespace's links, addresses, routes, rules and firewall rules.

import { fileURLToPath } from 'node:url';
import { ipBatch, netnsAdd, run, spawnInNetns, sysctls, type OwnedProcess } from '../../../platform/index.js';

/** Creates a stand-in host namespace with an uplink, a default route and the given extra routes. */
export async function createStandInHost(name: string, extraRoutes: string[] = []): Promise<void> {
  await netnsAdd(name);
  // No IPv6: its address autoconfiguration would change the snapshot while a test runs.
  await sysctls(name, { 'net.ipv6.conf.all.disable_ipv6': 1, 'net.ipv6.conf.default.disable_ipv6': 1 });
  await ipBatch([
    'link set lo up',
    'link add uplink0 type bridge',
    'addr add 198.51.100.2/24 dev uplink0',
    'link set uplink0 up',
    'route add default via 198.51.100.1 dev uplink0',
    ...extraRoutes,
  ], name);
}

function helperArgv(): string[] {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const script = fileURLToPath(new URL(`./run-topology${ext}`, import.meta.url));
  return [...(ext === '.ts' ? ['--import', import.meta.resolve('tsx')] : []), script];
}

/**
 * Starts a topology operation in a process inside netns (nsenter: the process shares our mount
 * namespace, so the namespaces it creates are visible to all). It leads its own process group,
 * so a kill reaches the ip processes it started too.
 */
export function startTopologyOp(netns: string, req: object, onLine?: (line: string) => void): OwnedProcess & { output: Promise<string[]> } {
  const proc = spawnInNetns(netns, process.execPath, [...helperArgv(), JSON.stringify(req)], {
    via: 'nsenter', detached: true, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let buf = '';
  proc.child.stdout!.on('data', (b: Buffer) => {
    buf += b.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      onLine?.(line);
    }
  });
  return Object.assign(proc, { output: proc.exited.then(() => lines) });
}

/** Runs an operation to its end; returns its result, or throws its error. */
export async function topologyOp<T = any>(netns: string, req: object): Promise<T> {
  const lines = await startTopologyOp(netns, req).output;
  const last = lines[lines.length - 1] ?? '';
  if (last.startsWith('result ')) return JSON.parse(last.slice(7)) as T;
  throw new Error(last.startsWith('error ') ? last.slice(6) : `topology helper printed: ${lines.join(' | ')}`);
}

/**
 * What a namespace's network looks like, without what changes by itself: address lifetimes and
 * DAD state, route expiry, bridge timers, packet counters, iptables-save's timestamp comments.
 */
export async function networkSnapshot(netns?: string): Promise<Record<string, string>> {
  const cmd = async (c: string, args: string[]) => (await run(c, args, { netns })).stdout;
  const snap = {
    links: (await cmd('ip', ['-d', 'link', 'show'])).replace(/(hello_timer|tcn_timer|topology_change_timer|gc_timer)\s+[\d.]+/g, '$1'),
    addresses: (await cmd('ip', ['addr', 'show'])).replace(/valid_lft \S+ preferred_lft \S+/g, 'lft').replace(/ tentative/g, ''),
    routes: (await cmd('ip', ['route', 'show', 'table', 'all'])).replace(/expires \d+sec/g, ''),
    routes6: (await cmd('ip', ['-6', 'route', 'show', 'table', 'all'])).replace(/expires \d+sec/g, ''),
    rules: await cmd('ip', ['rule', 'show']),
    rules6: await cmd('ip', ['-6', 'rule', 'show']),
    nft: (await cmd('nft', ['list', 'ruleset'])).replace(/counter packets \d+ bytes \d+/g, 'counter'),
    iptables: (await cmd('iptables-save', [])).split('\n').filter((l) => !l.startsWith('#')).join('\n').replace(/\[\d+:\d+\]/g, '[]'),
  };
  return snap;
}
