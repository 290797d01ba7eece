// Node controllers: IPAM (a podCIDR per node from the cluster CIDR, as kube-controller-manager's
// range allocator) and lifecycle (a node whose agent stops renewing its Lease goes NotReady:
// Ready becomes Unknown, the node gets the unreachable taints and its pods stop being Ready, so
// endpoints drop them).

import { isApiError } from '../kube/errors.js';
import type { Lease, Node, NodeCondition, Pod } from '../kube/types.js';
import type { Informer } from '../client/informer.js';
import { R } from '../client/resources.js';
import { WorkQueue } from '../client/workqueue.js';
import { type Controller, type ControllerContext } from './common.js';
import { formatIPv4, parseIPv4 } from '../common/ipv4.js';
import { metaTime } from '../common/time.js';

/** The index-th /size subnet of cidr ("10.244.0.0/16", 24, 1) -> "10.244.1.0/24". */
export function subnetAt(cidr: string, size: number, index: number): string | undefined {
  const [base, bits] = cidr.split('/');
  const prefix = Number(bits);
  if (size < prefix || index >= 2 ** (size - prefix)) return undefined;
  return `${formatIPv4(parseIPv4(base) + index * 2 ** (32 - size))}/${size}`;
}

export interface NodeIpamOptions {
  clusterCIDR: string;
  nodeCIDRSize: number;
  /** First subnet index handed out; 1 gives 10.244.1.0/24 first, as the seeds show. */
  firstIndex: number;
}

export class NodeIpamController implements Controller {
  readonly name = 'node-ipam-controller';
  private readonly queue: WorkQueue;
  private readonly nodes: Informer<Node>;
  /** CIDRs handed out, by node: the cache may not show the last patches yet (upstream's allocator keeps its own set too). */
  private readonly allocated = new Map<string, string>();

  constructor(private readonly ctx: ControllerContext, private readonly o: NodeIpamOptions) {
    this.queue = new WorkQueue({ name: this.name, log: ctx.log(this.name) });
    this.nodes = ctx.informers.get<Node>(R.nodes);
  }

  start(): void {
    this.nodes.addHandler({ add: (n) => this.queue.add(n.metadata.name!), update: (_o, n) => this.queue.add(n.metadata.name!), delete: (n) => this.queue.add(n.metadata.name!) });
    void this.nodes.waitForSync().then(() => this.queue.run(1, (k) => this.reconcile(k)));
  }

  async stop(): Promise<void> {
    await this.queue.stop();
  }

  async reconcile(name: string): Promise<void> {
    const node = this.nodes.get(undefined, name);
    if (!node) {
      this.allocated.delete(name);
      return;
    }
    if (node.spec.podCIDR) {
      this.allocated.set(name, node.spec.podCIDR);
      return;
    }
    if (this.allocated.has(name)) return;
    const used = new Set([...this.nodes.list().map((n) => n.spec.podCIDR).filter(Boolean), ...this.allocated.values()]);
    for (let i = this.o.firstIndex; ; i++) {
      const cidr = subnetAt(this.o.clusterCIDR, this.o.nodeCIDRSize, i);
      if (!cidr) {
        this.ctx.recorder(this.name).event(node, 'Warning', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
        return;
      }
      if (used.has(cidr)) continue;
      this.allocated.set(name, cidr);
      try {
        await this.ctx.client.patch(R.nodes, undefined, name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
      } catch (err) {
        this.allocated.delete(name);
        throw err;
      }
      this.ctx.recorder(this.name).event(node, 'Normal', 'CIDRAssignmentSucceeded', `Node ${name} status is now: CIDRAssignmentSucceeded`);
      return;
    }
  }
}

export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';

export interface NodeLifecycleOptions {
  /** How long a node may go without renewing its Lease before it is NotReady (upstream: 40s). */
  gracePeriodMs: number;
}

export class NodeLifecycleController implements Controller {
  readonly name = 'node-lifecycle-controller';
  private readonly queue: WorkQueue;
  private readonly nodes: Informer<Node>;
  private readonly leases: Informer<Lease>;
  private readonly pods: Informer<Pod>;
  private timer?: NodeJS.Timeout;

  constructor(private readonly ctx: ControllerContext, private readonly o: NodeLifecycleOptions) {
    this.queue = new WorkQueue({ name: this.name, log: ctx.log(this.name) });
    this.nodes = ctx.informers.get<Node>(R.nodes);
    this.leases = ctx.informers.get<Lease>(R.leases);
    this.pods = ctx.informers.get<Pod>(R.pods);
  }

  start(): void {
    void Promise.all([this.nodes.waitForSync(), this.leases.waitForSync(), this.pods.waitForSync()]).then(() => {
      this.queue.run(1, (k) => this.reconcile(k));
      const tick = Math.max(250, Math.min(5000, this.o.gracePeriodMs / 4));
      this.timer = setInterval(() => { for (const n of this.nodes.list()) this.queue.add(n.metadata.name!); }, tick);
    });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.queue.stop();
  }

  private lastHeartbeat(node: Node): number {
    const lease = this.leases.get('kube-node-lease', node.metadata.name!);
    const renew = lease?.spec?.renewTime ? Date.parse(lease.spec.renewTime) : 0;
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    const hb = ready?.lastHeartbeatTime ? Date.parse(ready.lastHeartbeatTime) : 0;
    return Math.max(renew, hb, Date.parse(node.metadata.creationTimestamp ?? '0'));
  }

  async reconcile(name: string): Promise<void> {
    const node = this.nodes.get(undefined, name);
    if (!node) return;
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    const stale = Date.now() - this.lastHeartbeat(node) > this.o.gracePeriodMs;
    const taints = node.spec.taints ?? [];
    const tainted = taints.some((t) => t.key === UNREACHABLE_TAINT);
    if (stale && ready?.status !== 'Unknown') {
      const now = metaTime();
      const conditions: NodeCondition[] = (node.status?.conditions ?? []).map((c) => ({
        ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: now,
      }));
      if (!conditions.some((c) => c.type === 'Ready')) conditions.push({ type: 'Ready', status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastTransitionTime: now, lastHeartbeatTime: now });
      await this.patchStatus(name, conditions);
      this.ctx.recorder(this.name).event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      await this.markPodsNotReady(name);
    }
    if (stale && !tainted) {
      await this.ctx.client.patch(R.nodes, undefined, name, { spec: { taints: [...taints, { key: UNREACHABLE_TAINT, effect: 'NoSchedule', timeAdded: metaTime() }, { key: UNREACHABLE_TAINT, effect: 'NoExecute', timeAdded: metaTime() }] } });
    } else if (!stale && tainted && ready?.status === 'True') {
      const kept = taints.filter((t) => t.key !== UNREACHABLE_TAINT);
      await this.ctx.client.patch(R.nodes, undefined, name, { spec: { taints: kept.length ? kept : null } });
    }
  }

  private async patchStatus(name: string, conditions: NodeCondition[]): Promise<void> {
    try {
      await this.ctx.client.patch(R.nodes, undefined, name, { status: { conditions } }, 'merge', 'status');
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
    }
  }

  private async markPodsNotReady(node: string): Promise<void> {
    for (const pod of this.pods.list().filter((p) => p.spec.nodeName === node)) {
      const conds = pod.status?.conditions ?? [];
      if (!conds.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
      const now = metaTime();
      const conditions = conds.map((c) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False' as const, lastTransitionTime: now } : c));
      try {
        await this.ctx.client.patch(R.pods, pod.metadata.namespace, pod.metadata.name!, { status: { conditions } }, 'merge', 'status');
      } catch (err) {
        if (!isApiError(err, 'NotFound')) throw err;
      }
    }
  }
}
