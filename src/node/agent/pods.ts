// The pods bound to this node, as kubelet's pod workers handle them: a network namespace from the
// CNI, containers from the runtime, the pod's status written back, graceful deletion finished
// (the final delete with grace 0 once the containers are gone), and after a restart the pods
// still running adopted and the ones gone from the API removed.

import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { isApiError } from '../../kube/errors.js';
import type { ConfigMap, KubeObject, Pod, PodStatus, Secret, Service } from '../../kube/types.js';
import type { ApiClient } from '../../client/client.js';
import type { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import { keyOf } from '../../client/informer.js';
import { R, type ResourceRef } from '../../client/resources.js';
import { WorkQueue } from '../../client/workqueue.js';
import { nodeRunDir, podNetns } from '../names.js';
import type { NodeCni } from '../cni/index.js';
import { PodRuntime } from '../runtime/index.js';

export interface PodManagerOptions {
  cluster: string;
  nodeName: string;
  nodeIP: string;
  dataDir: string;
  clusterDNS: string;
  clusterDomain: string;
  caPem: string;
  /** The node's resolv.conf (kubelet --resolv-conf). */
  resolvConf: string;
  /**
   * Where the node's NetworkPolicy component says whether it holds the rules for a pod's address
   * (GET ?uid=&ip=&timeout=): asked before a pod's containers start. Default POLICY_READY_URL.
   */
  policyReadyURL?: string;
  log: (line: string) => void;
}

const TOKEN_SECONDS = 3607;
/** The policy component (kube-network-policies, hostNetwork) listens on the node's port 9080. */
export const POLICY_READY_URL = 'http://127.0.0.1:9080/pod-ready';
const POLICY_WAIT = '5s';

/**
 * Asks the node's policy component to say when its rules hold the pod at `ip`: 'ready', 'timeout'
 * when it did not within the wait, 'absent' when no component answers on this node.
 */
function policyReady(url: string, uid: string, ip: string): Promise<'ready' | 'timeout' | 'absent'> {
  const target = new URL(url);
  target.search = new URLSearchParams({ uid, ip, timeout: POLICY_WAIT }).toString();
  return new Promise((resolve) => {
    const req = httpGet(target, { timeout: 10_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? 'ready' : 'timeout');
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' ? 'absent' : 'timeout'));
  });
}
const SA_ENV = 'KNIT_SERVICE_ACCOUNT_DIR';

/** Merge-patch status: everything the runtime reports, conditions and container statuses whole. */
function statusPatch(status: PodStatus): Record<string, unknown> {
  return { status };
}

export class PodManager {
  readonly runtime: PodRuntime;
  private readonly queue: WorkQueue;
  /** Status writes the runtime asks for (probe results, container exits), apart from spec syncs. */
  private readonly statusQueue: WorkQueue;
  private readonly lastStatus = new Map<string, string>();
  private readonly tokens = new Map<string, NodeJS.Timeout>();
  private readonly terminating = new Set<string>();
  private readonly byUid = new Map<string, string>();
  /** Pod networks already set up, so status-only syncs do not touch the kernel. */
  private readonly nets = new Map<string, { podIPs: string[]; netns?: string }>();

  constructor(
    private readonly client: ApiClient,
    private readonly pods: Informer<Pod>,
    private readonly services: Informer<Service>,
    private readonly cni: NodeCni,
    private readonly recorder: EventRecorder,
    private readonly o: PodManagerOptions,
  ) {
    this.runtime = new PodRuntime({
      cluster: o.cluster,
      nodeName: o.nodeName,
      dataDir: o.dataDir,
      socketDir: nodeRunDir(o.cluster, o.nodeName),
      clusterDNS: [o.clusterDNS],
      clusterDomain: o.clusterDomain,
      resolvConf: o.resolvConf,
      services: () => this.services.list(),
      resolver: {
        configMap: async (ns, name) => {
          const cm = await this.getIfExists<ConfigMap>(R.configmaps, ns, name);
          return cm && { ...(cm.data ?? {}) };
        },
        secret: async (ns, name) => {
          const secret = await this.getIfExists<Secret>(R.secrets, ns, name);
          return secret && Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
        },
      },
    });
    this.queue = new WorkQueue({ name: 'pods', log: o.log, baseDelayMs: 200, maxDelayMs: 10_000 });
    this.statusQueue = new WorkQueue({ name: 'pod-status', log: o.log, baseDelayMs: 200, maxDelayMs: 5_000 });
  }

  /** The object, or undefined when it does not exist (the runtime's "not found" for env sources). */
  private async getIfExists<T extends KubeObject>(ref: ResourceRef, ns: string, name: string): Promise<T | undefined> {
    try {
      return await this.client.get<T>(ref, ns, name);
    } catch (err) {
      if (isApiError(err, 'NotFound')) return undefined;
      throw err;
    }
  }

  async start(): Promise<void> {
    const adopted = await this.runtime.start();
    if (adopted.length) this.o.log(`adopted ${adopted.length} pods left running by an earlier agent`);
    this.runtime.on('event', (e) => {
      const pod = this.pods.get(e.pod.namespace, e.pod.name);
      this.recorder.event(pod ?? { apiVersion: 'v1', kind: 'Pod', metadata: { name: e.pod.name, namespace: e.pod.namespace, uid: e.pod.uid } }, e.type, e.reason, e.message, e.fieldPath);
    });
    this.runtime.on('status', (uid) => {
      const key = this.byUid.get(uid);
      if (key) this.statusQueue.add(key);
    });
    this.pods.addHandler({
      add: (p) => this.track(p),
      // Our own status writes come back as updates: only spec and deletion changes need a sync.
      update: (o, p) => {
        if (o.metadata.deletionTimestamp === p.metadata.deletionTimestamp && JSON.stringify(o.spec) === JSON.stringify(p.spec)) return;
        this.track(p);
      },
      delete: (p) => { void this.forget(p); },
    });
    await this.pods.waitForSync();
    // Pods this node ran before a restart that the API no longer has are gone for good.
    const live = new Set(this.pods.list().map((p) => p.metadata.uid!));
    await this.runtime.retainPods(live);
    // What the adopted pods show now (containers lost with their shim are no longer ready)
    // reaches the API before the node says Ready again.
    const adoptedUids = new Set(adopted);
    await Promise.all(this.pods.list().filter((p) => adoptedUids.has(p.metadata.uid!)).map((p) => this.writeStatus(p).catch((err) => this.o.log(`status of ${keyOf(p)}: ${err.message}`))));
    for (const rec of await this.cni.listPods()) if (!live.has(rec.podUID)) await this.cni.delPod(rec.podUID).catch((err) => this.o.log(`removing the network of a gone pod: ${err.message}`));
    this.queue.run(4, (k) => this.sync(k));
    this.statusQueue.run(2, async (k) => {
      const [namespace, name] = k.split('/');
      const pod = this.pods.get(namespace, name);
      if (pod) await this.writeStatus(pod);
    });
  }

  async stop(): Promise<void> {
    await this.queue.stop();
    await this.statusQueue.stop();
    for (const t of this.tokens.values()) clearTimeout(t);
    await this.runtime.stop();
  }

  private track(p: Pod): void {
    this.byUid.set(p.metadata.uid!, keyOf(p));
    this.queue.add(keyOf(p));
  }

  /** A pod deleted from the API (force delete): its containers and network go now. */
  private async forget(p: Pod): Promise<void> {
    const uid = p.metadata.uid!;
    this.byUid.delete(uid);
    this.lastStatus.delete(uid);
    this.nets.delete(uid);
    const t = this.tokens.get(uid);
    if (t) clearTimeout(t);
    this.tokens.delete(uid);
    try {
      await this.runtime.removePod(uid);
      if (!p.spec.hostNetwork) await this.cni.delPod(uid);
    } catch (err) {
      this.o.log(`cleaning up pod ${keyOf(p)}: ${(err as Error).message}`);
    }
  }

  private podDir(p: Pod): string {
    return join(this.o.dataDir, 'pods', `${p.metadata.namespace}_${p.metadata.name}_${p.metadata.uid}`);
  }

  /** The pod's service account token, CA and namespace, written where the pod's processes find them. */
  private async ensureServiceAccount(p: Pod): Promise<string | undefined> {
    if (p.spec.automountServiceAccountToken === false) return undefined;
    const uid = p.metadata.uid!;
    const dir = join(this.podDir(p), 'serviceaccount');
    if (this.tokens.has(uid)) return dir;
    const sa = p.spec.serviceAccountName || 'default';
    const refresh = async (): Promise<void> => {
      const tr = await this.client.create(R.serviceaccounts, p.metadata.namespace, {
        apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name: sa, namespace: p.metadata.namespace },
        spec: { audiences: [], expirationSeconds: TOKEN_SECONDS, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: p.metadata.name, uid } },
      }, 'token');
      mkdirSync(dir, { recursive: true, mode: 0o755 });
      writeFileSync(join(dir, 'token'), tr.status.token, { mode: 0o644 });
      writeFileSync(join(dir, 'ca.crt'), this.o.caPem, { mode: 0o644 });
      writeFileSync(join(dir, 'namespace'), p.metadata.namespace!, { mode: 0o644 });
      // Renewed at 80% of its life, as kubelet renews projected tokens.
      this.tokens.set(uid, setTimeout(() => void refresh().catch((err) => this.o.log(`renewing the token of ${keyOf(p)}: ${err.message}`)), TOKEN_SECONDS * 800));
    };
    try {
      await refresh();
      return dir;
    } catch (err) {
      this.o.log(`service account token for ${keyOf(p)}: ${(err as Error).message}`);
      rmSync(dir, { recursive: true, force: true });
      return undefined;
    }
  }

  /** The pod as the runtime gets it: with the service account directory in every container's environment. */
  private withServiceAccount(p: Pod, dir: string | undefined): Pod {
    if (!dir) return p;
    const copy = structuredClone(p);
    for (const c of [...copy.spec.containers, ...(copy.spec.initContainers ?? [])]) {
      c.env = [...(c.env ?? []).filter((e) => e.name !== SA_ENV), { name: SA_ENV, value: dir }];
    }
    return copy;
  }

  async sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/');
    const pod = this.pods.get(namespace, name);
    if (!pod) return;
    const uid = pod.metadata.uid!;
    if (pod.metadata.deletionTimestamp) return this.terminate(pod);
    const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    if (finished && !this.runtime.pods().includes(uid)) return;

    let net = this.nets.get(uid);
    if (!net) {
      if (pod.spec.hostNetwork) {
        net = { podIPs: [this.o.nodeIP] };
      } else {
        const added = await this.cni.addPod({ podNetns: podNetns(this.o.cluster, uid), podUID: uid });
        net = { podIPs: [added.ip], netns: added.podNetns };
        await this.awaitPolicy(pod, added.ip);
      }
      this.nets.set(uid, net);
    }
    const saDir = await this.ensureServiceAccount(pod);
    this.runtime.syncPod(this.withServiceAccount(pod, saDir), { podIPs: net.podIPs, hostIPs: [this.o.nodeIP], netns: net.netns }, { serviceAccountDir: saDir });
    await this.writeStatus(pod);
  }

  /**
   * A pod created into an isolated namespace is isolated before its containers start: the pod's
   * address goes to the API (where the policy component learns it, as any controller does), and
   * the node's policy component is asked to say when its rules hold it.
   */
  private async awaitPolicy(pod: Pod, ip: string): Promise<void> {
    try {
      await this.client.patch(R.pods, pod.metadata.namespace, pod.metadata.name!, { status: { podIP: ip, podIPs: [{ ip }] } }, 'merge', 'status');
    } catch (err) {
      if (isApiError(err, 'NotFound')) return;
      throw err;
    }
    const answer = await policyReady(this.o.policyReadyURL ?? POLICY_READY_URL, pod.metadata.uid!, ip);
    if (answer === 'timeout') {
      this.recorder.event(pod, 'Warning', 'NetworkPolicyNotConfirmed', `The node's network policy component did not confirm its rules for ${ip} within ${POLICY_WAIT}; starting the containers anyway`);
    }
  }

  private async writeStatus(pod: Pod): Promise<void> {
    const uid = pod.metadata.uid!;
    const status = this.runtime.podStatus(uid);
    if (!status) return;
    const text = JSON.stringify(status);
    if (this.lastStatus.get(uid) === text) return;
    try {
      await this.client.patch(R.pods, pod.metadata.namespace, pod.metadata.name!, statusPatch(status), 'merge', 'status');
      this.lastStatus.set(uid, text);
    } catch (err) {
      if (isApiError(err, 'NotFound')) return;
      throw err;
    }
  }

  /** Graceful deletion: stop the containers within the grace period, then delete the pod for good. */
  private async terminate(pod: Pod): Promise<void> {
    const uid = pod.metadata.uid!;
    if (this.terminating.has(uid)) return;
    this.terminating.add(uid);
    try {
      await this.runtime.killPod(uid, pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30);
      await this.writeStatus(pod).catch(() => undefined);
      if (!pod.spec.hostNetwork) await this.cni.delPod(uid);
      this.nets.delete(uid);
      try {
        await this.client.delete(R.pods, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid } });
      } catch (err) {
        if (!isApiError(err, 'NotFound') && !isApiError(err, 'Conflict')) throw err;
      }
    } finally {
      this.terminating.delete(uid);
    }
  }
}
