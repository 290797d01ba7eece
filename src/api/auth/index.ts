// Authentication and authorization of the API server, assembled: who a request comes from
// (authenticate.ts, impersonate.ts, tokens.ts), whether they may (Node, RBAC), the checks on
// writes (NodeRestriction, RBAC escalation), the review kinds, and the default policy written at
// start. The authorizers read in-memory views of the RBAC objects and of the pods, kept by
// following the store.

import type { IncomingMessage } from 'node:http';
import type { KubeObject } from '../../kube/types.js';
import type { RequestInfo } from '../http/request-info.js';
import type { ResourceDef } from '../resource.js';
import type { Admission, Registry } from '../rest/registry.js';
import type { RequestAuth } from '../server.js';
import { requestAttributes } from './attributes.js';
import { Authenticator } from './authenticate.js';
import { forbiddenError, PrivilegedGroupsAuthorizer, UnionAuthorizer } from './authorizer.js';
import { nodeRules } from './bootstrap/policy.js';
import { reconcileBootstrapPolicy } from './bootstrap/reconcile.js';
import { follow, type Follower } from './follow.js';
import { impersonate, wantsImpersonation } from './impersonate.js';
import { NodeAuthorizer } from './node/authorizer.js';
import { NodeGraph } from './node/graph.js';
import { NodeRestriction } from './node/restriction.js';
import { RbacAdmission } from './rbac/admission.js';
import { RbacAuthorizer } from './rbac/authorizer.js';
import { RbacPolicy, RuleResolver, type RbacPlural } from './rbac/policy.js';
import { RBAC_GROUP } from './rbac/rules.js';
import { reviewResources } from './reviews.js';
import { ServiceAccountTokens } from './tokens.js';
import type { UserInfo } from './user.js';

export type { UserInfo } from './user.js';

export interface AuthConfig {
  /** The service-account token issuer (--service-account-issuer). */
  issuer: string;
  /** The audiences the API server accepts tokens for (--api-audiences; default: the issuer). */
  apiAudiences?: string[];
  serviceAccountKey: { privateKeyPem: string; publicKeyPem: string };
  log?: (line: string) => void;
}

type DefLookup = (group: string, plural: string) => ResourceDef;

export class ApiAuth implements RequestAuth {
  /** The review kinds (SelfSubjectAccessReview, TokenReview, ...), served like any other. */
  readonly reviewDefs: ResourceDef[];
  readonly admission: Admission;
  private readonly tokens: ServiceAccountTokens;
  private readonly authenticator: Authenticator;
  private readonly authorizer: UnionAuthorizer;
  private readonly policy = new RbacPolicy();
  private readonly graph = new NodeGraph();
  private readonly followers: Follower[] = [];
  private bound?: { registry: Registry; def: DefLookup };
  /** serviceaccounts/token: a TokenRequest answered (NodeRestriction first, for nodes). */
  readonly issueToken: (serviceAccount: KubeObject, request: KubeObject, user: UserInfo) => Promise<KubeObject>;

  constructor(private readonly cfg: AuthConfig) {
    const apiAudiences = cfg.apiAudiences ?? [cfg.issuer];
    this.tokens = new ServiceAccountTokens({
      issuer: cfg.issuer, apiAudiences, keys: cfg.serviceAccountKey,
      get: (plural, namespace, name) => this.get('', plural, namespace, name),
    });
    this.authenticator = new Authenticator({ tokens: this.tokens, log: cfg.log });
    this.authorizer = new UnionAuthorizer([
      new PrivilegedGroupsAuthorizer(),
      new NodeAuthorizer(this.graph, nodeRules()),
      new RbacAuthorizer(new RuleResolver(this.policy, 'lister')),
    ]);
    const rbacAdmission = new RbacAdmission(new RuleResolver(this.policy, 'registry'), this.authorizer);
    const nodeRestriction = new NodeRestriction((ns, name) => this.get('', 'pods', ns, name));
    this.admission = {
      create: async (def, obj, ctx) => {
        await nodeRestriction.create(def, obj, ctx);
        rbacAdmission.check(def, obj, undefined, ctx.userInfo);
      },
      update: async (def, obj, old, ctx, subresource) => {
        await nodeRestriction.update(def, obj, old, ctx, subresource);
        rbacAdmission.check(def, obj, old, ctx.userInfo);
      },
      delete: (def, current, ctx) => nodeRestriction.delete(def, current, ctx),
    };
    this.issueToken = async (sa, request, user) => {
      await nodeRestriction.tokenRequest(sa, request, user);
      return this.tokens.issue(sa, request);
    };
    this.reviewDefs = reviewResources({ authorizer: this.authorizer, tokens: this.tokens, apiAudiences });
  }

  /** The registry the authorizers and token checks read (the server's, once it exists). */
  bind(registry: Registry, def: DefLookup): void {
    this.bound = { registry, def };
  }

  private async get(group: string, plural: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    if (!this.bound) return undefined;
    return this.bound.registry.tryGet(this.bound.def(group, plural), namespace, name);
  }

  /** Follows the RBAC objects and pods, then writes the default policy; before the server listens. */
  async start(): Promise<void> {
    if (!this.bound) throw new Error('auth: bind() the registry before start()');
    const { registry, def } = this.bound;
    const p = this.policy;
    const kinds: [RbacPlural, (o: KubeObject) => void, (o: KubeObject) => void][] = [
      ['roles', (o) => p.setRole(o), (o) => p.deleteRole(o)],
      ['clusterroles', (o) => p.setClusterRole(o), (o) => p.deleteClusterRole(o)],
      ['rolebindings', (o) => p.setRoleBinding(o), (o) => p.deleteRoleBinding(o)],
      ['clusterrolebindings', (o) => p.setClusterRoleBinding(o), (o) => p.deleteClusterRoleBinding(o)],
    ];
    for (const [plural, set, remove] of kinds) {
      this.followers.push(follow(registry, def(RBAC_GROUP, plural), {
        reset: (objects) => { p.clear(plural); for (const o of objects) set(o); },
        upsert: set,
        remove,
      }, this.cfg.log));
    }
    this.followers.push(follow(registry, def('', 'pods'), {
      reset: (pods) => this.graph.reset(pods),
      upsert: (pod) => this.graph.setPod(pod),
      remove: (pod) => this.graph.deletePod(pod),
    }, this.cfg.log));
    await Promise.all(this.followers.map((f) => f.ready));
    await reconcileBootstrapPolicy({ registry, def, log: this.cfg.log });
  }

  stop(): void {
    for (const f of this.followers.splice(0)) f.stop();
  }

  async authenticate(req: IncomingMessage): Promise<UserInfo> {
    const user = await this.authenticator.authenticate(req);
    return wantsImpersonation(req) ? impersonate(req, user, this.authorizer) : user;
  }

  async authorize(req: IncomingMessage, url: URL, info: RequestInfo, user: UserInfo): Promise<void> {
    const a = requestAttributes(req.method ?? 'GET', url, info, user);
    const r = this.authorizer.authorize(a);
    if (r.decision !== 'allow') throw forbiddenError(a, r.reason);
  }
}
