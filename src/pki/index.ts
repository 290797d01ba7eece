// The PKI component: certificates, service-account tokens and kubeconfig files.
export { createCA, issueCert, type CertificateAuthority, type CertKeyPair, type CertSpec, type CertUsage } from './certs.js';
export {
  createSigningKey, keyId, signServiceAccountToken, verifyServiceAccountToken,
  type KeyInput, type ObjectRef, type ServiceAccountClaims, type ServiceAccountTokenSpec, type VerifyOptions,
} from './tokens.js';
export { currentContext, kubeconfigPathForMerge, mergeKubeconfig, removeFromKubeconfig, renderKubeconfig, type KubeconfigEntry, type MergeOptions } from './kubeconfig.js';
