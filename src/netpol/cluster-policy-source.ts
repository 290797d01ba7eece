// ClusterNetworkPolicies as the policy component reads them: through an informer, once their API
// is served. The kind comes from network-policy-api's CustomResourceDefinition, which a cluster may
// not have (or may get later): until discovery lists the group version, there are none, and the
// informer starts when it appears (checked every few seconds).

import type { ApiClient } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { apiVersionOf, R } from '../client/resources.js';
import type { Logger } from '../common/klog.js';
import { isApiError } from '../kube/errors.js';
import type { ClusterNetworkPolicy } from '../kube/types.js';

const POLL_MS = 5000;

export class ClusterPolicySource {
  private informer?: Informer<ClusterNetworkPolicy>;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly api: ApiClient, private readonly changed: () => void, private readonly log: Logger) {}

  /** Starts the informer and waits for its first list if the API is served; else waits for it to be. */
  async start(): Promise<void> {
    if (await this.served()) return this.follow();
    this.log.info('ClusterNetworkPolicy is not served (no CustomResourceDefinition for it); waiting for it', { apiVersion: apiVersionOf(R.clusternetworkpolicies) });
    const poll = async () => {
      if (this.stopped) return;
      if (await this.served().catch(() => false)) {
        await this.follow();
        this.changed();
        return;
      }
      this.timer = setTimeout(() => void poll(), POLL_MS);
    };
    this.timer = setTimeout(() => void poll(), POLL_MS);
  }

  list(): ClusterNetworkPolicy[] {
    return this.informer?.list() ?? [];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.informer?.stop();
  }

  private async served(): Promise<boolean> {
    try {
      await this.api.request('GET', `/apis/${apiVersionOf(R.clusternetworkpolicies)}`);
      return true;
    } catch (err) {
      if (isApiError(err, 'NotFound')) return false;
      throw err;
    }
  }

  private async follow(): Promise<void> {
    const informer = new Informer<ClusterNetworkPolicy>(this.api, R.clusternetworkpolicies);
    this.informer = informer;
    informer.addHandler({ add: this.changed, update: this.changed, delete: this.changed });
    informer.start();
    await informer.waitForSync();
    this.log.info('Following ClusterNetworkPolicies', { count: informer.list().length });
  }
}
