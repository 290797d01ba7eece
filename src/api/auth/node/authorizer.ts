// The Node authorizer (upstream's plugin/pkg/auth/authorizer/node, with 1.32's default
// AuthorizeNodeWithSelectors): a kubelet (system:node:<name> in system:nodes) may read the
// secrets, configmaps, PVCs and service-account tokens of pods bound to its node, list and watch
// only its own pods (fieldSelector spec.nodeName=<node>), read only its own Node, use only its own
// Lease, and do what the system:node rules allow otherwise. What it writes is further checked by
// NodeRestriction (restriction.ts).

import type { Attributes } from '../attributes.js';
import type { AuthorizationResult, Authorizer, RulesInfo } from '../authorizer.js';
import { rulesAllow, type PolicyRule } from '../rbac/rules.js';
import { nodeIdentity, type UserInfo } from '../user.js';
import type { NodeGraph, VertexType } from './graph.js';

const NODE_LEASE_NAMESPACE = 'kube-node-lease';

const allow = (): AuthorizationResult => ({ decision: 'allow', reason: '' });
const noOpinion = (reason = ''): AuthorizationResult => ({ decision: 'noOpinion', reason });

export class NodeAuthorizer implements Authorizer {
  constructor(private readonly graph: NodeGraph, private readonly nodeRules: PolicyRule[], private readonly log?: (line: string) => void) {}

  authorize(a: Attributes): AuthorizationResult {
    const { isNode, nodeName } = nodeIdentity(a.user);
    if (!isNode) return noOpinion();
    if (!nodeName) return noOpinion(`unknown node for user ${JSON.stringify(a.user.name)}`);
    if (a.resourceRequest) {
      const gr = `${a.apiGroup}/${a.resource}`;
      switch (gr) {
        case '/secrets': return this.readNamespacedObject(nodeName, 'secret', a);
        case '/configmaps': return this.readNamespacedObject(nodeName, 'configmap', a);
        case '/persistentvolumeclaims':
          if (a.subresource === 'status') return this.statusUpdate(nodeName, 'pvc', a);
          return this.get(nodeName, 'pvc', a);
        case '/serviceaccounts': return this.createToken(nodeName, a);
        case 'coordination.k8s.io/leases': return this.lease(nodeName, a);
        case 'storage.k8s.io/csinodes': return this.csiNode(nodeName, a);
        case '/nodes': return this.node(nodeName, a);
        case '/pods': return this.pod(nodeName, a);
        case '/persistentvolumes': case 'resource.k8s.io/resourceclaims': case 'storage.k8s.io/volumeattachments':
          // knit serves none of these: no graph edge leads to them.
          return this.deny(nodeName, a, a.verb !== 'get' ? 'can only get individual resources of this type' : `no relationship found between node '${nodeName}' and this object`);
      }
    }
    return rulesAllow(a, this.nodeRules) ? allow() : noOpinion();
  }

  /** Nodes' permissions depend on their pods: they cannot be listed (as upstream, which says so). */
  rulesFor(user: UserInfo): RulesInfo {
    if (!nodeIdentity(user).isNode) return { resourceRules: [], nonResourceRules: [], incomplete: false, errors: [] };
    return { resourceRules: [], nonResourceRules: [], incomplete: true, errors: ['node authorizer does not support user rule resolution'] };
  }

  private deny(nodeName: string, a: Attributes, reason: string): AuthorizationResult {
    this.log?.(`NODE DENY: '${nodeName}' ${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''} ${a.namespace}/${a.name}`);
    return noOpinion(reason);
  }

  private related(nodeName: string, type: VertexType, a: Attributes): AuthorizationResult {
    if (!a.name) return this.deny(nodeName, a, 'No Object name found');
    const path = this.graph.hasPathFrom(nodeName, type, a.namespace, a.name);
    if (!path.ok) {
      this.log?.(`NODE DENY: ${path.why}`);
      return noOpinion(`no relationship found between node '${nodeName}' and this object`);
    }
    return allow();
  }

  private statusUpdate(nodeName: string, type: VertexType, a: Attributes): AuthorizationResult {
    if (a.verb !== 'update' && a.verb !== 'patch') return this.deny(nodeName, a, 'can only get/update/patch this type');
    if (a.subresource !== 'status') return this.deny(nodeName, a, 'can only update status subresource');
    return this.related(nodeName, type, a);
  }

  private get(nodeName: string, type: VertexType, a: Attributes): AuthorizationResult {
    if (a.verb !== 'get') return this.deny(nodeName, a, 'can only get individual resources of this type');
    if (a.subresource) return this.deny(nodeName, a, 'cannot get subresource');
    return this.related(nodeName, type, a);
  }

  private readNamespacedObject(nodeName: string, type: VertexType, a: Attributes): AuthorizationResult {
    if (a.verb !== 'get' && a.verb !== 'list' && a.verb !== 'watch') return this.deny(nodeName, a, 'can only read resources of this type');
    if (a.subresource) return this.deny(nodeName, a, 'cannot read subresource');
    if (!a.namespace) return this.deny(nodeName, a, 'can only read namespaced object of this type');
    return this.related(nodeName, type, a);
  }

  private createToken(nodeName: string, a: Attributes): AuthorizationResult {
    if (a.verb !== 'create' || !a.name) return this.deny(nodeName, a, 'can only create tokens for individual service accounts');
    if (a.subresource !== 'token') return this.deny(nodeName, a, 'can only create token subresource of serviceaccount');
    return this.related(nodeName, 'serviceaccount', a);
  }

  private lease(nodeName: string, a: Attributes): AuthorizationResult {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) return this.deny(nodeName, a, 'can only get, create, update, patch, or delete a node lease');
    if (a.namespace !== NODE_LEASE_NAMESPACE) return this.deny(nodeName, a, `can only access leases in the ${JSON.stringify(NODE_LEASE_NAMESPACE)} system namespace`);
    // The name of a create is not known here: NodeRestriction checks it.
    if (a.verb !== 'create' && a.name !== nodeName) return this.deny(nodeName, a, 'can only access node lease with the same name as the requesting node');
    return allow();
  }

  private csiNode(nodeName: string, a: Attributes): AuthorizationResult {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) return this.deny(nodeName, a, 'can only get, create, update, patch, or delete a CSINode');
    if (a.subresource) return this.deny(nodeName, a, 'cannot authorize CSINode subresources');
    if (a.verb !== 'create' && a.name !== nodeName) return this.deny(nodeName, a, 'can only access CSINode with the same name as the requesting node');
    return allow();
  }

  private node(nodeName: string, a: Attributes): AuthorizationResult {
    if (!a.subresource) {
      // Writes go on to NodeRestriction, which keeps a node to its own Node.
      if (a.verb === 'create' || a.verb === 'update' || a.verb === 'patch') return allow();
      if (a.verb === 'get' || a.verb === 'list' || a.verb === 'watch') {
        if (a.name === nodeName) return allow();
        if (!a.name) return this.deny(nodeName, a, `node '${nodeName}' cannot read all nodes, only its own Node object`);
        return this.deny(nodeName, a, `node '${nodeName}' cannot read '${a.name}', only its own Node object`);
      }
    } else if (a.subresource === 'status' && (a.verb === 'update' || a.verb === 'patch')) {
      return allow();
    }
    return this.deny(nodeName, a, '');
  }

  private pod(nodeName: string, a: Attributes): AuthorizationResult {
    switch (a.subresource) {
      case '':
        if (a.verb === 'get') return this.get(nodeName, 'pod', a);
        if (a.verb === 'list' || a.verb === 'watch') {
          if (a.fieldSelector?.some((r) => r.field === 'spec.nodeName' && r.operator === '=' && r.value === nodeName)) return allow();
          if (a.name) return this.related(nodeName, 'pod', a);
          return this.deny(nodeName, a, 'can only list/watch pods with spec.nodeName field selector');
        }
        // Mirror pods, and deleting its own pods: NodeRestriction checks which.
        if (a.verb === 'create' || a.verb === 'delete') return allow();
        break;
      case 'status':
        if (a.verb === 'update' || a.verb === 'patch') return allow();
        break;
      case 'eviction':
        if (a.verb === 'create') return allow();
        break;
    }
    return this.deny(nodeName, a, '');
  }
}
