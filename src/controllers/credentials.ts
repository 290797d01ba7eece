// Each controller acts as its own service account kube-system/<name>, as kube-controller-manager
// does with --use-service-account-credentials (kubeadm's setting): the controller manager's own
// identity (system:kube-controller-manager) makes sure the service account exists, asks for an
// hour's token (TokenRequest) and renews it at 80% of its life. The default policy binds each such
// account to system:controller:<name>, so every controller holds only its own role.

import { isApiError } from '../kube/errors.js';
import type { KubeObject } from '../kube/types.js';
import { ApiClient } from '../client/client.js';
import { R } from '../client/resources.js';

const NAMESPACE = 'kube-system';
const TOKEN_SECONDS = 3600;
const RETRY_MS = 10_000;

interface Credential {
  token?: string;
  timer?: NodeJS.Timeout;
  client: ApiClient;
}

export class ServiceAccountCredentials {
  private readonly creds = new Map<string, Credential>();
  private stopped = false;

  constructor(private readonly root: ApiClient, private readonly log: (line: string) => void) {}

  /** Gets a first token for each service account (creating the account if missing). */
  async prepare(names: string[]): Promise<void> {
    await Promise.all(names.map((n) => this.renew(this.entry(n), n)));
  }

  /** The client acting as kube-system/<name> (prepare() it first). */
  client(name: string): ApiClient {
    return this.entry(name).client;
  }

  stop(): void {
    this.stopped = true;
    for (const c of this.creds.values()) {
      if (c.timer) clearTimeout(c.timer);
      c.client.close();
    }
  }

  private entry(name: string): Credential {
    let c = this.creds.get(name);
    if (!c) {
      const cfg = this.root.config;
      const entry: Credential = {
        // The user agent names the controller, as upstream appends its name.
        client: new ApiClient({ server: cfg.server, caPem: cfg.caPem, userAgent: `${cfg.userAgent ?? 'kube-controller-manager'}/${name}`, tokenSource: () => entry.token }),
      };
      this.creds.set(name, (c = entry));
    }
    return c;
  }

  private async renew(c: Credential, name: string): Promise<void> {
    try {
      await this.ensureServiceAccount(name);
      const tr = await this.root.create<KubeObject>(R.serviceaccounts, NAMESPACE, {
        apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name, namespace: NAMESPACE },
        spec: { expirationSeconds: TOKEN_SECONDS },
      }, 'token');
      c.token = tr.status.token;
      this.schedule(c, name, TOKEN_SECONDS * 800);
    } catch (err) {
      this.log(`controller credentials: token for ${NAMESPACE}/${name}: ${(err as Error).message}; trying again in ${RETRY_MS / 1000}s`);
      this.schedule(c, name, RETRY_MS);
      if (!c.token) throw err;
    }
  }

  private schedule(c: Credential, name: string, ms: number): void {
    if (this.stopped) return;
    if (c.timer) clearTimeout(c.timer);
    c.timer = setTimeout(() => void this.renew(c, name).catch(() => undefined), ms);
  }

  private async ensureServiceAccount(name: string): Promise<void> {
    try {
      await this.root.get(R.serviceaccounts, NAMESPACE, name);
    } catch (err) {
      if (!isApiError(err, 'NotFound')) throw err;
      try {
        await this.root.create(R.serviceaccounts, NAMESPACE, { metadata: { name, namespace: NAMESPACE } });
      } catch (e) {
        if (!isApiError(e, 'AlreadyExists')) throw e;
      }
    }
  }
}
