// Service-account tokens, both ways: issuing them for TokenRequest (audiences, expirationSeconds,
// a binding to a Pod, Secret or Node) and authenticating requests that carry them, as
// kube-apiserver does: the signature, issuer, audience (one of the API server's own) and lifetime,
// then the objects the token names must still exist with the same uid. Successful
// authentications are cached for 10 seconds (kube-apiserver's token success cache).

import { errors, goQuote } from '../../kube/errors.js';
import type { KubeObject } from '../../kube/types.js';
import { metaTime } from '../../common/time.js';
import { signServiceAccountToken, verifyServiceAccountToken, type ServiceAccountClaims } from '../../pki/index.js';
import { EXTRA, serviceAccountGroups, serviceAccountUsername, ALL_AUTHENTICATED, type UserInfo } from './user.js';

/** Reads objects a token refers to (undefined: not found). */
export type ObjectGetter = (plural: 'serviceaccounts' | 'pods' | 'secrets' | 'nodes', namespace: string | undefined, name: string) => Promise<KubeObject | undefined>;

export interface TokenOptions {
  issuer: string;
  /** The audiences the API server stands for (--api-audiences; default: the issuer). */
  apiAudiences: string[];
  keys: { privateKeyPem: string; publicKeyPem: string };
  get: ObjectGetter;
  /** How long a successful authentication is remembered (default 10 s, as kube-apiserver). */
  cacheTtlMs?: number;
}

/** Tokens bound to a pod and asked for with this lifetime get a year, warning after it (kube-apiserver's --service-account-extend-token-expiration). */
const WARN_ONLY_BOUND_TOKEN_EXPIRATION = 3607;
const EXTENDED_EXPIRATION = 24 * 365 * 60 * 60;
/** go-jose's leeway: objects deleted longer ago than this no longer hold a token. */
const LEEWAY_MS = 60_000;
const CACHE_TTL_MS = 10_000;
const CACHE_MAX = 4096;

const deletedLongAgo = (o: KubeObject, now: number): boolean => !!o.metadata.deletionTimestamp && Date.parse(o.metadata.deletionTimestamp) < now - LEEWAY_MS;

export class ServiceAccountTokens {
  private readonly cache = new Map<string, { user: UserInfo; until: number }>();

  constructor(private readonly o: TokenOptions) {}

  /**
   * The user a bearer token stands for, for the given audiences (default: the API server's), or
   * the reason it does not stand for one.
   */
  async authenticate(token: string, audiences = this.o.apiAudiences): Promise<{ user: UserInfo; audiences: string[] } | { error: string; notOurs?: boolean }> {
    const key = `${audiences.join(',')}\u0000${token}`;
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return { user: hit.user, audiences: this.matchingAudiences(token, audiences) };
    // A token that is not a JWT of this issuer is none of this authenticator's business.
    if (this.issuerOf(token) !== this.o.issuer) return { error: 'invalid bearer token', notOurs: true };
    let claims: ServiceAccountClaims;
    try {
      claims = verifyServiceAccountToken(this.o.keys.publicKeyPem, token, { issuers: [this.o.issuer], audiences });
    } catch (err) {
      return { error: (err as Error).message };
    }
    const k8s = claims['kubernetes.io'];
    const ns = k8s.namespace;
    const sa = await this.o.get('serviceaccounts', ns, k8s.serviceaccount.name);
    if (!sa) return { error: `serviceaccount ${goQuote(k8s.serviceaccount.name)} not found` };
    if (deletedLongAgo(sa, now)) return { error: `service account ${ns}/${k8s.serviceaccount.name} has been deleted` };
    if (sa.metadata.uid !== k8s.serviceaccount.uid) return { error: `service account UID (${sa.metadata.uid}) does not match claim (${k8s.serviceaccount.uid})` };
    const extra: Record<string, string[]> = { [EXTRA.credentialID]: [`JTI=${claims.jti}`] };
    const secretRef = (k8s as { secret?: { name: string; uid: string } }).secret;
    if (secretRef) {
      const secret = await this.o.get('secrets', ns, secretRef.name);
      if (!secret || deletedLongAgo(secret, now)) return { error: 'service account token has been invalidated' };
      if (secret.metadata.uid !== secretRef.uid) return { error: `secret UID (${secret.metadata.uid}) does not match service account secret ref claim (${secretRef.uid})` };
    }
    if (k8s.pod) {
      const pod = await this.o.get('pods', ns, k8s.pod.name);
      if (!pod || deletedLongAgo(pod, now)) return { error: 'service account token has been invalidated' };
      if (pod.metadata.uid !== k8s.pod.uid) return { error: `pod UID (${pod.metadata.uid}) does not match service account pod ref claim (${k8s.pod.uid})` };
      extra[EXTRA.podName] = [k8s.pod.name];
      extra[EXTRA.podUID] = [k8s.pod.uid];
    }
    if (k8s.node) {
      // A token bound to a node (not through a pod) goes with the node.
      if (!k8s.pod) {
        const node = await this.o.get('nodes', undefined, k8s.node.name);
        if (!node || deletedLongAgo(node, now)) return { error: 'service account token has been invalidated' };
        if (node.metadata.uid !== k8s.node.uid) return { error: `node UID (${node.metadata.uid}) does not match service account node ref claim (${k8s.node.uid})` };
      }
      extra[EXTRA.nodeName] = [k8s.node.name];
      if (k8s.node.uid) extra[EXTRA.nodeUID] = [k8s.node.uid];
    }
    const user: UserInfo = {
      name: serviceAccountUsername(ns, k8s.serviceaccount.name),
      uid: k8s.serviceaccount.uid,
      groups: [...serviceAccountGroups(ns), ALL_AUTHENTICATED],
      extra,
    };
    const ttl = this.o.cacheTtlMs ?? CACHE_TTL_MS;
    if (ttl > 0) {
      if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, { user, until: now + ttl });
    }
    return { user, audiences: this.matchingAudiences(token, audiences) };
  }

  private issuerOf(token: string): string | undefined {
    try {
      const parts = token.split('.');
      if (parts.length !== 3) return undefined;
      const iss = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')).iss;
      return typeof iss === 'string' ? iss : undefined;
    } catch {
      return undefined;
    }
  }

  /** The requested audiences the token names (TokenReview's status.audiences). */
  private matchingAudiences(token: string, audiences: string[]): string[] {
    try {
      const aud = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).aud;
      const list: string[] = Array.isArray(aud) ? aud : [aud];
      return audiences.filter((a) => list.includes(a));
    } catch {
      return [];
    }
  }

  /** Fills a TokenRequest for serviceAccount (upstream's TokenREST.Create). */
  async issue(sa: KubeObject, request: KubeObject): Promise<KubeObject> {
    const name = sa.metadata.name!;
    const namespace = sa.metadata.namespace!;
    const gk = { group: 'authentication.k8s.io', kind: 'TokenRequest' };
    if (request.metadata?.name && request.metadata.name !== name) {
      throw errors.invalid(gk.group, gk.kind, name, [{ type: 'FieldValueInvalid', field: 'metadata.name', value: request.metadata.name, detail: 'must match the service account name if specified' }]);
    }
    if (request.metadata?.namespace && request.metadata.namespace !== namespace) {
      throw errors.invalid(gk.group, gk.kind, name, [{ type: 'FieldValueInvalid', field: 'metadata.namespace', value: request.metadata.namespace, detail: 'must match the service account namespace if specified' }]);
    }
    const spec = { ...(request.spec ?? {}) };
    if (!Array.isArray(spec.audiences) || spec.audiences.length === 0) spec.audiences = [...this.o.apiAudiences];
    spec.expirationSeconds ??= 3600;
    const seconds = Number(spec.expirationSeconds);
    if (!Number.isInteger(seconds) || seconds < 600) {
      throw errors.invalid(gk.group, gk.kind, '', [{ type: 'FieldValueInvalid', field: 'spec.expirationSeconds', value: spec.expirationSeconds, detail: 'may not specify a duration less than 10 minutes' }]);
    }
    if (seconds > 2 ** 32) {
      throw errors.invalid(gk.group, gk.kind, '', [{ type: 'FieldValueInvalid', field: 'spec.expirationSeconds', value: spec.expirationSeconds, detail: 'may not specify a duration larger than 2^32 seconds' }]);
    }
    let pod: KubeObject | undefined;
    let secret: KubeObject | undefined;
    let node: KubeObject | undefined;
    const ref = spec.boundObjectRef;
    if (ref) {
      const group = String(ref.apiVersion ?? '').includes('/') ? String(ref.apiVersion).split('/')[0] : '';
      let uid: string | undefined;
      if (group === '' && ref.kind === 'Pod') {
        pod = await this.o.get('pods', namespace, ref.name);
        if (!pod) throw errors.notFound({ group: '', resource: 'pods' }, ref.name);
        if (name !== (pod.spec?.serviceAccountName || 'default')) {
          throw errors.badRequest(`cannot bind token for serviceaccount ${goQuote(name)} to pod running with different serviceaccount name.`);
        }
        uid = pod.metadata.uid;
        if (pod.spec?.nodeName) node = await this.o.get('nodes', undefined, pod.spec.nodeName);
      } else if (group === '' && ref.kind === 'Secret') {
        secret = await this.o.get('secrets', namespace, ref.name);
        if (!secret) throw errors.notFound({ group: '', resource: 'secrets' }, ref.name);
        uid = secret.metadata.uid;
      } else if (group === '' && ref.kind === 'Node') {
        node = await this.o.get('nodes', undefined, ref.name);
        if (!node) throw errors.notFound({ group: '', resource: 'nodes' }, ref.name);
        uid = node.metadata.uid;
      } else {
        const version = String(ref.apiVersion ?? '').split('/').pop() ?? '';
        throw errors.badRequest(`cannot bind token for serviceaccount ${goQuote(name)} to object of kind ${goQuote(`${group ? `${group}/` : ''}${version}, Kind=${ref.kind ?? ''}`)}`);
      }
      if (ref.uid && ref.uid !== uid) {
        throw errors.conflict({ group: '', resource: ref.kind }, ref.name, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
      }
    }
    const now = new Date();
    const extended = pod && seconds === WARN_ONLY_BOUND_TOKEN_EXPIRATION && spec.audiences.every((a: string) => this.o.apiAudiences.includes(a));
    const token = signServiceAccountToken(this.o.keys.privateKeyPem, {
      issuer: this.o.issuer, audiences: spec.audiences, namespace,
      serviceAccount: { name, uid: sa.metadata.uid! },
      pod: pod ? { name: pod.metadata.name!, uid: pod.metadata.uid! } : undefined,
      secret: secret ? { name: secret.metadata.name!, uid: secret.metadata.uid! } : undefined,
      node: node ? { name: node.metadata.name!, uid: node.metadata.uid! } : undefined,
      expirationSeconds: extended ? EXTENDED_EXPIRATION : seconds,
      warnAfterSeconds: extended ? seconds : undefined,
      now,
    });
    return {
      kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace, creationTimestamp: metaTime(now) },
      spec,
      status: { token, expirationTimestamp: metaTime(now.getTime() + seconds * 1000) },
    };
  }
}
