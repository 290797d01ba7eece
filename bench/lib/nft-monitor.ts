// `nft monitor` in every node's namespace: the kernel reports each committed change (iptables-nft
// rules are nftables rules too), so the time a node's rules changed is known without polling.

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Cluster } from '../../test/e2e/lib/cluster.js';

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export const now = (): number => performance.timeOrigin + performance.now();

export class NftMonitors {
  private readonly children: ChildProcessByStdio<null, Readable, null>[] = [];
  private readonly waiting = new Set<(node: string, line: string, at: number) => void>();

  /** `what`: the kind of change reported (rules, elements, ...). */
  constructor(c: Cluster, private readonly nodes: string[], what: 'rules' | 'elements') {
    for (const node of nodes) {
      const child = spawn('ip', ['netns', 'exec', `knit-${c.name}-${node}`, 'nft', 'monitor', what], { stdio: ['ignore', 'pipe', 'inherit'] });
      createInterface({ input: child.stdout }).on('line', (line) => {
        const at = now();
        for (const w of this.waiting) w(node, line, at);
      });
      this.children.push(child);
    }
  }

  /** Resolves with the time each node first reported a line for which match holds. */
  firstOnEveryNode(match: (node: string, line: string) => boolean): Promise<number[]> {
    return Promise.all(this.nodes.map((node) => new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => { this.waiting.delete(w); reject(new Error(`${node}: no matching change in 60 s`)); }, 60_000);
      const w = (n: string, line: string, at: number) => {
        if (n !== node || !match(n, line)) return;
        clearTimeout(timer);
        this.waiting.delete(w);
        resolve(at);
      };
      this.waiting.add(w);
    })));
  }

  stop(): void {
    for (const child of this.children) if (child.exitCode === null) child.kill('SIGKILL');
  }
}
