// Helpers for the runtime's own tests: a node namespace and pod namespaces joined by veth pairs
// (all named krt-<tag>-...), a runtime over temporary directories, and polling. Everything made
// here is removed by cleanup(), which the tests call from after().

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Pod, Service } from '../../kube/types.js';
import type { EnvSourceResolver } from './env.js';
import { PodRuntime, type PodNetwork } from './runtime.js';
import type { RuntimeEvent } from './types.js';

const IP = '/usr/sbin/ip';
const etcNetnsExisted = existsSync('/etc/netns');

function ip(...args: string[]): void {
  execFileSync(IP, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export class TestNode {
  readonly nodeNs: string;
  readonly dataDir = mkdtempSync(join(tmpdir(), 'krt-data-'));
  readonly socketDir = mkdtempSync('/tmp/krt-s');
  readonly events: RuntimeEvent[] = [];
  private readonly namespaces: string[] = [];
  private readonly runtimes: PodRuntime[] = [];
  private pods = 0;

  constructor(readonly tag: string) {
    this.nodeNs = `krt-${tag}-node`;
    ip('netns', 'add', this.nodeNs);
    this.namespaces.push(this.nodeNs);
    ip('-n', this.nodeNs, 'link', 'set', 'lo', 'up');
  }

  /** A pod namespace with eth0 10.252.<n>.2/24, reachable from the node namespace. */
  podNetwork(): PodNetwork & { netns: string } {
    const n = ++this.pods;
    const netns = `krt-${this.tag}-p${n}`;
    ip('netns', 'add', netns);
    this.namespaces.push(netns);
    ip('-n', this.nodeNs, 'link', 'add', `krtv${n}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
    ip('-n', this.nodeNs, 'addr', 'add', `10.252.${n}.1/24`, 'dev', `krtv${n}`);
    ip('-n', this.nodeNs, 'link', 'set', `krtv${n}`, 'up');
    ip('-n', netns, 'addr', 'add', `10.252.${n}.2/24`, 'dev', 'eth0');
    ip('-n', netns, 'link', 'set', 'eth0', 'up');
    ip('-n', netns, 'link', 'set', 'lo', 'up');
    return { netns, podIPs: [`10.252.${n}.2`], hostIPs: ['192.168.1.10'] };
  }

  runtime(opts: { services?: Service[]; resolver?: EnvSourceResolver } = {}): PodRuntime {
    const rt = new PodRuntime({
      cluster: `krt${this.tag}`,
      nodeName: 'krt-worker',
      dataDir: this.dataDir,
      clusterDNS: ['10.96.0.10'],
      resolvConf: null,
      nodeNetns: this.nodeNs,
      socketDir: this.socketDir,
      services: () => opts.services ?? [],
      resolver: opts.resolver,
    });
    rt.on('event', (e) => this.events.push(e));
    this.runtimes.push(rt);
    return rt;
  }

  /** Events about one container ("reason: message"). */
  eventsFor(container: string): string[] {
    return this.events.filter((e) => e.fieldPath?.endsWith(`{${container}}`)).map((e) => `${e.reason}: ${e.message}`);
  }

  /** Runs a command inside a namespace made here; its stdout. */
  exec(netns: string, ...cmd: string[]): string {
    return execFileSync(IP, ['netns', 'exec', netns, ...cmd], { encoding: 'utf8' });
  }

  async cleanup(): Promise<void> {
    for (const rt of this.runtimes) {
      await Promise.all(rt.pods().map((uid) => rt.removePod(uid).catch(() => undefined)));
      await rt.stop();
    }
    for (const ns of this.namespaces.reverse()) try { ip('netns', 'delete', ns); } catch { /* gone */ }
    rmSync(this.dataDir, { recursive: true, force: true });
    rmSync(this.socketDir, { recursive: true, force: true });
    if (!etcNetnsExisted && existsSync('/etc/netns') && readdirSync('/etc/netns').length === 0) try { rmdirSync('/etc/netns'); } catch { /* in use */ }
  }
}

let uidCounter = 0;

export function testPod(name: string, spec: Partial<Pod['spec']>, namespace = 'default'): Pod {
  return {
    metadata: { name, namespace, uid: `${name}-${process.pid}-${++uidCounter}` },
    spec: { containers: [], terminationGracePeriodSeconds: 5, ...spec },
  };
}

/**
 * Polls until `check` gives a value other than undefined/false (a throw counts as not yet), or
 * fails after `timeoutMs`.
 */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = `: ${(err as Error).message}`;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Everything a stream gives until it ends, as text (logs, attach output). */
export async function text(stream: Readable): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += chunk.toString();
  return out;
}
