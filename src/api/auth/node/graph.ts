// Which objects a node may read because a pod bound to it uses them (upstream's node authorizer
// graph): pod -> node, and secret, configmap, service account, PVC -> pod. Fed from the pods
// the API server stores; a pod counts once it has spec.nodeName.

import type { KubeObject } from '../../../kube/types.js';

export type VertexType = 'pod' | 'secret' | 'configmap' | 'serviceaccount' | 'pvc';

const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** The names of everything a pod spec refers to, by type (upstream's VisitPodSecretNames and friends). */
export function podReferences(pod: KubeObject): { type: VertexType; name: string }[] {
  const spec = pod.metadata && pod.spec ? pod.spec : {};
  const refs: { type: VertexType; name: string }[] = [];
  const add = (type: VertexType, name: unknown) => { if (typeof name === 'string' && name) refs.push({ type, name }); };
  add('serviceaccount', spec.serviceAccountName || 'default');
  for (const s of list(spec.imagePullSecrets)) add('secret', s?.name);
  for (const c of [...list(spec.initContainers), ...list(spec.containers), ...list(spec.ephemeralContainers)]) {
    for (const e of list(c?.envFrom)) {
      add('secret', e?.secretRef?.name);
      add('configmap', e?.configMapRef?.name);
    }
    for (const e of list(c?.env)) {
      add('secret', e?.valueFrom?.secretKeyRef?.name);
      add('configmap', e?.valueFrom?.configMapKeyRef?.name);
    }
  }
  for (const v of list(spec.volumes)) {
    add('secret', v?.secret?.secretName);
    add('configmap', v?.configMap?.name);
    for (const p of list(v?.projected?.sources)) {
      add('secret', p?.secret?.name);
      add('configmap', p?.configMap?.name);
    }
    for (const k of ['azureFile', 'cephfs', 'cinder', 'flexVolume', 'iscsi', 'rbd', 'scaleIO', 'storageos']) {
      add('secret', v?.[k]?.secretRef?.name ?? v?.[k]?.secretName);
    }
    add('secret', v?.csi?.nodePublishSecretRef?.name);
    add('pvc', v?.persistentVolumeClaim?.claimName);
    if (v?.ephemeral) add('pvc', `${pod.metadata.name}-${v.name}`);
  }
  return refs;
}

const keyOf = (type: VertexType, namespace: string, name: string) => `${type}/${namespace}/${name}`;

export class NodeGraph {
  /** pod key -> its node and the keys it refers to. */
  private readonly pods = new Map<string, { node: string; refs: string[] }>();
  /** referenced key -> node -> how many of that node's pods refer to it. */
  private readonly edges = new Map<string, Map<string, number>>();
  /** node -> how many pods it runs (a node without pods is unknown to the graph). */
  private readonly nodes = new Map<string, number>();

  reset(pods: KubeObject[]): void {
    this.pods.clear();
    this.edges.clear();
    this.nodes.clear();
    for (const p of pods) this.setPod(p);
  }

  setPod(pod: KubeObject): void {
    const ns = pod.metadata.namespace ?? '';
    const key = keyOf('pod', ns, pod.metadata.name!);
    this.removeKey(key);
    const node = pod.spec?.nodeName;
    if (typeof node !== 'string' || !node) return;
    const refs = [...new Set(podReferences(pod).map((r) => keyOf(r.type, ns, r.name)))];
    this.pods.set(key, { node, refs });
    this.nodes.set(node, (this.nodes.get(node) ?? 0) + 1);
    for (const r of refs) {
      let m = this.edges.get(r);
      if (!m) this.edges.set(r, (m = new Map()));
      m.set(node, (m.get(node) ?? 0) + 1);
    }
  }

  deletePod(pod: KubeObject): void {
    this.removeKey(keyOf('pod', pod.metadata.namespace ?? '', pod.metadata.name!));
  }

  private removeKey(key: string): void {
    const old = this.pods.get(key);
    if (!old) return;
    this.pods.delete(key);
    const n = (this.nodes.get(old.node) ?? 1) - 1;
    if (n > 0) this.nodes.set(old.node, n);
    else this.nodes.delete(old.node);
    for (const r of old.refs) {
      const m = this.edges.get(r);
      if (!m) continue;
      const c = (m.get(old.node) ?? 1) - 1;
      if (c > 0) m.set(old.node, c);
      else m.delete(old.node);
      if (m.size === 0) this.edges.delete(r);
    }
  }

  /** Whether the object leads to the node (upstream's hasPathFrom), or why not. */
  hasPathFrom(node: string, type: VertexType, namespace: string, name: string): { ok: boolean; why?: string } {
    if (!this.nodes.has(node)) return { ok: false, why: `unknown node '${node}' cannot get ${type} ${namespace}/${name}` };
    const key = keyOf(type, namespace, name);
    if (type === 'pod') {
      const p = this.pods.get(key);
      if (!p) return { ok: false, why: `node '${node}' cannot get unknown pod ${namespace}/${name}` };
      return p.node === node ? { ok: true } : { ok: false, why: `node '${node}' cannot get pod ${namespace}/${name}, no relationship to this object was found in the node authorizer graph` };
    }
    const m = this.edges.get(key);
    if (!m) return { ok: false, why: `node '${node}' cannot get unknown ${type} ${namespace}/${name}` };
    return m.has(node) ? { ok: true } : { ok: false, why: `node '${node}' cannot get ${type} ${namespace}/${name}, no relationship to this object was found in the node authorizer graph` };
  }
}
