// `knit up`: brings a cluster up in this process and keeps it running until a signal or
// `knit down` ends it; and the matching teardown.

import { writeFileSync } from 'node:fs';
import { kubeconfigPathForMerge, mergeKubeconfig, removeFromKubeconfig, renderKubeconfig } from '../pki/index.js';
import { type ClusterConfig, paths, saveConfig } from './config.js';
import { startControlPlane, StartError, type ControlPlane } from './controlplane.js';
import { clearState, rememberCluster, runningPid, writeState, type ClusterState } from './state.js';

export interface Output {
  /** A step that may take a while: returns a function to call when it is done. */
  step(text: string): (detail?: string) => void;
  info(text: string): void;
  log(line: string): void;
}

export interface RunningCluster {
  state: ClusterState;
  controlPlane: ControlPlane;
  stop(): Promise<void>;
}

export async function up(cfg: ClusterConfig, out: Output): Promise<RunningCluster> {
  const existing = runningPid(cfg.dataDir);
  if (existing) throw new StartError(`cluster "${cfg.name}" is already running (pid ${existing}). Use it, or stop it first with \`knit down --name ${cfg.name}\`.`);
  saveConfig(cfg);
  rememberCluster(cfg.name, cfg.dataDir);
  const p = paths(cfg.dataDir);

  let done = out.step(`Starting the control plane of "${cfg.name}"`);
  const controlPlane = await startControlPlane(cfg, { advertiseIP: '127.0.0.1', log: out.log });
  done(`API server ${controlPlane.url}`);

  done = out.step('Writing the kubeconfig');
  const entry = {
    clusterName: cfg.name, server: controlPlane.url, caPem: controlPlane.pki.ca.certPem,
    userName: cfg.name, certPem: controlPlane.pki.admin.certPem, keyPem: controlPlane.pki.admin.keyPem, contextName: cfg.name,
  };
  writeFileSync(p.kubeconfig, renderKubeconfig(entry), { mode: 0o600 });
  const userKubeconfig = kubeconfigPathForMerge();
  await mergeKubeconfig(userKubeconfig, entry, { setCurrent: true });
  done(userKubeconfig);

  const state: ClusterState = {
    name: cfg.name, pid: process.pid, dataDir: cfg.dataDir, apiServer: controlPlane.url,
    kubeconfig: userKubeconfig, context: cfg.name, nodes: [], startedAt: new Date().toISOString(), ready: true,
  };
  writeState(state);

  let stopped = false;
  return {
    state,
    controlPlane,
    async stop() {
      if (stopped) return;
      stopped = true;
      await controlPlane.stop();
      await removeFromKubeconfig(userKubeconfig, cfg.name).catch(() => false);
      clearState(cfg.dataDir);
    },
  };
}
