// A pod's sandbox: its /etc/netns/<netns>/{resolv.conf,hosts}, and its shim process started in
// the pod's network namespace with a UTS namespace of its own (`ip netns exec <netns> unshare
// --uts`, through platform/) so that every container shares the pod's network, files and
// hostname. hostNetwork pods get a netns name that points at the node's namespace.

import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST_PATH, nodeProgram } from '../../images/index.js';
import { netnsAlias, netnsAttach, netnsDelete, netnsExists, spawnInNetns, type BindMount } from '../../platform/index.js';
import { isSameProcess } from './procfs.js';
import { ShimClient } from './shim/client.js';
import type { SandboxConfig } from './shim/protocol.js';

const NETNS_ETC_DIR = '/etc/netns';
const SHIM_START_TIMEOUT_MS = 30_000;

/** What the agent persists about a sandbox (sandbox.json, also read by the shim). */
export interface SandboxRecord extends SandboxConfig {
  netns: string;
  /** The netns name was made by the runtime for a hostNetwork pod (remove it with the pod). */
  netnsAlias: boolean;
}

export interface SandboxOptions {
  podUid: string;
  podDir: string;
  socketPath: string;
  hostname: string;
  resolvConf: string;
  hosts: string;
  /** The pod's network namespace name; for hostNetwork pods, the alias to create. */
  netns: string;
  /** hostNetwork: make `netns` name the node's namespace (`nodeNetns`, or the agent's own). */
  hostNetwork?: { nodeNetns?: string };
  /** Directories bind-mounted into the pod's mount namespace (its service-account files). */
  mounts?: BindMount[];
}

/** hostNetwork: `alias` names the node's namespace (nodeNetns, or the agent's own when it runs there). */
async function aliasNetns(alias: string, nodeNetns: string | undefined): Promise<void> {
  if (nodeNetns === undefined) return netnsAttach(alias, process.pid);
  await netnsAlias(alias, nodeNetns);
}

export class PodSandbox {
  readonly client: ShimClient;

  private constructor(readonly record: SandboxRecord, readonly podDir: string, readonly shimPid: number, private readonly shimStartTime: number | undefined) {
    this.client = new ShimClient(record.socketPath);
  }

  /** The shim process is still the one this sandbox started. */
  alive(): boolean {
    return isSameProcess(this.shimPid, this.shimStartTime);
  }

  /** Writes the pod's files, makes the hostNetwork alias, starts the shim and waits until it answers. */
  static async create(opts: SandboxOptions): Promise<PodSandbox> {
    mkdirSync(opts.podDir, { recursive: true });
    const etc = join(NETNS_ETC_DIR, opts.netns);
    mkdirSync(etc, { recursive: true });
    writeFileSync(join(etc, 'resolv.conf'), opts.resolvConf);
    writeFileSync(join(etc, 'hosts'), opts.hosts);
    if (opts.hostNetwork && !netnsExists(opts.netns)) await aliasNetns(opts.netns, opts.hostNetwork.nodeNetns);
    if (!netnsExists(opts.netns)) throw new Error(`network namespace ${opts.netns} does not exist`);

    const record: SandboxRecord = { podUid: opts.podUid, hostname: opts.hostname, socketPath: opts.socketPath, netns: opts.netns, netnsAlias: !!opts.hostNetwork };
    writeFileSync(join(opts.podDir, 'sandbox.json'), JSON.stringify(record));
    rmSync(join(opts.podDir, 'shim.json'), { force: true });
    const logFd = openSync(join(opts.podDir, 'shim.log'), 'a');
    const [node, ...script] = nodeProgram('node/runtime/shim/main');
    const { child } = spawnInNetns(opts.netns, node, [...script, opts.podDir], {
      newUts: true,
      bindMounts: opts.mounts,
      detached: true,
      stdio: ['ignore', logFd, logFd],
      // Two blocking FIFO reads per running container sit on the thread pool (see the shim).
      env: { PATH: HOST_PATH, UV_THREADPOOL_SIZE: '64' },
    });
    closeSync(logFd);
    let exited: string | undefined;
    child.on('exit', (code, signal) => { exited = `exited with ${signal ?? code}`; });
    child.on('error', (err) => { exited = err.message; });
    child.unref();

    const deadline = Date.now() + SHIM_START_TIMEOUT_MS;
    const client = new ShimClient(opts.socketPath);
    for (;;) {
      const ready = await client.request({ op: 'hello' }).then((r) => r.ok, () => false);
      if (ready) break;
      if (exited !== undefined || Date.now() > deadline) {
        if (child.pid && exited === undefined) try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
        const log = readFileSync(join(opts.podDir, 'shim.log'), 'utf8').trim().split('\n').slice(-5).join('\n');
        throw new Error(`pod sandbox did not start (${exited ?? 'timed out'}): ${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const shim = JSON.parse(readFileSync(join(opts.podDir, 'shim.json'), 'utf8')) as { pid: number; startTime?: number };
    return new PodSandbox(record, opts.podDir, shim.pid, shim.startTime);
  }

  /** The sandbox recorded in podDir (after an agent restart); check alive() before use. */
  static adopt(podDir: string): PodSandbox | undefined {
    try {
      const record = JSON.parse(readFileSync(join(podDir, 'sandbox.json'), 'utf8')) as SandboxRecord;
      const shim = JSON.parse(readFileSync(join(podDir, 'shim.json'), 'utf8')) as { pid: number; startTime?: number };
      return new PodSandbox(record, podDir, shim.pid, shim.startTime);
    } catch {
      return undefined;
    }
  }

  /** Kills what still runs, stops the shim and removes the pod's files and netns alias. */
  async destroy(): Promise<void> {
    if (this.alive()) {
      await this.client.request({ op: 'shutdown' }).catch(() => undefined);
      if (this.alive()) try { process.kill(this.shimPid, 'SIGKILL'); } catch { /* gone */ }
    }
    await removeSandboxFiles(this.record);
  }
}

/** Removes a sandbox's netns files (and alias) whether or not its shim still runs. */
export async function removeSandboxFiles(record: SandboxRecord): Promise<void> {
  rmSync(join(NETNS_ETC_DIR, record.netns), { recursive: true, force: true });
  rmSync(record.socketPath, { force: true });
  if (record.netnsAlias) await netnsDelete(record.netns).catch(() => undefined);
}
