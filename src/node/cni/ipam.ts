// Pod IP allocation as the host-local IPAM plugin does it: one file per address in use under
// the node's data dir, so allocations survive restarts of the agent. A file is created with
// link(2), which fails if the name exists, so an address in use is never handed out twice, even
// by two processes at once; addresses are handed out round-robin from the last one reserved, so
// a released address is not reused at once (stale conntrack entries and caches fade first).

import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, unlink, link, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cidrContains, cidrSize, formatCidr, formatIPv4, isIPv4, parseCidr, parseIPv4 } from '../../common/ipv4.js';

export interface IpamRecord {
  ip: string;
  podUID: string;
  podNetns: string;
}

const LAST_RESERVED = 'last_reserved_ip.0';

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}

export class HostLocalIpam {
  /** dir: one network's directory, e.g. <dataDir>/cni/networks/cbr0. */
  constructor(readonly dir: string) {}

  /** Every allocation on record, sorted by address. */
  async list(): Promise<IpamRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: IpamRecord[] = [];
    for (const name of names.filter(isIPv4)) {
      try {
        const rec = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as IpamRecord;
        out.push({ ip: name, podUID: rec.podUID, podNetns: rec.podNetns });
      } catch {
        // Unreadable: keep the address reserved, with no owner, until released by hand.
        out.push({ ip: name, podUID: '', podNetns: '' });
      }
    }
    return out.sort((a, b) => parseIPv4(a.ip) - parseIPv4(b.ip));
  }

  async find(podUID: string): Promise<IpamRecord | undefined> {
    return (await this.list()).find((r) => r.podUID === podUID);
  }

  /**
   * An address of subnet for the pod: the one it already has, or a free one. The subnet's first
   * address is the gateway (cni0), its network and broadcast addresses are never given.
   */
  async allocate(subnet: string, owner: { podUID: string; podNetns: string }): Promise<IpamRecord> {
    const block = parseCidr(subnet);
    const existing = (await this.list()).filter((r) => r.podUID === owner.podUID);
    const mine = existing.find((r) => cidrContains(block, r.ip));
    if (mine) return mine;
    await mkdir(this.dir, { recursive: true });

    const first = block.network + 2;
    const last = block.network + cidrSize(block) - 2;
    if (last < first) throw new Error(`the pod range ${formatCidr(block)} has no address for pods`);
    let start = first;
    try {
      const prev = parseIPv4((await readFile(join(this.dir, LAST_RESERVED), 'utf8')).trim());
      if (prev >= first && prev < last) start = prev + 1;
    } catch { /* first allocation */ }

    const body = JSON.stringify({ podUID: owner.podUID, podNetns: owner.podNetns }) + '\n';
    const tmp = join(this.dir, `.tmp-${randomBytes(6).toString('hex')}`);
    await writeFile(tmp, body, { flush: true });
    try {
      const count = last - first + 1;
      for (let i = 0; i < count; i++) {
        const ip = formatIPv4(first + ((start - first + i) % count));
        try {
          await link(tmp, join(this.dir, ip));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
          throw e;
        }
        await this.writeLastReserved(ip);
        await fsyncPath(this.dir);
        return { ip, ...owner };
      }
    } finally {
      await unlink(tmp).catch(() => {});
    }
    throw new Error(`no IP addresses available in range set: ${formatIPv4(first)}-${formatIPv4(last)}`);
  }

  private async writeLastReserved(ip: string): Promise<void> {
    const tmp = join(this.dir, `.tmp-last-${randomBytes(6).toString('hex')}`);
    await writeFile(tmp, ip, { flush: true });
    await rename(tmp, join(this.dir, LAST_RESERVED));
  }

  /** Frees the pod's addresses; returns what was freed. */
  async release(podUID: string): Promise<IpamRecord[]> {
    const mine = (await this.list()).filter((r) => r.podUID === podUID && podUID !== '');
    for (const r of mine) await unlink(join(this.dir, r.ip)).catch(() => {});
    if (mine.length > 0) await fsyncPath(this.dir);
    return mine;
  }
}
