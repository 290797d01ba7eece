import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { createSigningKey, keyId, signServiceAccountToken, verifyServiceAccountToken, type ServiceAccountTokenSpec } from './tokens.js';

const { privateKeyPem, publicKeyPem } = createSigningKey();
const issuer = 'https://kubernetes.default.svc.cluster.local';
const now = new Date('2025-06-01T12:00:00Z');
const t0 = now.getTime() / 1000;
const spec: ServiceAccountTokenSpec = {
  issuer,
  namespace: 'default',
  serviceAccount: { name: 'builder', uid: '2b5a3b0e-9d1c-4a51-8d0e-6f3c2b1a0f9e' },
  pod: { name: 'web-0', uid: '8f2d1c4b-1e3a-4b5c-9d7e-0a1b2c3d4e5f' },
  node: { name: 'knit-worker', uid: '5c6d7e8f-0a1b-4c2d-8e3f-9a0b1c2d3e4f' },
  now,
};

const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

describe('service account tokens', () => {
  it('carry upstream claims: sub, aud, the kubernetes.io bindings, and a one-hour lifetime by default', () => {
    const token = signServiceAccountToken(privateKeyPem, spec);
    const [header, payload] = token.split('.').map((p, i) => (i < 2 ? decode(p) : p));
    assert.deepEqual(header, { alg: 'ES256', kid: keyId(publicKeyPem) });
    assert.match(payload.jti, /^[0-9a-f-]{36}$/);
    assert.deepEqual({ ...payload, jti: 'x' }, {
      aud: [issuer],
      exp: t0 + 3600,
      iat: t0,
      iss: issuer,
      jti: 'x',
      'kubernetes.io': {
        namespace: 'default',
        node: { name: 'knit-worker', uid: spec.node?.uid },
        pod: { name: 'web-0', uid: spec.pod?.uid },
        serviceaccount: { name: 'builder', uid: spec.serviceAccount.uid },
      },
      nbf: t0,
      sub: 'system:serviceaccount:default:builder',
    });
    const unbound = decode(signServiceAccountToken(privateKeyPem, { ...spec, pod: undefined, node: undefined }).split('.')[1]);
    assert.deepEqual(Object.keys(unbound['kubernetes.io']), ['namespace', 'serviceaccount']);
  });

  it('use the key id upstream derives: base64url of the SHA-256 of the PKIX public key', () => {
    const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
    assert.equal(keyId(publicKeyPem), createHash('sha256').update(der).digest('base64url'));
    assert.equal(keyId(privateKeyPem), keyId(publicKeyPem), 'same id from either half of the pair');
  });

  it('verify with the public key and return the claims', () => {
    const token = signServiceAccountToken(privateKeyPem, { ...spec, audiences: ['api', 'vault'] });
    const claims = verifyServiceAccountToken(publicKeyPem, token, { issuers: [issuer], audiences: ['vault'], now });
    assert.equal(claims.sub, 'system:serviceaccount:default:builder');
    assert.deepEqual(claims.aud, ['api', 'vault']);
  });

  it('are refused once expired or before they are valid, with go-jose\'s one-minute leeway and upstream\'s words', () => {
    const token = signServiceAccountToken(privateKeyPem, { ...spec, expirationSeconds: 600 });
    const at = (seconds: number) => new Date((t0 + seconds) * 1000);
    assert.ok(verifyServiceAccountToken(publicKeyPem, token, { now: at(600 + 59) }));
    assert.throws(() => verifyServiceAccountToken(publicKeyPem, token, { now: at(600 + 61) }), { message: 'service account token has expired' });
    assert.ok(verifyServiceAccountToken(publicKeyPem, token, { now: at(-59) }));
    assert.throws(() => verifyServiceAccountToken(publicKeyPem, token, { now: at(-61) }), { message: 'service account token is not valid yet' });
  });

  it('are refused for another issuer or audience, in kube-apiserver\'s words', () => {
    const token = signServiceAccountToken(privateKeyPem, { ...spec, audiences: ['a', 'b'] });
    assert.throws(() => verifyServiceAccountToken(publicKeyPem, token, { issuers: ['https://other'], now }), {
      message: `token issuer "${issuer}" is invalid`,
    });
    assert.throws(() => verifyServiceAccountToken(publicKeyPem, token, { audiences: ['c'], now }), {
      message: 'token audiences ["a" "b"] is invalid for the target audiences ["c"]',
    });
  });

  it('are refused when tampered with or signed by another key', () => {
    const token = signServiceAccountToken(privateKeyPem, spec);
    const [h, p, s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...decode(p), sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url');
    assert.throws(() => verifyServiceAccountToken(publicKeyPem, `${h}.${forged}.${s}`, { now }), { message: 'invalid signature' });
    const other = createSigningKey();
    assert.throws(() => verifyServiceAccountToken(other.publicKeyPem, token, { now }), { message: 'invalid signature, no keys found' });
    assert.throws(() => verifyServiceAccountToken(publicKeyPem, 'not-a-token', { now }), /three parts/);
    assert.throws(() => verifyServiceAccountToken(publicKeyPem, `@@@.${p}.${s}`, { now }), /not a JWT/);
  });

  it('refuse keys that cannot sign ES256, and incomplete specs', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    assert.throws(() => signServiceAccountToken(rsa, spec), /ECDSA P-256/);
    assert.throws(() => signServiceAccountToken(publicKeyPem, spec), /signed with a private key/);
    assert.throws(() => signServiceAccountToken(privateKeyPem, { ...spec, namespace: '' }), /namespace is required/);
    assert.throws(() => signServiceAccountToken(privateKeyPem, { ...spec, expirationSeconds: 0 }), /expirationSeconds/);
  });
});
