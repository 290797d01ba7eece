// Which Services a pod change concerns: those in its namespace whose selector matched the pod
// before or matches it now. Both endpoint controllers enqueue these.

import type { Pod, Service } from '../../kube/types.js';
import { matchesMapSelector } from '../../kube/selectors.js';
import { NAMESPACE_INDEX } from '../../client/factory.js';
import type { Informer } from '../../client/informer.js';
import { keyOf } from '../../client/informer.js';

export function watchServicePods(services: Informer<Service>, pods: Informer<Pod>, enqueue: (serviceKey: string) => void): void {
  const forPod = (pod: Pod, old?: Pod) => {
    for (const svc of services.byIndex(NAMESPACE_INDEX, pod.metadata.namespace ?? '')) {
      if (matchesMapSelector(svc.spec.selector, pod.metadata.labels) || (old && matchesMapSelector(svc.spec.selector, old.metadata.labels))) {
        enqueue(keyOf(svc));
      }
    }
  };
  pods.addHandler({
    add: (p) => forPod(p),
    update: (old, p) => {
      // Status heartbeats that change nothing endpoints show are ignored.
      if (old.status?.podIP === p.status?.podIP && old.metadata.deletionTimestamp === p.metadata.deletionTimestamp
        && JSON.stringify(old.status?.conditions) === JSON.stringify(p.status?.conditions) && old.status?.phase === p.status?.phase
        && JSON.stringify(old.metadata.labels) === JSON.stringify(p.metadata.labels) && old.spec.nodeName === p.spec.nodeName) return;
      forPod(p, old);
    },
    delete: (p) => forPod(p),
  });
  services.addHandler({ add: (s) => enqueue(keyOf(s)), update: (_o, s) => enqueue(keyOf(s)), delete: (s) => enqueue(keyOf(s)) });
}
