// What a running cluster leaves on disk so other knit commands can find it: the process id and a
// state file in <data-dir>/run, and a registry of cluster names -> data dirs in ~/.knit.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defaultDataDir, paths } from './config.js';

export interface ClusterState {
  name: string;
  pid: number;
  dataDir: string;
  apiServer: string;
  kubeconfig: string;
  context: string;
  nodes: { name: string; ip: string; netns: string }[];
  startedAt: string;
  ready: boolean;
  error?: string;
}

function atomicWrite(path: string, text: string, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
}

export function writeState(state: ClusterState): void {
  const p = paths(state.dataDir);
  atomicWrite(p.stateFile, JSON.stringify(state, null, 2) + '\n');
  atomicWrite(p.pidFile, `${state.pid}\n`);
}

export function readState(dataDir: string): ClusterState | undefined {
  const p = paths(dataDir);
  if (!existsSync(p.stateFile)) return undefined;
  try {
    return JSON.parse(readFileSync(p.stateFile, 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

export function clearState(dataDir: string): void {
  rmSync(paths(dataDir).run, { recursive: true, force: true });
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of the cluster's control plane if it runs. */
export function runningPid(dataDir: string): number | undefined {
  const p = paths(dataDir);
  if (!existsSync(p.pidFile)) return undefined;
  const pid = Number(readFileSync(p.pidFile, 'utf8').trim());
  return isAlive(pid) ? pid : undefined;
}

const registryPath = () => join(dirname(defaultDataDir('x')), 'clusters.json');

function readRegistry(): Record<string, string> {
  try {
    return JSON.parse(readFileSync(registryPath(), 'utf8'));
  } catch {
    return {};
  }
}

/** Remembers where a cluster's data dir is, so `knit down --name X` finds a custom --data-dir. */
export function rememberCluster(name: string, dataDir: string): void {
  const r = readRegistry();
  if (r[name] === dataDir) return;
  r[name] = dataDir;
  atomicWrite(registryPath(), JSON.stringify(r, null, 2) + '\n');
}

export function dataDirFor(name: string, explicit?: string): string {
  return explicit ?? readRegistry()[name] ?? defaultDataDir(name);
}

export function knownClusters(): Record<string, string> {
  return readRegistry();
}
