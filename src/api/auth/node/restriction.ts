// NodeRestriction (upstream's plugin/pkg/admission/noderestriction): what the Node authorizer
// lets a kubelet write is narrowed to its own node: its own Node object (without changing its
// taints or setting labels kubelets may not set), its own Lease, the status and deletion of pods
// bound to it, mirror pods only, and tokens only for pods bound to it.

import { errors, goQuote, type ApiError } from '../../../kube/errors.js';
import type { KubeObject } from '../../../kube/types.js';
import type { ResourceDef, Subresource, WriteContext } from '../../resource.js';
import { deepEqual } from '../../validation/values.js';
import { nodeIdentity, type UserInfo } from '../user.js';

const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/** Labels kubelets set on their Node (k8s.io/kubelet's kubeletLabels and label namespaces). */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname', 'topology.kubernetes.io/zone', 'topology.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region', 'beta.kubernetes.io/instance-type', 'node.kubernetes.io/instance-type', 'kubernetes.io/os',
  'kubernetes.io/arch', 'beta.kubernetes.io/os', 'beta.kubernetes.io/arch',
]);
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

const labelNamespace = (key: string): string => (key.includes('/') ? key.slice(0, key.indexOf('/')) : '');
const inNamespace = (ns: string, base: string): boolean => ns === base || ns.endsWith(`.${base}`);

function isKubeletLabel(key: string): boolean {
  return KUBELET_LABELS.has(key) || KUBELET_LABEL_NAMESPACES.some((n) => inNamespace(labelNamespace(key), n));
}

/** The labels a node may not add, change or remove (node-restriction.kubernetes.io/, other kubernetes.io and k8s.io). */
export function forbiddenNodeLabels(next: Record<string, string> | undefined, prev: Record<string, string> | undefined): string[] {
  const a = next ?? {};
  const b = prev ?? {};
  const modified = new Set([...Object.keys(a).filter((k) => a[k] !== b[k]), ...Object.keys(b).filter((k) => a[k] !== b[k])]);
  const out: string[] = [];
  for (const label of modified) {
    const ns = labelNamespace(label);
    const kubernetes = inNamespace(ns, 'kubernetes.io') || inNamespace(ns, 'k8s.io');
    if (inNamespace(ns, 'node-restriction.kubernetes.io') || (kubernetes && !isKubeletLabel(label))) out.push(label);
  }
  return out.sort();
}

function forbidden(def: ResourceDef, name: string, why: string): ApiError {
  return errors.forbidden({ group: def.group, resource: def.plural }, name, why);
}

export class NodeRestriction {
  constructor(private readonly getPod: (namespace: string, name: string) => Promise<KubeObject | undefined>) {}

  private node(user: UserInfo | undefined): string | undefined {
    if (!user) return undefined;
    const { isNode, nodeName } = nodeIdentity(user);
    return isNode ? nodeName : undefined;
  }

  async create(def: ResourceDef, obj: KubeObject, ctx: WriteContext): Promise<void> {
    const node = this.node(ctx.userInfo);
    if (node === undefined) return;
    const name = obj.metadata.name || obj.metadata.generateName || 'Unknown';
    if (!node) throw forbidden(def, name, `could not determine node from user ${goQuote(ctx.userInfo!.name)}`);
    const key = `${def.group}/${def.plural}`;
    if (key === '/pods') this.mirrorPod(def, obj, node, name);
    if (key === '/nodes') {
      if (obj.metadata.name !== node) throw forbidden(def, name, `node ${goQuote(node)} is not allowed to modify node ${goQuote(obj.metadata.name ?? '')}`);
      if (obj.spec?.configSource != null) throw forbidden(def, name, `node ${goQuote(node)} is not allowed to create pods with a non-nil configSource`);
      const labels = forbiddenNodeLabels(obj.metadata.labels, undefined);
      if (labels.length) throw forbidden(def, name, `node ${goQuote(node)} is not allowed to set the following labels: ${labels.join(', ')}`);
    }
    if (key === 'coordination.k8s.io/leases') this.lease(def, obj, node, name);
  }

  async update(def: ResourceDef, obj: KubeObject, old: KubeObject, ctx: WriteContext, subresource?: Subresource): Promise<void> {
    const node = this.node(ctx.userInfo);
    if (node === undefined) return;
    const name = obj.metadata.name ?? 'Unknown';
    if (!node) throw forbidden(def, name, `could not determine node from user ${goQuote(ctx.userInfo!.name)}`);
    const key = `${def.group}/${def.plural}`;
    if (key === '/pods') {
      if (subresource !== 'status') throw forbidden(def, name, `unexpected operation "UPDATE", node ${goQuote(node)} can only create and delete mirror pods`);
      if (old.spec?.nodeName !== node) throw forbidden(def, name, `node ${goQuote(node)} can only update pod status for pods with spec.nodeName set to itself`);
      if (!deepEqual(obj.metadata.labels ?? {}, old.metadata.labels ?? {})) throw forbidden(def, name, `node ${goQuote(node)} cannot update labels through pod status`);
    }
    if (key === '/nodes') {
      if (name !== node) throw forbidden(def, name, `node ${goQuote(node)} is not allowed to modify node ${goQuote(name)}`);
      if (obj.spec?.configSource != null && !deepEqual(obj.spec.configSource, old.spec?.configSource)) {
        throw forbidden(def, name, `node ${goQuote(node)} is not allowed to update configSource to a new non-nil configSource`);
      }
      if (!deepEqual(obj.spec?.taints ?? [], old.spec?.taints ?? [])) throw forbidden(def, name, `node ${goQuote(node)} is not allowed to modify taints`);
      const labels = forbiddenNodeLabels(obj.metadata.labels, old.metadata.labels);
      if (labels.length) throw forbidden(def, name, `is not allowed to modify labels: ${labels.join(', ')}`);
    }
    if (key === 'coordination.k8s.io/leases') this.lease(def, obj, node, name);
  }

  async delete(def: ResourceDef, current: KubeObject, ctx: WriteContext): Promise<void> {
    const node = this.node(ctx.userInfo);
    if (node === undefined) return;
    // Upstream names the object of a delete "Unknown": admission has no object to read it from.
    if (!node) throw forbidden(def, 'Unknown', `could not determine node from user ${goQuote(ctx.userInfo!.name)}`);
    const key = `${def.group}/${def.plural}`;
    if (key === '/pods' && current.spec?.nodeName !== node) throw forbidden(def, 'Unknown', `node ${goQuote(node)} can only delete pods with spec.nodeName set to itself`);
    if (key === '/nodes' && current.metadata.name !== node) throw forbidden(def, 'Unknown', `node ${goQuote(node)} is not allowed to modify node ${goQuote(current.metadata.name ?? '')}`);
    if (key === 'coordination.k8s.io/leases') this.lease(def, current, node, 'Unknown');
  }

  /** A TokenRequest from a node must be bound to a pod on that node. */
  async tokenRequest(serviceAccount: KubeObject, request: KubeObject, user: UserInfo): Promise<void> {
    const node = this.node(user);
    if (node === undefined) return;
    const gr = { group: '', resource: 'serviceaccounts' };
    const name = request.metadata?.name || serviceAccount.metadata.name!;
    const ref = request.spec?.boundObjectRef;
    if (!ref || ref.apiVersion !== 'v1' || ref.kind !== 'Pod' || !ref.name) throw errors.forbidden(gr, name, 'node requested token not bound to a pod');
    if (!ref.uid) throw errors.forbidden(gr, name, 'node requested token with a pod binding without a uid');
    const pod = await this.getPod(serviceAccount.metadata.namespace!, ref.name);
    if (!pod) throw errors.notFound({ group: '', resource: 'pods' }, ref.name);
    if (ref.uid !== pod.metadata.uid) {
      throw errors.forbidden(gr, name, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
    if (pod.spec?.nodeName !== node) throw errors.forbidden(gr, name, 'node requested token bound to a pod scheduled on a different node');
  }

  private mirrorPod(def: ResourceDef, pod: KubeObject, node: string, name: string): void {
    if (!Object.prototype.hasOwnProperty.call(pod.metadata.annotations ?? {}, MIRROR_POD_ANNOTATION)) {
      throw forbidden(def, name, `pod does not have ${goQuote(MIRROR_POD_ANNOTATION)} annotation, node ${goQuote(node)} can only create mirror pods`);
    }
    if (pod.spec?.nodeName !== node) throw forbidden(def, name, `node ${goQuote(node)} can only create pods with spec.nodeName set to itself`);
    const owners = pod.metadata.ownerReferences ?? [];
    if (owners.length > 1) throw forbidden(def, name, `node ${goQuote(node)} can only create pods with a single owner reference set to itself`);
    const owner = owners[0];
    if (!owner || owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== node) {
      throw forbidden(def, name, `node ${goQuote(node)} can only create pods with an owner reference set to itself`);
    }
    if (!owner.controller) throw forbidden(def, name, `node ${goQuote(node)} can only create pods with a controller owner reference set to itself`);
    if (owner.blockOwnerDeletion) throw forbidden(def, name, `node ${goQuote(node)} must not set blockOwnerDeletion on an owner reference`);
    if (pod.spec?.serviceAccountName && pod.spec.serviceAccountName !== 'default') {
      throw forbidden(def, name, `node ${goQuote(node)} can not create pods that reference a service account`);
    }
  }

  private lease(def: ResourceDef, lease: KubeObject, node: string, name: string): void {
    if (lease.metadata.namespace !== 'kube-node-lease') throw forbidden(def, name, 'can only access leases in the "kube-node-lease" system namespace');
    if (lease.metadata.name !== node) throw forbidden(def, name, 'can only access node lease with the same name as the requesting node');
  }
}
