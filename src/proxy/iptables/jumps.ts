// The rules kube-proxy adds to the built-in chains (PREROUTING, INPUT, FORWARD, OUTPUT,
// POSTROUTING) to reach its own chains, found and removed by reading iptables-save output.

import { isIptablesServiceChain } from '../names.js';

export interface JumpRule {
  table: 'filter' | 'nat';
  chain: string;
  target: string;
  /** '' for the kubelet-style KUBE-FIREWALL jumps, which carry no comment. */
  comment: string;
  extra: string[];
}

const NEW = ['-m', 'conntrack', '--ctstate', 'NEW'];

/** upstream's iptablesJumpChains plus the KUBE-FIREWALL jumps kubelet would add. */
export const JUMP_RULES: JumpRule[] = [
  { table: 'filter', chain: 'INPUT', target: 'KUBE-EXTERNAL-SERVICES', comment: 'kubernetes externally-visible service portals', extra: NEW },
  { table: 'filter', chain: 'FORWARD', target: 'KUBE-EXTERNAL-SERVICES', comment: 'kubernetes externally-visible service portals', extra: NEW },
  { table: 'filter', chain: 'INPUT', target: 'KUBE-NODEPORTS', comment: 'kubernetes health check service ports', extra: [] },
  { table: 'filter', chain: 'FORWARD', target: 'KUBE-SERVICES', comment: 'kubernetes service portals', extra: NEW },
  { table: 'filter', chain: 'OUTPUT', target: 'KUBE-SERVICES', comment: 'kubernetes service portals', extra: NEW },
  { table: 'filter', chain: 'FORWARD', target: 'KUBE-FORWARD', comment: 'kubernetes forwarding rules', extra: [] },
  { table: 'filter', chain: 'INPUT', target: 'KUBE-PROXY-FIREWALL', comment: 'kubernetes load balancer firewall', extra: NEW },
  { table: 'filter', chain: 'OUTPUT', target: 'KUBE-PROXY-FIREWALL', comment: 'kubernetes load balancer firewall', extra: NEW },
  { table: 'filter', chain: 'FORWARD', target: 'KUBE-PROXY-FIREWALL', comment: 'kubernetes load balancer firewall', extra: NEW },
  { table: 'nat', chain: 'OUTPUT', target: 'KUBE-SERVICES', comment: 'kubernetes service portals', extra: [] },
  { table: 'nat', chain: 'PREROUTING', target: 'KUBE-SERVICES', comment: 'kubernetes service portals', extra: [] },
  { table: 'nat', chain: 'POSTROUTING', target: 'KUBE-POSTROUTING', comment: 'kubernetes postrouting rules', extra: [] },
  { table: 'filter', chain: 'INPUT', target: 'KUBE-FIREWALL', comment: '', extra: [] },
  { table: 'filter', chain: 'OUTPUT', target: 'KUBE-FIREWALL', comment: '', extra: [] },
];

/** The rule's arguments after "-A CHAIN", in iptables-restore syntax. */
export function jumpRuleSpec(j: JumpRule): string {
  const comment = j.comment ? ['-m', 'comment', '--comment', `"${j.comment}"`] : [];
  return [...j.extra, ...comment, '-j', j.target].join(' ');
}

/** Table name -> its lines in iptables-save output. */
export function saveTables(save: string): Map<string, string[]> {
  const tables = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) tables.set(line.slice(1).trim(), (current = []));
    else if (current && line && !line.startsWith('#') && line !== 'COMMIT') current.push(line);
  }
  return tables;
}

/** Names of the chains a table declares in iptables-save output. */
export function savedChains(lines: string[]): string[] {
  return lines.filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(' ')[0]);
}

function hasJump(lines: string[], j: JumpRule): boolean {
  const prefix = `-A ${j.chain} `;
  return lines.some((l) => {
    if (!l.startsWith(prefix) || !l.endsWith(`-j ${j.target}`)) return false;
    return j.comment ? l.includes(`--comment "${j.comment}"`) : l === `${prefix}-j ${j.target}`;
  });
}

/** The jump rules iptables-save shows missing. */
export function missingJumps(save: string): JumpRule[] {
  const tables = saveTables(save);
  return JUMP_RULES.filter((j) => !hasJump(tables.get(j.table) ?? [], j));
}

/** Chains of a table that kube-proxy owns (never another component's KUBE- chains). */
const OWN_CHAINS: Record<string, string[]> = {
  filter: ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL', 'KUBE-FIREWALL', 'KUBE-PROXY-CANARY'],
  nat: ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ', 'KUBE-PROXY-CANARY'],
  mangle: ['KUBE-PROXY-CANARY'],
};

const BUILTIN = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

/**
 * iptables-restore input that removes every rule and chain kube-proxy's iptables mode creates,
 * given the current iptables-save output; '' when there is nothing to remove.
 */
export function renderCleanup(save: string): string {
  const out: string[] = [];
  for (const [table, lines] of saveTables(save)) {
    const own = new Set(OWN_CHAINS[table] ?? []);
    const chains = savedChains(lines).filter((c) => own.has(c) || (table === 'nat' && isIptablesServiceChain(c)));
    const unlink = lines.filter((l) => {
      const [, op, chain] = /^(-A) (\S+) /.exec(l) ?? [];
      return op && BUILTIN.has(chain) && own.has(/ -j (\S+)$/.exec(l)?.[1] ?? '');
    });
    if (chains.length === 0 && unlink.length === 0) continue;
    out.push(`*${table}`);
    for (const c of chains) out.push(`:${c} - [0:0]`);
    for (const l of unlink) out.push('-D' + l.slice(2));
    for (const c of chains) out.push(`-X ${c}`);
    out.push('COMMIT');
  }
  return out.length ? out.join('\n') + '\n' : '';
}
