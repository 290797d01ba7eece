// The cluster's certificates and keys, made at the first `knit up` and kept in <data-dir>/pki:
// the CA, the API server's serving certificate (its names and addresses as SANs), the admin's
// client certificate (kubernetes-admin, group system:masters, as kubeadm's admin.conf), the
// controller manager's and the scheduler's (system:kube-controller-manager, system:kube-scheduler,
// as kubeadm's controller-manager.conf and scheduler.conf), the host Service access's
// (system:kube-proxy), node certificates, and the service-account signing key.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { createCA, createSigningKey, issueCert, type CertKeyPair } from '../pki/index.js';

export interface ClusterPki {
  ca: CertKeyPair;
  apiserver: CertKeyPair;
  admin: CertKeyPair;
  /** system:kube-controller-manager: the controllers' shared informers and their service accounts' tokens. */
  controllerManager: CertKeyPair;
  /** system:kube-scheduler. */
  scheduler: CertKeyPair;
  /** system:kube-proxy (bound to system:node-proxier by the default policy): the host's Service access. */
  kubeProxy: CertKeyPair;
  /** The API server's client certificate towards node agents (kubeadm's apiserver-kubelet-client). */
  kubeletClient: CertKeyPair;
  serviceAccount: { privateKeyPem: string; publicKeyPem: string };
}

function readPair(dir: string, name: string): CertKeyPair | undefined {
  const crt = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  if (!existsSync(crt) || !existsSync(key)) return undefined;
  return { certPem: readFileSync(crt, 'utf8'), keyPem: readFileSync(key, 'utf8') };
}

function writePair(dir: string, name: string, pair: CertKeyPair): CertKeyPair {
  writeFileSync(join(dir, `${name}.crt`), pair.certPem, { mode: 0o644 });
  writeFileSync(join(dir, `${name}.key`), pair.keyPem, { mode: 0o600 });
  return pair;
}

/** True when cert covers every name and address (and is not about to expire). */
function covers(certPem: string, dnsNames: string[], ips: string[]): boolean {
  const cert = new X509Certificate(certPem);
  if (Date.parse(cert.validTo) - Date.now() < 7 * 24 * 3600 * 1000) return false;
  const san = cert.subjectAltName ?? '';
  return dnsNames.every((n) => san.includes(`DNS:${n}`)) && ips.every((ip) => san.includes(`IP Address:${ip}`));
}

/** The cluster's CA (made at the first start): all node agents need to start. */
export function ensureCA(dir: string): CertKeyPair {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return readPair(dir, 'ca') ?? writePair(dir, 'ca', createCA('kubernetes'));
}

export function ensurePki(dir: string, server: { dnsNames: string[]; ips: string[] }): ClusterPki {
  const ca = ensureCA(dir);
  let apiserver = readPair(dir, 'apiserver');
  if (!apiserver || !covers(apiserver.certPem, server.dnsNames, server.ips)) {
    apiserver = writePair(dir, 'apiserver', issueCert(ca, { commonName: 'kube-apiserver', dnsNames: server.dnsNames, ipAddresses: server.ips, usage: 'server' }));
  }
  const admin = readPair(dir, 'admin') ?? writePair(dir, 'admin', issueCert(ca, { commonName: 'kubernetes-admin', organizations: ['system:masters'], usage: 'client' }));
  const client = (file: string, commonName: string) => readPair(dir, file) ?? writePair(dir, file, issueCert(ca, { commonName, usage: 'client' }));
  const controllerManager = client('controller-manager', 'system:kube-controller-manager');
  const scheduler = client('scheduler', 'system:kube-scheduler');
  const kubeProxy = client('kube-proxy', 'system:kube-proxy');
  const kubeletClient = readPair(dir, 'apiserver-kubelet-client')
    ?? writePair(dir, 'apiserver-kubelet-client', issueCert(ca, { commonName: 'kube-apiserver-kubelet-client', organizations: ['kubeadm:cluster-admins'], usage: 'client' }));
  let serviceAccount: ClusterPki['serviceAccount'];
  if (existsSync(join(dir, 'sa.key')) && existsSync(join(dir, 'sa.pub'))) {
    serviceAccount = { privateKeyPem: readFileSync(join(dir, 'sa.key'), 'utf8'), publicKeyPem: readFileSync(join(dir, 'sa.pub'), 'utf8') };
  } else {
    serviceAccount = createSigningKey();
    writeFileSync(join(dir, 'sa.key'), serviceAccount.privateKeyPem, { mode: 0o600 });
    writeFileSync(join(dir, 'sa.pub'), serviceAccount.publicKeyPem, { mode: 0o644 });
  }
  return { ca, apiserver, admin, controllerManager, scheduler, kubeProxy, kubeletClient, serviceAccount };
}

/** A node agent's certificate: client (system:node:<name>, group system:nodes) and serving (its node IP). */
export function ensureNodeCert(dir: string, ca: CertKeyPair, nodeName: string, nodeIP: string): CertKeyPair {
  const name = `node-${nodeName}`;
  const existing = readPair(dir, name);
  if (existing && covers(existing.certPem, [nodeName], [nodeIP])) return existing;
  return writePair(dir, name, issueCert(ca, { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], dnsNames: [nodeName], ipAddresses: [nodeIP], usage: 'both' }));
}

/** The API server certificate's names, as kubeadm gives them. */
export function apiServerNames(clusterDomain: string, serviceIP: string, extraIPs: string[]): { dnsNames: string[]; ips: string[] } {
  return {
    dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${clusterDomain}`],
    ips: [...new Set(['127.0.0.1', serviceIP, ...extraIPs])],
  };
}
