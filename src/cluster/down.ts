// `knit down`: stops a cluster's process if it runs and removes whatever it left behind (also
// after a kill -9): its context in the kubeconfig and its run state. Its objects stay.

import { kubeconfigPathForMerge, removeFromKubeconfig } from '../pki/index.js';
import { clearState, isAlive, readState, runningPid } from './state.js';
import { removeLeftovers, type Output } from './up.js';

export interface DownResult {
  wasRunning: boolean;
  /** What was found and removed although no process ran, or ''. */
  leftovers: string;
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

export async function down(name: string, dataDir: string, out: Output): Promise<DownResult> {
  const state = readState(dataDir);
  const pid = runningPid(dataDir);
  const leftovers: string[] = [];
  if (pid) {
    const done = out.step(`Stopping cluster "${name}" (pid ${pid})`);
    process.kill(pid, 'SIGTERM');
    if (!(await waitForExit(pid, 60_000))) {
      process.kill(pid, 'SIGKILL');
      await waitForExit(pid, 5_000);
    }
    done();
  }
  // A process that ended without cleaning up (kill -9) leaves namespaces, its context and state behind.
  if (process.getuid?.() === 0) {
    const found = await removeLeftovers(name);
    if (found) leftovers.push(found);
  }
  const kubeconfig = state?.kubeconfig ?? kubeconfigPathForMerge();
  if (await removeFromKubeconfig(kubeconfig, name).catch(() => false)) leftovers.push(`context "${name}" in ${kubeconfig}`);
  if (state) clearState(dataDir);
  return { wasRunning: !!pid, leftovers: pid ? '' : leftovers.join(', ') };
}
