// The node's registration and heartbeats, as kubelet keeps them: the Node object (labels,
// addresses, capacity, nodeInfo, conditions; NotReady until the pod network is set up), a Lease
// in kube-node-lease renewed every 10 s, and the status re-posted when it changes or every minute.

import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { isApiError } from '../../kube/errors.js';
import type { Lease, Node, NodeCondition } from '../../kube/types.js';
import type { ApiClient } from '../../client/client.js';
import { R } from '../../client/resources.js';
import { metaMicroTime, metaTime } from '../../common/time.js';

export const KUBELET_VERSION = 'v1.32.0';
/** kubelet's nodeLeaseDurationSeconds default; the Lease is renewed at a quarter of it (10 s). */
export const DEFAULT_LEASE_DURATION_SECONDS = 40;
const STATUS_REPORT_MS = 60_000;


function osImage(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return m?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}

function readId(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().replace(/-/g, '');
  } catch {
    return '';
  }
}

export interface NodeIdentity {
  name: string;
  ip: string;
  /**
   * The pod range the cluster's network routes to this node. Registered with the Node (as kubelet
   * registers a node whose range is fixed up front) so the IPAM controller, which only fills in
   * missing ranges, cannot hand it another by registration order.
   */
  podCIDR?: string;
  /** Annotations the network publishes (flannel's VTEP MAC and public IP). */
  annotations?: Record<string, string>;
  /** kubelet's nodeLeaseDurationSeconds (default 40); heartbeats go every quarter of it. */
  leaseDurationSeconds?: number;
}

function conditions(ready: { ok: boolean; reason: string; message: string }, previous: NodeCondition[] | undefined): NodeCondition[] {
  const t = metaTime();
  const want: Omit<NodeCondition, 'lastHeartbeatTime' | 'lastTransitionTime'>[] = [
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    { type: 'Ready', status: ready.ok ? 'True' : 'False', reason: ready.reason, message: ready.message },
  ];
  return want.map((c) => {
    const prev = previous?.find((p) => p.type === c.type);
    return { ...c, lastHeartbeatTime: t, lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : t };
  });
}

export class NodeStatusReporter {
  private ready = { ok: false, reason: 'KubeletNotReady', message: 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized' };
  private annotations: Record<string, string> = {};
  private leaseTimer?: NodeJS.Timeout;
  private statusTimer?: NodeJS.Timeout;
  private lastReport = 0;
  /** The registered Node's uid (the Lease's owner). */
  private uid?: string;
  private posting: Promise<void> = Promise.resolve();

  constructor(private readonly client: ApiClient, private readonly id: NodeIdentity, private readonly log: (line: string) => void) {
    this.annotations = { ...(id.annotations ?? {}) };
  }

  private nodeObject(): Node {
    const memKi = Math.floor(totalmem() / 1024);
    const capacity = { cpu: String(cpus().length), memory: `${memKi}Ki`, pods: '110', 'ephemeral-storage': '102400000Ki', 'hugepages-2Mi': '0' };
    return {
      apiVersion: 'v1', kind: 'Node',
      metadata: {
        name: this.id.name,
        labels: {
          'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': this.id.name, 'kubernetes.io/os': 'linux',
        },
        annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true', ...this.annotations },
      },
      spec: this.id.podCIDR ? { podCIDR: this.id.podCIDR, podCIDRs: [this.id.podCIDR] } : {},
      status: {
        addresses: [{ type: 'InternalIP', address: this.id.ip }, { type: 'Hostname', address: this.id.name }],
        capacity, allocatable: capacity,
        conditions: conditions(this.ready, undefined),
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          machineID: readId('/etc/machine-id'), systemUUID: readId('/proc/sys/kernel/random/boot_id'), bootID: readId('/proc/sys/kernel/random/boot_id'),
          kernelVersion: release(), osImage: osImage(), containerRuntimeVersion: 'knit://0.1.0', kubeletVersion: KUBELET_VERSION,
          kubeProxyVersion: KUBELET_VERSION, operatingSystem: 'linux', architecture: 'amd64',
        },
        images: [],
      } as Node['status'],
    };
  }

  /** Creates the Node (or takes over an existing one of this name) and starts the heartbeats. */
  async register(): Promise<Node> {
    let node: Node;
    try {
      // A Node is created with its status (as kubelet registers it): nothing more to post yet.
      node = await this.client.create<Node>(R.nodes, undefined, this.nodeObject());
      this.lastReport = Date.now();
      this.log(`Successfully registered node ${this.id.name}`);
    } catch (err) {
      if (!isApiError(err, 'AlreadyExists')) throw err;
      node = await this.client.get<Node>(R.nodes, undefined, this.id.name);
      this.log(`Node ${this.id.name} was previously registered`);
      if (this.id.podCIDR && !node.spec.podCIDR) {
        node = await this.client.patch<Node>(R.nodes, undefined, this.id.name, { spec: { podCIDR: this.id.podCIDR, podCIDRs: [this.id.podCIDR] } });
      } else if (this.id.podCIDR && node.spec.podCIDR !== this.id.podCIDR) {
        this.log(`Node ${this.id.name} has podCIDR ${node.spec.podCIDR}, not ${this.id.podCIDR} which the underlay routes to it`);
      }
      await this.postStatus();
    }
    this.uid = node.metadata.uid;
    await this.renewLease();
    const renewMs = this.leaseDurationSeconds() * 250;
    this.leaseTimer = setInterval(() => void this.renewLease(), renewMs);
    this.statusTimer = setInterval(() => void this.checkStatus(), renewMs);
    return node;
  }

  /** Sets the Ready condition (and annotations that come with it, in the same post). */
  setReady(ok: boolean, reason: string, message: string, annotations: Record<string, string> = {}): Promise<void> {
    const sameAnnotations = Object.entries(annotations).every(([k, v]) => this.annotations[k] === v);
    if (this.ready.ok === ok && this.ready.reason === reason && sameAnnotations) return this.posting;
    this.ready = { ok, reason, message };
    this.annotations = { ...this.annotations, ...annotations };
    return this.postStatus();
  }

  /** Posts labels, annotations and status (merged with what others set, such as taints and podCIDR). */
  postStatus(): Promise<void> {
    this.posting = this.posting.then(async () => {
      try {
        const current = await this.client.get<Node>(R.nodes, undefined, this.id.name);
        const desired = this.nodeObject();
        await this.client.patch(R.nodes, undefined, this.id.name, { metadata: { labels: desired.metadata.labels, annotations: desired.metadata.annotations } });
        const status = { ...desired.status, conditions: conditions(this.ready, current.status?.conditions) };
        await this.client.patch(R.nodes, undefined, this.id.name, { status }, 'merge', 'status');
        this.lastReport = Date.now();
      } catch (err) {
        this.log(`Error updating node status, will retry: ${(err as Error).message}`);
      }
    });
    return this.posting;
  }

  /** Re-posts the status when it is due, or when the server's Ready differs (the node was marked NotReady while the agent was away). */
  private async checkStatus(): Promise<void> {
    if (Date.now() - this.lastReport >= STATUS_REPORT_MS) return this.postStatus();
    try {
      const node = await this.client.get<Node>(R.nodes, undefined, this.id.name);
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status !== (this.ready.ok ? 'True' : 'False')) await this.postStatus();
    } catch (err) {
      this.log(`Error getting node: ${(err as Error).message}`);
    }
  }

  private async renewLease(): Promise<void> {
    const spec = { holderIdentity: this.id.name, leaseDurationSeconds: this.leaseDurationSeconds(), renewTime: metaMicroTime() };
    try {
      const lease = await this.client.get<Lease>(R.leases, 'kube-node-lease', this.id.name).catch((err) => {
        if (isApiError(err, 'NotFound')) return undefined;
        throw err;
      });
      if (!lease) {
        const uid = this.uid ?? (await this.client.get<Node>(R.nodes, undefined, this.id.name)).metadata.uid!;
        await this.client.create(R.leases, 'kube-node-lease', {
          metadata: { name: this.id.name, namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.id.name, uid }] },
          spec,
        });
      } else {
        await this.client.update(R.leases, { ...lease, spec: { ...lease.spec, ...spec } });
      }
    } catch (err) {
      this.log(`failed to update lease, will retry: ${(err as Error).message}`);
    }
  }

  private leaseDurationSeconds(): number {
    return this.id.leaseDurationSeconds ?? DEFAULT_LEASE_DURATION_SECONDS;
  }

  stop(): void {
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    if (this.statusTimer) clearInterval(this.statusTimer);
  }
}
