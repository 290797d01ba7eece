// What every namespace holds in a real cluster: the ServiceAccount "default"
// (serviceaccounts-controller) and the ConfigMap kube-root-ca.crt with the cluster CA
// (root-ca-cert-publisher). Both are recreated when deleted.

import { isApiError } from '../kube/errors.js';
import type { ConfigMap, KubeObject, Namespace } from '../kube/types.js';
import type { ApiClient } from '../client/client.js';
import type { Informer } from '../client/informer.js';
import { R } from '../client/resources.js';
import { WorkQueue } from '../client/workqueue.js';
import type { Controller, ControllerContext } from './common.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
/** The annotation upstream's publisher keeps on the ConfigMap, in its words. */
const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
const DESCRIPTION = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. '
  + 'No other usage is guaranteed across distributions of Kubernetes clusters.';

export class ServiceAccountController implements Controller {
  readonly name = 'serviceaccount-controller';
  private readonly queue: WorkQueue;
  private readonly namespaces: Informer<Namespace>;
  private readonly serviceAccounts: Informer;
  private readonly configMaps: Informer<ConfigMap>;

  /** publisher: the root-ca-cert-publisher's client, which writes the ConfigMaps (upstream's separate controller). */
  constructor(private readonly ctx: ControllerContext, private readonly caPem: string, private readonly publisher: ApiClient = ctx.client) {
    this.queue = new WorkQueue({ name: this.name, log: ctx.log(this.name) });
    this.namespaces = ctx.informers.get<Namespace>(R.namespaces);
    this.serviceAccounts = ctx.informers.get(R.serviceaccounts);
    this.configMaps = ctx.informers.get<ConfigMap>(R.configmaps);
  }

  start(): void {
    this.namespaces.addHandler({ add: (ns) => this.queue.add(ns.metadata.name!), update: (_o, ns) => this.queue.add(ns.metadata.name!) });
    this.serviceAccounts.addHandler({ delete: (sa) => { if (sa.metadata.name === 'default') this.queue.add(sa.metadata.namespace!); } });
    const cmChanged = (cm: ConfigMap) => { if (cm.metadata.name === ROOT_CA_CONFIGMAP) this.queue.add(cm.metadata.namespace!); };
    this.configMaps.addHandler({ update: (_o, cm) => cmChanged(cm), delete: cmChanged });
    void Promise.all([this.namespaces.waitForSync(), this.serviceAccounts.waitForSync(), this.configMaps.waitForSync()])
      .then(() => this.queue.run(1, (k) => this.reconcile(k)));
  }

  async stop(): Promise<void> {
    await this.queue.stop();
  }

  private async ensure(client: ApiClient, ref: typeof R.serviceaccounts, obj: KubeObject): Promise<void> {
    try {
      await client.create(ref, obj.metadata.namespace, obj);
    } catch (err) {
      // Exists already, or the namespace began terminating meanwhile.
      if (!isApiError(err, 'AlreadyExists') && !isApiError(err, 'Forbidden') && !isApiError(err, 'NotFound')) throw err;
    }
  }

  async reconcile(namespace: string): Promise<void> {
    const ns = this.namespaces.get(undefined, namespace);
    if (!ns || ns.metadata.deletionTimestamp) return;
    if (!this.serviceAccounts.get(namespace, 'default')) {
      await this.ensure(this.ctx.client, R.serviceaccounts, { metadata: { name: 'default', namespace } });
    }
    const cm = this.configMaps.get(namespace, ROOT_CA_CONFIGMAP);
    const data = { 'ca.crt': this.caPem };
    if (!cm) {
      await this.ensure(this.publisher, R.configmaps, {
        metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
        data,
      });
    } else if (JSON.stringify(cm.data) !== JSON.stringify(data) || !cm.metadata.annotations?.[DESCRIPTION_ANNOTATION]) {
      // Exactly the CA, and the description: whatever else was edited in goes.
      const fixed = { ...cm, metadata: { ...cm.metadata, annotations: { ...cm.metadata.annotations, [DESCRIPTION_ANNOTATION]: DESCRIPTION } }, data };
      await this.publisher.update(R.configmaps, fixed);
    }
  }
}
