// The nodes of a cluster: one node agent process per node, started in the node's network
// namespace (as kubelet runs on its machine) and restarted when it exits, as systemd restarts
// kubelet. Each agent gets a config file, a kubeconfig with its own client certificate, and a
// data dir under <data-dir>/nodes/<node>.

import { mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderKubeconfig } from '../pki/index.js';
import { spawnInNetns, type OwnedProcess } from '../platform/index.js';
import type { ClusterConfig } from './config.js';
import { paths } from './config.js';
import type { CertKeyPair } from '../pki/index.js';
import { nodeResolvConf } from './dnsrelay.js';
import { ensureNodeCert } from './pki.js';
import type { Topology } from './topology/index.js';
import type { NodeAgentConfig } from '../node/agent/config.js';

function hostResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}

/** Where the nodes' resolv.conf lives: the gateway's DNS relay, with the host's search domains. */
export const nodeResolvConfPath = (dataDir: string) => join(dataDir, 'nodes', 'resolv.conf');

const AGENT_MAIN = fileURLToPath(new URL('../node/agent/main.js', import.meta.url));

class Supervised {
  private proc?: OwnedProcess;
  private stopping = false;
  private restarts = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly netns: string, private readonly configFile: string, private readonly logFile: string, private readonly log: (line: string) => void, private readonly name: string) {}

  start(): void {
    if (this.stopping) return;
    const fd = openSync(this.logFile, 'a');
    try {
      this.proc = spawnInNetns(this.netns, process.execPath, [AGENT_MAIN, '--config', this.configFile], { via: 'nsenter', detached: true, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    const proc = this.proc;
    void proc.exited.then((exit) => {
      if (this.stopping || this.proc !== proc) return;
      this.restarts++;
      const delay = Math.min(1000 * 2 ** Math.min(this.restarts - 1, 4), 10_000);
      this.log(`node agent ${this.name} exited (${exit.signal ?? `code ${exit.code}`}); restarting in ${delay} ms (see ${this.logFile})`);
      this.timer = setTimeout(() => this.start(), delay);
    });
  }

  get pid(): number | undefined {
    return this.proc?.child.pid;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.proc?.stop(10_000);
  }
}

export interface NodeAgents {
  pids(): Record<string, number | undefined>;
  stop(): Promise<void>;
}

export function startNodeAgents(cfg: ClusterConfig, topo: Topology, ca: CertKeyPair, log: (line: string) => void): NodeAgents {
  const p = paths(cfg.dataDir);
  const apiServer = `https://${topo.gatewayIP}:${cfg.apiPort}`;
  const caFile = join(p.pki, 'ca.crt');
  mkdirSync(p.nodes, { recursive: true, mode: 0o700 });
  writeFileSync(nodeResolvConfPath(cfg.dataDir), nodeResolvConf(hostResolvConf(), topo.gatewayIP), { mode: 0o644 });
  const agents = topo.nodes.map((node) => {
    const dir = join(p.nodes, node.name);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const cert = ensureNodeCert(p.pki, ca, node.name, node.ip);
    const kubeconfig = join(dir, 'kubelet.conf');
    writeFileSync(kubeconfig, renderKubeconfig({
      clusterName: cfg.name, server: apiServer, caPem: ca.certPem, userName: `system:node:${node.name}`,
      certPem: cert.certPem, keyPem: cert.keyPem, contextName: 'default',
    }), { mode: 0o600 });
    writeFileSync(join(dir, 'kubelet.crt'), cert.certPem, { mode: 0o644 });
    writeFileSync(join(dir, 'kubelet.key'), cert.keyPem, { mode: 0o600 });
    const agentConfig: NodeAgentConfig = {
      clusterName: cfg.name, nodeName: node.name, nodeIP: node.ip, podCIDR: node.podCIDR, dataDir: dir, kubeconfig,
      tlsCertFile: join(dir, 'kubelet.crt'), tlsKeyFile: join(dir, 'kubelet.key'), caFile,
      clusterCIDR: cfg.clusterCIDR, serviceCIDR: cfg.serviceCIDR, clusterDNS: cfg.dnsIP, clusterDomain: cfg.dnsDomain,
      networkMode: cfg.network, nodeLeaseDurationSeconds: cfg.nodeMonitorGracePeriodSeconds, apiServer,
      resolvConf: nodeResolvConfPath(cfg.dataDir),
    };
    const configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify(agentConfig, null, 2) + '\n', { mode: 0o600 });
    const s = new Supervised(node.netns, configFile, join(dir, 'agent.log'), log, node.name);
    s.start();
    return { name: node.name, s };
  });
  return {
    pids: () => Object.fromEntries(agents.map((a) => [a.name, a.s.pid])),
    stop: async () => { await Promise.all(agents.map((a) => a.s.stop())); },
  };
}
