// Where a client finds the API server and its credentials: a kubeconfig file, or the in-cluster
// environment a pod gets (KUBERNETES_SERVICE_HOST/PORT and the service account token files).

import { readFileSync, existsSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export interface ClientConfig {
  /** https://host:port */
  server: string;
  caPem: string;
  certPem?: string;
  keyPem?: string;
  /** A bearer token, or a file re-read when it changes (projected service account tokens rotate). */
  token?: string;
  tokenFile?: string;
  /** The current bearer token, asked for on every request (credentials something in this process renews). */
  tokenSource?: () => string | undefined;
  userAgent?: string;
}

interface Kubeconfig {
  'current-context'?: string;
  clusters?: { name: string; cluster: { server: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string } }[];
  users?: { name: string; user: { 'client-certificate-data'?: string; 'client-key-data'?: string; 'client-certificate'?: string; 'client-key'?: string; token?: string; tokenFile?: string } }[];
  contexts?: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
}

const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

export function loadKubeconfig(path: string, context?: string): ClientConfig {
  const kc = parseYaml(readFileSync(path, 'utf8')) as Kubeconfig;
  const ctxName = context ?? kc['current-context'];
  const ctx = kc.contexts?.find((c) => c.name === ctxName)?.context;
  if (!ctx) throw new Error(`kubeconfig ${path}: context ${JSON.stringify(ctxName)} not found`);
  const cluster = kc.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  const user = kc.users?.find((u) => u.name === ctx.user)?.user;
  if (!cluster) throw new Error(`kubeconfig ${path}: cluster ${JSON.stringify(ctx.cluster)} not found`);
  const caPem = cluster['certificate-authority-data'] ? b64(cluster['certificate-authority-data'])
    : cluster['certificate-authority'] ? readFileSync(cluster['certificate-authority'], 'utf8') : '';
  const cfg: ClientConfig = { server: cluster.server, caPem };
  if (user) {
    if (user['client-certificate-data']) cfg.certPem = b64(user['client-certificate-data']);
    else if (user['client-certificate']) cfg.certPem = readFileSync(user['client-certificate'], 'utf8');
    if (user['client-key-data']) cfg.keyPem = b64(user['client-key-data']);
    else if (user['client-key']) cfg.keyPem = readFileSync(user['client-key'], 'utf8');
    if (user.token) cfg.token = user.token;
    if (user.tokenFile) cfg.tokenFile = user.tokenFile;
  }
  return cfg;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * A node component's configuration: its pod's service account, against `master` when given (as
 * kubeadm's kube-proxy reaches the API server by its kubeconfig, since it programs the
 * `kubernetes` Service itself), else in-cluster.
 */
export function componentConfig(master: string | undefined, userAgent: string, env: NodeJS.ProcessEnv = process.env): ClientConfig {
  if (!master) return { ...inClusterConfig(env), userAgent };
  const dir = env.KNIT_SERVICE_ACCOUNT_DIR ?? SERVICE_ACCOUNT_DIR;
  return { server: master, caPem: readFileSync(`${dir}/ca.crt`, 'utf8'), tokenFile: `${dir}/token`, userAgent };
}

/** The configuration in-cluster software uses: the `kubernetes` Service and the pod's service account. */
export function inClusterConfig(env: NodeJS.ProcessEnv = process.env): ClientConfig {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new Error('not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set');
  const dir = env.KNIT_SERVICE_ACCOUNT_DIR ?? SERVICE_ACCOUNT_DIR;
  const tokenFile = `${dir}/token`;
  if (!existsSync(tokenFile)) throw new Error(`not running in a cluster: ${tokenFile} is missing`);
  const h = host.includes(':') ? `[${host}]` : host;
  return { server: `https://${h}:${port}`, caPem: readFileSync(`${dir}/ca.crt`, 'utf8'), tokenFile };
}
