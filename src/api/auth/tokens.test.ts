import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isApiError } from '../../kube/errors.js';
import type { KubeObject } from '../../kube/types.js';
import { createSigningKey, verifyServiceAccountToken } from '../../pki/index.js';
import { ServiceAccountTokens } from './tokens.js';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const keys = createSigningKey();

function setup(cacheTtlMs = 0) {
  const objects = new Map<string, KubeObject>();
  const put = (plural: string, o: KubeObject) => objects.set(`${plural}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
  put('serviceaccounts', { metadata: { name: 'web', namespace: 'default', uid: 'sa-uid' } });
  put('pods', { metadata: { name: 'web-1', namespace: 'default', uid: 'pod-uid' }, spec: { serviceAccountName: 'web', nodeName: 'node-1' } });
  put('nodes', { metadata: { name: 'node-1', uid: 'node-uid' } });
  put('secrets', { metadata: { name: 's', namespace: 'default', uid: 'secret-uid' } });
  const tokens = new ServiceAccountTokens({
    issuer: ISSUER, apiAudiences: [ISSUER], keys, cacheTtlMs,
    get: async (plural, ns, name) => objects.get(`${plural}/${ns ?? ''}/${name}`),
  });
  return { tokens, objects, put };
}

const sa = { metadata: { name: 'web', namespace: 'default', uid: 'sa-uid' } };
const request = (spec: Record<string, unknown>) => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {}, spec });

test('a TokenRequest gets upstream\'s defaults: the API server\'s audience, an hour, status with the expiry', async () => {
  const { tokens } = setup();
  const tr = await tokens.issue(sa, request({}));
  assert.deepEqual(tr.spec, { audiences: [ISSUER], expirationSeconds: 3600 });
  const claims = verifyServiceAccountToken(keys.publicKeyPem, tr.status.token);
  assert.equal(claims.exp - claims.iat, 3600);
  assert.equal(Date.parse(tr.status.expirationTimestamp) - Date.parse(tr.metadata.creationTimestamp!), 3600_000);
  const r = await tokens.authenticate(tr.status.token);
  assert.ok('user' in r);
  assert.deepEqual(r.user.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
  assert.equal(r.user.name, 'system:serviceaccount:default:web');
  assert.equal(r.user.uid, 'sa-uid');
  assert.deepEqual(r.user.extra, { 'authentication.kubernetes.io/credential-id': [`JTI=${claims.jti}`] });
});

test('a TokenRequest is refused in upstream\'s words: too short, a wrong uid, another service account\'s pod, an unknown kind', async () => {
  const { tokens } = setup();
  const refusal = async (spec: Record<string, unknown>) => {
    try {
      await tokens.issue(sa, request(spec));
    } catch (err) {
      assert.ok(isApiError(err));
      return `${err.code} ${err.message}`;
    }
    assert.fail('issued');
  };
  assert.equal(await refusal({ expirationSeconds: 60 }), '422 TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
  assert.equal(await refusal({ boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web-1', uid: 'other' } }),
    '409 Operation cannot be fulfilled on Pod "web-1": the UID in the bound object reference (other) does not match the UID in record. The object might have been deleted and then recreated');
  assert.equal(await refusal({ boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'gone' } }), '404 pods "gone" not found');
  assert.equal(await refusal({ boundObjectRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } }),
    '400 cannot bind token for serviceaccount "web" to object of kind "apps/v1, Kind=Deployment"');
});

test('a token for another audience is no API server credential; TokenReview may ask for that audience', async () => {
  const { tokens } = setup();
  const tr = await tokens.issue(sa, request({ audiences: ['vault'] }));
  assert.deepEqual(await tokens.authenticate(tr.status.token), { error: `token audiences ["vault"] is invalid for the target audiences ["${ISSUER}"]` });
  const forVault = await tokens.authenticate(tr.status.token, ['vault']);
  assert.ok('user' in forVault);
  assert.deepEqual(forVault.audiences, ['vault']);
});

test('a token bound to a pod names the pod and its node, and dies with the pod', async () => {
  const { tokens, objects, put } = setup();
  const tr = await tokens.issue(sa, request({ boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web-1', uid: 'pod-uid' } }));
  const claims = verifyServiceAccountToken(keys.publicKeyPem, tr.status.token);
  assert.deepEqual(claims['kubernetes.io'].pod, { name: 'web-1', uid: 'pod-uid' });
  assert.deepEqual(claims['kubernetes.io'].node, { name: 'node-1', uid: 'node-uid' });
  const ok = await tokens.authenticate(tr.status.token);
  assert.ok('user' in ok);
  assert.deepEqual(ok.user.extra?.['authentication.kubernetes.io/pod-name'], ['web-1']);
  assert.deepEqual(ok.user.extra?.['authentication.kubernetes.io/node-name'], ['node-1']);
  // A pod of the same name, recreated: another uid.
  put('pods', { metadata: { name: 'web-1', namespace: 'default', uid: 'new-uid' }, spec: { serviceAccountName: 'web' } });
  assert.deepEqual(await tokens.authenticate(tr.status.token), { error: 'pod UID (new-uid) does not match service account pod ref claim (pod-uid)' });
  objects.delete('pods/default/web-1');
  assert.deepEqual(await tokens.authenticate(tr.status.token), { error: 'service account token has been invalidated' });
});

test('tokens of a deleted service account, or a deleted bound secret, stop working', async () => {
  const { tokens, objects } = setup();
  const plain = await tokens.issue(sa, request({}));
  const bySecret = await tokens.issue(sa, request({ boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name: 's' } }));
  objects.delete('secrets/default/s');
  assert.deepEqual(await tokens.authenticate(bySecret.status.token), { error: 'service account token has been invalidated' });
  objects.delete('serviceaccounts/default/web');
  assert.deepEqual(await tokens.authenticate(plain.status.token), { error: 'serviceaccount "web" not found' });
});

test('a successful authentication is remembered for a while, as kube-apiserver\'s token cache', async () => {
  const { tokens, objects } = setup(60_000);
  const tr = await tokens.issue(sa, request({ boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web-1' } }));
  assert.ok('user' in (await tokens.authenticate(tr.status.token)));
  objects.delete('pods/default/web-1');
  assert.ok('user' in (await tokens.authenticate(tr.status.token)), 'still cached');
  assert.deepEqual(await tokens.authenticate('not-a-jwt'), { error: 'invalid bearer token', notOurs: true });
});
