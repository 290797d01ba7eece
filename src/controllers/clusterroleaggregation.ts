// The clusterrole-aggregation controller: a ClusterRole with an aggregationRule gets as its rules
// those of every other ClusterRole whose labels match one of its selectors, in name order, each
// rule once (the default admin, edit and view roles are built this way from the
// aggregate-to-* labelled roles). Any ClusterRole change re-aggregates every aggregated role.

import type { KubeObject, LabelSelector } from '../kube/types.js';
import type { Informer } from '../client/informer.js';
import { R } from '../client/resources.js';
import { WorkQueue } from '../client/workqueue.js';
import { labelSelectorFromSpec } from '../kube/selectors.js';
import type { Controller, ControllerContext } from './common.js';

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The rules an aggregated role should hold, given every ClusterRole. */
export function aggregatedRules(role: KubeObject, all: KubeObject[]): unknown[] {
  const selectors = ((role.aggregationRule?.clusterRoleSelectors ?? []) as LabelSelector[]).map((s) => labelSelectorFromSpec(s));
  const matching = all
    .filter((r) => r.metadata.name !== role.metadata.name && selectors.some((m) => m?.matches(r.metadata.labels)))
    .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0));
  const rules: unknown[] = [];
  for (const r of matching) {
    for (const rule of (r.rules ?? []) as unknown[]) if (!rules.some((x) => sameJson(x, rule))) rules.push(rule);
  }
  return rules;
}

export class ClusterRoleAggregationController implements Controller {
  readonly name = 'clusterrole-aggregation-controller';
  private readonly queue: WorkQueue;
  private readonly roles: Informer;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue({ name: this.name, log: ctx.log(this.name) });
    this.roles = ctx.informers.get(R.clusterroles);
  }

  start(): void {
    const enqueueAggregated = () => {
      for (const r of this.roles.list()) if (r.aggregationRule) this.queue.add(r.metadata.name!);
    };
    this.roles.addHandler({ add: enqueueAggregated, update: enqueueAggregated, delete: enqueueAggregated });
    void this.roles.waitForSync().then(() => this.queue.run(1, (k) => this.reconcile(k)));
  }

  async stop(): Promise<void> {
    await this.queue.stop();
  }

  async reconcile(name: string): Promise<void> {
    const role = this.roles.get(undefined, name);
    if (!role?.aggregationRule) return;
    const rules = aggregatedRules(role, this.roles.list());
    if (sameJson(rules, role.rules ?? [])) return;
    await this.ctx.client.update(R.clusterroles, { ...role, rules });
  }
}
