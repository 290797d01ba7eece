// The node agent (knit's kubelet): runs in its node's network namespace, registers the Node,
// keeps its heartbeats, sets up the pod network, runs the pods bound to the node, and serves
// logs, exec, attach and port-forward on <node IP>:10250. It talks to the API server only as a
// remote kubelet would: over HTTPS with its own client certificate.
//
// Usage: node main.js --config <file>   (the file is a NodeAgentConfig, written by `knit up`)

import { readFileSync } from 'node:fs';
import type { Node, Pod, Service } from '../../kube/types.js';
import { ApiClient } from '../../client/client.js';
import { loadKubeconfig } from '../../client/config.js';
import { EventRecorder } from '../../client/events.js';
import { Informer } from '../../client/informer.js';
import { R } from '../../client/resources.js';
import type { NodeAgentConfig } from './config.js';
import { NodeNetworkManager } from './network.js';
import { NodeStatusReporter } from './node-status.js';
import { PodManager } from './pods.js';
import { AgentServer } from './server.js';

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

async function main(): Promise<void> {
  const i = process.argv.indexOf('--config');
  if (i < 0 || !process.argv[i + 1]) throw new Error('usage: main.js --config <file>');
  const cfg = JSON.parse(readFileSync(process.argv[i + 1], 'utf8')) as NodeAgentConfig;
  const client = new ApiClient({ ...loadKubeconfig(cfg.kubeconfig), userAgent: `kubelet/v1.32.0 (linux/amd64) knit/${cfg.nodeName}` });
  const caPem = readFileSync(cfg.caFile, 'utf8');
  log(`Starting node agent ${cfg.nodeName} (${cfg.nodeIP}), API server ${client.config.server}`);

  const status = new NodeStatusReporter(client, { name: cfg.nodeName, ip: cfg.nodeIP, podCIDR: cfg.podCIDR, leaseDurationSeconds: cfg.nodeLeaseDurationSeconds }, log);
  const nodes = new Informer<Node>(client, R.nodes, { log });
  const pods = new Informer<Pod>(client, R.pods, { fieldSelector: `spec.nodeName=${cfg.nodeName}`, log });
  const services = new Informer<Service>(client, R.services, { log });
  const network = new NodeNetworkManager(cfg.dataDir, { nodeName: cfg.nodeName, nodeIP: cfg.nodeIP, mode: cfg.networkMode, clusterCIDR: cfg.clusterCIDR }, nodes, log);
  // The node's range is known from the start: its pod network is set up while the agent registers.
  const networkReady = cfg.podCIDR ? network.setup(cfg.podCIDR) : undefined;
  networkReady?.catch(() => undefined);
  await retry(() => status.register());
  nodes.start();
  pods.start();
  services.start();
  await nodes.waitForSync();
  await (networkReady ?? network.setup());

  const recorder = new EventRecorder(client, 'kubelet', cfg.nodeName, log);
  const manager = new PodManager(client, pods, services, network.cni, recorder, {
    cluster: cfg.clusterName, nodeName: cfg.nodeName, nodeIP: cfg.nodeIP, dataDir: cfg.dataDir,
    clusterDNS: cfg.clusterDNS, clusterDomain: cfg.clusterDomain, caPem, resolvConf: cfg.resolvConf, log,
  });
  const server = new AgentServer({
    tls: { caPem, certPem: readFileSync(cfg.tlsCertFile, 'utf8'), keyPem: readFileSync(cfg.tlsKeyFile, 'utf8') },
    pods, runtime: manager.runtime, log,
  });
  await server.listen(cfg.nodeIP, 10250);
  await services.waitForSync();
  await manager.start();
  // Ready, with the VTEP the other nodes route to in the same post; routes to them follow.
  await status.setReady(true, 'KubeletReady', 'kubelet is posting ready status', network.annotations());
  log(`Node ${cfg.nodeName} is Ready`);
  await network.followPeers();

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log('Shutting down; pods keep running for the next agent to adopt');
    status.stop();
    await server.close();
    await manager.stop();
    await Promise.all([nodes.stop(), pods.stop(), services.stop()]);
    await recorder.flush();
    client.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

/** The API server may still be starting: try again for a while. */
async function retry<T>(fn: () => Promise<T>, attempts = 100): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await fn();
    } catch (err) {
      if (n >= attempts) throw err;
      log(`${(err as Error).message}; retrying`);
      await new Promise((r) => setTimeout(r, Math.min(50 * n, 2000)));
    }
  }
}

main().catch((err) => {
  log(`node agent failed: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
