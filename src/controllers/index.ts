// The controller manager: every controller of the control plane, on shared informers, talking to
// the API server through the same client a remote kube-controller-manager would use. The shared
// informers run as the controller manager itself (system:kube-controller-manager, which may list
// and watch everything); each controller writes as its own service account (credentials.ts); the
// scheduler, a process of its own upstream, has its own identity and informers.

import type { ApiClient } from '../client/client.js';
import { EventRecorder } from '../client/events.js';
import { InformerFactory } from '../client/factory.js';
import { ClusterRoleAggregationController } from './clusterroleaggregation.js';
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

/**
 * The service accounts (in kube-system) the controllers act as, by upstream's names; the default
 * policy binds each to system:controller:<name>.
 */
export const CONTROLLER_SERVICE_ACCOUNTS = [
  'namespace-controller', 'service-account-controller', 'root-ca-cert-publisher', 'generic-garbage-collector',
  'deployment-controller', 'replicaset-controller', 'statefulset-controller', 'daemon-set-controller', 'job-controller',
  'cronjob-controller', 'ttl-after-finished-controller', 'node-controller',
  'endpoint-controller', 'endpointslice-controller', 'endpointslicemirroring-controller', 'service-controller',
  'clusterrole-aggregation-controller',
] as const;

export type ControllerServiceAccount = typeof CONTROLLER_SERVICE_ACCOUNTS[number];

export interface ControllerClients {
  /** The controller manager's own identity (system:kube-controller-manager): the shared informers. */
  root: ApiClient;
  /** The client acting as kube-system/<serviceAccount>. */
  as(serviceAccount: ControllerServiceAccount): ApiClient;
  /** The scheduler's identity (system:kube-scheduler): its writes and its own informers. */
  scheduler: ApiClient;
}

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
  private readonly schedulerInformers: InformerFactory;
  private readonly controllers: Controller[];
  private readonly recorders: EventRecorder[] = [];

  constructor(clients: ControllerClients, o: ControllerManagerOptions) {
    this.informers = new InformerFactory(clients.root, o.log);
    this.schedulerInformers = new InformerFactory(clients.scheduler, o.log);
    const contextOf = (client: ApiClient, informers: InformerFactory): ControllerContext => {
      const recorders = new Map<string, EventRecorder>();
      return {
        client,
        informers,
        recorder: (component) => {
          let r = recorders.get(component);
          if (!r) {
            recorders.set(component, (r = new EventRecorder(client, component, undefined, o.log)));
            this.recorders.push(r);
          }
          return r;
        },
        log: (component) => (line) => o.log(`${component}: ${line}`),
      };
    };
    const as = (sa: ControllerServiceAccount) => contextOf(clients.as(sa), this.informers);
    const nodes = as('node-controller');
    this.controllers = [
      new NamespaceController(as('namespace-controller')),
      new ServiceAccountController(as('service-account-controller'), o.caPem, clients.as('root-ca-cert-publisher')),
      new GarbageCollector(as('generic-garbage-collector')),
      new DeploymentController(as('deployment-controller')),
      new ReplicaSetController(as('replicaset-controller')),
      new StatefulSetController(as('statefulset-controller')),
      new DaemonSetController(as('daemon-set-controller')),
      new JobController(as('job-controller')),
      new CronJobController(as('cronjob-controller')),
      new TTLAfterFinishedController(as('ttl-after-finished-controller')),
      new Scheduler(contextOf(clients.scheduler, this.schedulerInformers)),
      new NodeIpamController(nodes, { clusterCIDR: o.clusterCIDR, nodeCIDRSize: o.nodeCIDRSize, firstIndex: 1 }),
      new NodeLifecycleController(nodes, { gracePeriodMs: o.nodeMonitorGracePeriodMs }),
      new EndpointsController(as('endpoint-controller')),
      new EndpointSliceController(as('endpointslice-controller')),
      new EndpointSliceMirroringController(as('endpointslicemirroring-controller')),
      new ServiceLBController(as('service-controller'), o.lbPool),
      new ClusterRoleAggregationController(as('clusterrole-aggregation-controller')),
    ];
  }

  start(): void {
    for (const c of this.controllers) c.start();
    this.informers.start();
    this.schedulerInformers.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.controllers.map((c) => c.stop()));
    await Promise.all([this.informers.stop(), this.schedulerInformers.stop()]);
    await Promise.all(this.recorders.map((r) => r.flush()));
  }
}
