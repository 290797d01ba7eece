// The node agent's container runtime. Entry point of src/node/runtime.

export { PodRuntime, type RuntimeConfig, type PodNetwork, type LogRequest } from './runtime.js';
export type { RuntimeEvent, ContainerRecord, ContainerRun } from './types.js';
export type { ExecSession } from './exec.js';
export type { AttachStreams } from './shim/client.js';
export type { EnvSourceResolver } from './env.js';
export { generatePodStatus } from './status.js';
export { podDnsConfig, formatResolvConf, parseResolvConf } from './dns.js';
export { podHostsFile, podHostnameAndDomain } from './hosts.js';
export { containerEnv, serviceLinkEnv } from './env.js';
