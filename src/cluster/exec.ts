// `knit node exec NODE -- CMD`: a command in a node's network namespace, as `docker exec` into a
// kind node.

import { execInNetns } from '../platform/index.js';
import { NotFoundError } from './errors.js';
import { readState, runningPid } from './state.js';

export async function nodeExec(dataDir: string, node: string, command: string[]): Promise<number> {
  const state = readState(dataDir);
  if (!state || !runningPid(dataDir)) throw new NotFoundError(`the cluster with data dir ${dataDir} is not running: run \`knit up\` first`);
  const entry = state.nodes.find((n) => n.name === node);
  if (!entry) {
    throw new NotFoundError(`no node ${JSON.stringify(node)} in cluster "${state.name}"${state.nodes.length ? `; its nodes are ${state.nodes.map((n) => n.name).join(', ')}` : ' (it runs without nodes)'}`);
  }
  try {
    return await execInNetns(entry.netns, command);
  } catch (err) {
    // As a shell: a command that cannot be started exits 127.
    process.stderr.write(`knit: ${(err as Error).message}\n`);
    return 127;
  }
}
