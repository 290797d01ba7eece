// A cluster's configuration: names, ranges and modes, with the defaults knit documents. Saved in
// the data dir at the first `knit up` so later runs (and `knit down`) agree on it.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface ClusterConfig {
  name: string;
  dataDir: string;
  apiHost: string;
  apiPort: number;
  nodes: number;
  serviceCIDR: string;
  clusterCIDR: string;
  nodeCIDRSize: number;
  nodePortRange: [number, number];
  /** The node network (underlay) CIDR; empty: chosen at `knit up` to clash with nothing on the host. */
  nodeNetwork: string;
  network: 'vxlan' | 'routes';
  proxyMode: 'iptables' | 'nftables';
  /** LoadBalancer pool "first-last" (or a CIDR); empty: none, EXTERNAL-IP stays <pending>. */
  lbPool: string;
  routeHost: boolean;
  nodeMonitorGracePeriodSeconds: number;
  dnsDomain: string;
  dnsIP: string;
  /** Upstream resolvers for names outside the cluster; empty: the host's (from /etc/resolv.conf). */
  dnsUpstreams: string[];
}

export const CLUSTER_NAME_RE = /^[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?$/;

export function defaultDataDir(name: string): string {
  return join(process.env.KNIT_HOME ?? join(homedir(), '.knit'), name);
}

export function defaultConfig(name: string): ClusterConfig {
  return {
    name,
    dataDir: defaultDataDir(name),
    apiHost: '127.0.0.1',
    apiPort: 6443,
    nodes: 3,
    serviceCIDR: '10.96.0.0/12',
    clusterCIDR: '10.244.0.0/16',
    nodeCIDRSize: 24,
    nodePortRange: [30000, 32767],
    nodeNetwork: '',
    network: 'vxlan',
    proxyMode: 'iptables',
    lbPool: '172.18.255.200-172.18.255.250',
    routeHost: false,
    nodeMonitorGracePeriodSeconds: 40,
    dnsDomain: 'cluster.local',
    dnsIP: '10.96.0.10',
    dnsUpstreams: [],
  };
}

export function configPath(dataDir: string): string {
  return join(dataDir, 'config.json');
}

export function loadConfig(dataDir: string): ClusterConfig | undefined {
  const p = configPath(dataDir);
  if (!existsSync(p)) return undefined;
  return JSON.parse(readFileSync(p, 'utf8')) as ClusterConfig;
}

export function saveConfig(cfg: ClusterConfig): void {
  mkdirSync(cfg.dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(configPath(cfg.dataDir), JSON.stringify(cfg, null, 2) + '\n', { mode: 0o600 });
}

/** Where each piece of a cluster lives under its data dir. */
export function paths(dataDir: string) {
  return {
    config: configPath(dataDir),
    db: join(dataDir, 'state.db'),
    pki: join(dataDir, 'pki'),
    kubeconfig: join(dataDir, 'kubeconfig'),
    run: join(dataDir, 'run'),
    pidFile: join(dataDir, 'run', 'knit.pid'),
    stateFile: join(dataDir, 'run', 'state.json'),
    log: join(dataDir, 'knit.log'),
    nodes: join(dataDir, 'nodes'),
  };
}
