// The platform layer: the one place in knit that runs ip, bridge, nft, iptables-restore/-save,
// conntrack, sysctl, mount, nsenter and unshare, and enters namespaces. Everything else
// imports from here.

export { run, PlatformError, netnsPath, NETNS_DIR, type RunOptions, type RunResult } from './run.js';
export {
  ip, ipJson, ipBatch, bridgeBatch, bridgeJson, nft, iptablesRestore, iptablesSave, conntrack,
  sysctl, sysctls, sysctlGet, type IptablesRestoreOptions,
} from './tools.js';
export {
  netnsAdd, netnsDelete, netnsAttach, netnsAlias, netnsList, netnsExists, netnsPids, spawnInNetns,
  checkMountsReachHost, OwnedProcess, type BindMount, type SpawnInNetnsOptions, type ProcessExit,
} from './netns.js';
export { spawnInNamespacesOf, type SpawnInNamespacesOfOptions } from './process-namespaces.js';
export { startNetnsBroker, type NetnsBroker } from './netns-broker.js';
export { execInNetns } from './exec.js';
export { startNflogReader, type NflogRecord, type NflogReader, type NflogReaderOptions } from './nflog.js';
