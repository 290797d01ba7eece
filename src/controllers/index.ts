// The controller manager: every controller of the control plane, on shared informers, talking to
// the API server through the same client a remote kube-controller-manager would use.

import type { ApiClient } from '../client/client.js';
import { EventRecorder } from '../client/events.js';
import { InformerFactory } from '../client/factory.js';
import type { Controller, ControllerContext } from './common.js';
import { CronJobController } from './cronjob/controller.js';
import { DaemonSetController } from './daemonset.js';
import { DeploymentController } from './deployment/index.js';
import { EndpointSliceController } from './endpoints/endpointslice.js';
import { EndpointsController } from './endpoints/endpoints.js';
import { EndpointSliceMirroringController } from './endpoints/mirroring.js';
import { GarbageCollector } from './garbagecollector.js';
import { JobController } from './job/controller.js';
import { TTLAfterFinishedController } from './job/ttl.js';
import { NamespaceController } from './namespace.js';
import { NodeIpamController, NodeLifecycleController } from './nodes.js';
import { ReplicaSetController } from './replicaset.js';
import { Scheduler } from './scheduler.js';
import { ServiceAccountController } from './serviceaccount.js';
import { ServiceLBController } from './servicelb.js';
import { StatefulSetController } from './statefulset.js';

export interface ControllerManagerOptions {
  caPem: string;
  clusterCIDR: string;
  nodeCIDRSize: number;
  nodeMonitorGracePeriodMs: number;
  lbPool: string;
  log: (line: string) => void;
}

export class ControllerManager {
  readonly informers: InformerFactory;
  private readonly controllers: Controller[];
  private readonly recorders = new Map<string, EventRecorder>();

  constructor(client: ApiClient, o: ControllerManagerOptions) {
    this.informers = new InformerFactory(client, o.log);
    const ctx: ControllerContext = {
      client,
      informers: this.informers,
      recorder: (component) => {
        let r = this.recorders.get(component);
        if (!r) this.recorders.set(component, (r = new EventRecorder(client, component, undefined, o.log)));
        return r;
      },
      log: (component) => (line) => o.log(`${component}: ${line}`),
    };
    this.controllers = [
      new NamespaceController(ctx),
      new ServiceAccountController(ctx, o.caPem),
      new GarbageCollector(ctx),
      new DeploymentController(ctx),
      new ReplicaSetController(ctx),
      new StatefulSetController(ctx),
      new DaemonSetController(ctx),
      new JobController(ctx),
      new CronJobController(ctx),
      new TTLAfterFinishedController(ctx),
      new Scheduler(ctx),
      new NodeIpamController(ctx, { clusterCIDR: o.clusterCIDR, nodeCIDRSize: o.nodeCIDRSize, firstIndex: 1 }),
      new NodeLifecycleController(ctx, { gracePeriodMs: o.nodeMonitorGracePeriodMs }),
      new EndpointsController(ctx),
      new EndpointSliceController(ctx),
      new EndpointSliceMirroringController(ctx),
      new ServiceLBController(ctx, o.lbPool),
    ];
  }

  start(): void {
    for (const c of this.controllers) c.start();
    this.informers.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.controllers.map((c) => c.stop()));
    await this.informers.stop();
    await Promise.all([...this.recorders.values()].map((r) => r.flush()));
  }
}
