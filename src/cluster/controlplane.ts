// The control plane of one cluster, in the `knit up` process: storage, the API server, the
// controllers. Everything it starts, it stops in stop().

import { ApiClient } from '../client/client.js';
import { createApiServer, type ApiServer, type ApiServerConfig } from '../api/index.js';
import { wellKnownServiceIPs } from '../api/resources/index.js';
import { CONTROLLER_SERVICE_ACCOUNTS, ControllerManager } from '../controllers/index.js';
import { ServiceAccountCredentials } from '../controllers/credentials.js';
import { SqliteStore, startCompactor } from '../storage/index.js';
import type { ClusterConfig } from './config.js';
import { paths } from './config.js';
import { StartError } from './errors.js';
import { apiServerNames, ensurePki, type ClusterPki } from './pki.js';

export interface ControlPlaneOptions {
  /** Where pods and node agents reach the API server; 127.0.0.1 when there are no nodes. */
  advertiseIP: string;
  log: (line: string) => void;
  connect?: ApiServerConfig['connect'];
  upgrade?: ApiServerConfig['upgrade'];
}

export interface ControlPlane {
  pki: ClusterPki;
  apiServer: ApiServer;
  /** A client with the admin's credentials, for what `knit up` itself writes (as kubeadm uses admin.conf). */
  client: ApiClient;
  url: string;
  stop(): Promise<void>;
}

export async function startControlPlane(cfg: ClusterConfig, o: ControlPlaneOptions): Promise<ControlPlane> {
  const p = paths(cfg.dataDir);
  const serviceIP = wellKnownServiceIPs(cfg.serviceCIDR).kubernetes;
  const pki = ensurePki(p.pki, apiServerNames(cfg.dnsDomain, serviceIP, [cfg.apiHost, o.advertiseIP]));
  let store: SqliteStore;
  try {
    store = new SqliteStore(p.db);
  } catch (err) {
    throw new StartError(`cannot open the cluster's storage ${p.db}: ${(err as Error).message}. Is another \`knit up --name ${cfg.name}\` running? \`knit status --name ${cfg.name}\` tells.`);
  }
  const stops: (() => Promise<void> | void)[] = [() => store.close()];
  const stopAll = async () => {
    for (const s of stops.splice(0).reverse()) {
      try { await s(); } catch (err) { o.log(`stopping: ${(err as Error).message}`); }
    }
  };
  try {
    const { server, start } = createApiServer({
      store,
      tls: { caPem: pki.ca.certPem, certPem: pki.apiserver.certPem, keyPem: pki.apiserver.keyPem },
      serviceCIDR: cfg.serviceCIDR,
      nodePortRange: cfg.nodePortRange,
      advertiseIP: o.advertiseIP,
      advertisePort: cfg.apiPort,
      serviceAccountKey: pki.serviceAccount,
      connect: o.connect,
      upgrade: o.upgrade,
      log: (line) => o.log(`apiserver: ${line}`),
    });
    await start();
    try {
      await server.listen(cfg.apiHost, cfg.apiPort);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new StartError(`${cfg.apiHost}:${cfg.apiPort} is already in use: another cluster or program listens there. Stop it, or pick another port with --port.`);
      throw err;
    }
    stops.push(() => server.close());
    const compactor = startCompactor(store, { onError: (err) => o.log(`compaction: ${err.message}`) });
    stops.push(() => compactor.stop());

    const url = `https://${cfg.apiHost}:${cfg.apiPort}`;
    const client = new ApiClient({ server: url, caPem: pki.ca.certPem, certPem: pki.admin.certPem, keyPem: pki.admin.keyPem, userAgent: 'kubeadm/v1.32.0 (knit)' });
    stops.push(() => client.close());
    // The controllers as kube-controller-manager and kube-scheduler run under kubeadm: each with
    // its own identity, each controller as its own service account.
    const kcm = new ApiClient({ server: url, caPem: pki.ca.certPem, certPem: pki.controllerManager.certPem, keyPem: pki.controllerManager.keyPem, userAgent: 'kube-controller-manager/v1.32.0 (knit)' });
    stops.push(() => kcm.close());
    const scheduler = new ApiClient({ server: url, caPem: pki.ca.certPem, certPem: pki.scheduler.certPem, keyPem: pki.scheduler.keyPem, userAgent: 'kube-scheduler/v1.32.0 (knit)' });
    stops.push(() => scheduler.close());
    const credentials = new ServiceAccountCredentials(kcm, (line) => o.log(line));
    stops.push(() => credentials.stop());
    await credentials.prepare([...CONTROLLER_SERVICE_ACCOUNTS]);
    const controllers = new ControllerManager({ root: kcm, as: (sa) => credentials.client(sa), scheduler }, {
      caPem: pki.ca.certPem,
      clusterCIDR: cfg.clusterCIDR,
      nodeCIDRSize: cfg.nodeCIDRSize,
      nodeMonitorGracePeriodMs: cfg.nodeMonitorGracePeriodSeconds * 1000,
      lbPool: cfg.lbPool,
      log: (line) => o.log(line),
    });
    controllers.start();
    stops.push(() => controllers.stop());
    return { pki, apiServer: server, client, url, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
