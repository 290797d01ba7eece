// Service-account tokens: JWTs signed ES256 with the claims kube-apiserver puts in them, and the
// checks its token authenticator makes, with its error messages.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';

export type KeyInput = string | Buffer | KeyObject;

export interface ObjectRef {
  name: string;
  uid: string;
}

/** What a token is for: the service account, and the pod (and its node), secret or node it is bound to. */
export interface ServiceAccountTokenSpec {
  /** The iss claim (kube-apiserver --service-account-issuer). */
  issuer: string;
  /** The aud claim: who may accept the token (by default the issuer, as kube-apiserver's API audiences). */
  audiences?: string[];
  namespace: string;
  serviceAccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
  /** Lifetime (default 3600, TokenRequest's default). */
  expirationSeconds?: number;
  /** A token whose lifetime was extended records when it would have expired (the warnafter claim). */
  warnAfterSeconds?: number;
  /** The issuing time (default now). */
  now?: Date;
}

/** The payload of a token, in upstream's claim names. */
export interface ServiceAccountClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': {
    namespace: string;
    serviceaccount: ObjectRef;
    pod?: ObjectRef;
    secret?: ObjectRef;
    node?: ObjectRef;
    warnafter?: number;
  };
}

export interface VerifyOptions {
  /** Accepted iss values (default: any). */
  issuers?: string[];
  /** The audiences the verifier stands for; the token must name at least one (default: any). */
  audiences?: string[];
  now?: Date;
}

/** go-jose's default leeway for exp and nbf, which kube-apiserver uses. */
const LEEWAY_SECONDS = 60;

/** A new ES256 signing key pair for service-account tokens (kubeadm's sa.key / sa.pub). */
export function createSigningKey(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

/** The kid header upstream derives from a public key: base64url(sha256(PKIX DER)). */
export function keyId(publicKey: KeyInput): string {
  const der = toPublicKey(publicKey).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}

export function signServiceAccountToken(privateKey: KeyInput, spec: ServiceAccountTokenSpec): string {
  let key: KeyObject;
  try {
    key = isKeyObject(privateKey) ? privateKey : createPrivateKey(privateKey);
  } catch (err) {
    throw new Error(`service account tokens are signed with a private key: ${(err as Error).message}`);
  }
  if (key.type !== 'private') throw new Error('service account tokens are signed with a private key');
  checkP256(key);
  for (const [field, value] of [['issuer', spec.issuer], ['namespace', spec.namespace], ['serviceAccount.name', spec.serviceAccount?.name]] as const) {
    if (!value) throw new Error(`service account token: ${field} is required`);
  }
  const lifetime = spec.expirationSeconds ?? 3600;
  if (!Number.isSafeInteger(lifetime) || lifetime < 1) throw new Error(`expirationSeconds must be a whole number >= 1, got ${lifetime}`);
  const now = Math.floor((spec.now ?? new Date()).getTime() / 1000);
  const claims: ServiceAccountClaims = {
    aud: spec.audiences ?? [spec.issuer],
    exp: now + lifetime,
    iat: now,
    iss: spec.issuer,
    jti: randomUUID(),
    'kubernetes.io': {
      namespace: spec.namespace,
      ...(spec.node ? { node: { ...spec.node } } : {}),
      ...(spec.pod ? { pod: { ...spec.pod } } : {}),
      ...(spec.secret ? { secret: { ...spec.secret } } : {}),
      serviceaccount: { ...spec.serviceAccount },
      ...(spec.warnAfterSeconds ? { warnafter: now + spec.warnAfterSeconds } : {}),
    },
    nbf: now,
    sub: `system:serviceaccount:${spec.namespace}:${spec.serviceAccount.name}`,
  };
  const header = { alg: 'ES256', kid: keyId(key) };
  const input = `${base64url(header)}.${base64url(claims)}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }); // JWS: r || s
  return `${input}.${signature.toString('base64url')}`;
}

/** Checks a token's signature, issuer, audience and time; returns its claims or throws why not. */
export function verifyServiceAccountToken(publicKey: KeyInput, token: string, options: VerifyOptions = {}): ServiceAccountClaims {
  const key = toPublicKey(publicKey);
  const parts = typeof token === 'string' ? token.trim().split('.') : [];
  if (parts.length !== 3) throw new Error('token is not a JWT: compact JWS format must have three parts');
  const header = decodePart(parts[0], 'header') as { alg?: string; kid?: string };
  if (header.alg !== 'ES256') throw new Error(`token algorithm "${header.alg}" is not ES256`);
  if (header.kid && header.kid !== keyId(key)) throw new Error('invalid signature, no keys found');
  const signature = Buffer.from(parts[2], 'base64url');
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
  if (!verify('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, signature)) throw new Error('invalid signature');
  const claims = decodePart(parts[1], 'payload') as ServiceAccountClaims;

  if (options.issuers && !options.issuers.includes(claims.iss)) throw new Error(`token issuer ${goQuote(claims.iss)} is invalid`);
  const aud = Array.isArray(claims.aud) ? claims.aud : typeof claims.aud === 'string' ? [claims.aud] : [];
  if (options.audiences && !aud.some((a) => options.audiences?.includes(a))) {
    throw new Error(`token audiences ${goQuoteList(aud)} is invalid for the target audiences ${goQuoteList(options.audiences)}`);
  }
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (typeof claims.nbf === 'number' && now + LEEWAY_SECONDS < claims.nbf) throw new Error('service account token is not valid yet');
  if (typeof claims.exp === 'number' && now - LEEWAY_SECONDS > claims.exp) throw new Error('service account token has expired');
  const k8s = claims['kubernetes.io'];
  if (!k8s?.namespace || !k8s.serviceaccount?.name) throw new Error('token has no kubernetes.io service account claims');
  return claims;
}

function toPublicKey(key: KeyInput): KeyObject {
  const object = isKeyObject(key) ? key : createPublicKey(key);
  const pub = object.type === 'private' ? createPublicKey(object) : object;
  checkP256(pub);
  return pub;
}

const isKeyObject = (key: KeyInput): key is KeyObject => typeof key === 'object' && !Buffer.isBuffer(key);

function checkP256(key: KeyObject): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('service account tokens are signed ES256: the key must be ECDSA P-256');
  }
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodePart(part: string, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new Error(`token is not a JWT: its ${what} is not base64url JSON`);
  }
}

/** Go's %q of a string and of a []string, as upstream's messages print them. */
const goQuote = (s: string): string => JSON.stringify(s);
const goQuoteList = (list: string[]): string => `[${list.map(goQuote).join(' ')}]`;
