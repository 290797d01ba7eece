// `knit denied [-f]`: the connections NetworkPolicy denied (and, for policies in audit mode, would
// have denied), cluster-wide: the lines every node's policy component writes to its log, read
// through the API server as `kubectl logs` reads them, merged in time order. With -f it follows
// them, and picks up a policy component that starts later (a restarted pod, a new node).

import { ApiClient } from '../client/client.js';
import { loadKubeconfig } from '../client/config.js';
import { R } from '../client/resources.js';
import type { Pod } from '../kube/types.js';

const NAMESPACE = 'kube-system';
const SELECTOR = 'app=kube-network-policies';
/** The lines of a denied or audited connection (src/netpol/denials.ts). */
const VERDICT_LINE = /^\d{4}-\d\d-\d\dT\S+Z (DENIED|AUDIT would deny) /;
const POLL_MS = 2000;

const logPath = (pod: string) => `/api/v1/namespaces/${NAMESPACE}/pods/${pod}/log`;

async function policyPods(api: ApiClient): Promise<Pod[]> {
  return (await api.list<Pod>(R.pods, NAMESPACE, { labelSelector: SELECTOR })).items.filter((p) => p.status?.phase === 'Running');
}

export async function denied(kubeconfig: string, o: { follow: boolean; out: (line: string) => void }): Promise<number> {
  const api = new ApiClient({ ...loadKubeconfig(kubeconfig), userAgent: 'knit-denied' });
  try {
    const pods = await policyPods(api);
    if (pods.length === 0) throw new Error(`no policy component runs: kube-system has no running pod labelled ${SELECTOR}`);
    if (!o.follow) {
      const lines: string[] = [];
      for (const p of pods) {
        const text = await api.request<string>('GET', logPath(p.metadata.name!), { accept: '*/*' });
        lines.push(...String(text ?? '').split('\n').filter((l) => VERDICT_LINE.test(l)));
      }
      // Each line starts with its time (ISO 8601, UTC), so text order is time order.
      for (const l of lines.sort()) o.out(l);
      return 0;
    }
    const following = new Map<string, { stop(): void; done: Promise<void> }>();
    const follow = (p: Pod) => {
      const name = p.metadata.name!;
      if (following.has(name)) return;
      const handle = api.streamLines(logPath(name), { query: { follow: 'true' }, accept: '*/*' }, (line) => { if (VERDICT_LINE.test(line)) o.out(line); });
      following.set(name, handle);
      void handle.done.catch(() => undefined).finally(() => following.delete(name));
    };
    for (const p of pods) follow(p);
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => void policyPods(api).then((list) => list.forEach(follow), () => undefined), POLL_MS);
      const stop = () => {
        clearInterval(timer);
        for (const h of following.values()) h.stop();
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  } finally {
    api.close();
  }
}
