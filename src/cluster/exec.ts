// `knit node exec NODE -- CMD`: a command in a node's network namespace, as `docker exec` into a
// kind node.

import { spawn } from 'node:child_process';
import { UsageError } from '../cli/args.js';
import { readState, runningPid } from './state.js';

export async function nodeExec(dataDir: string, node: string, command: string[]): Promise<number> {
  const state = readState(dataDir);
  if (!state || !runningPid(dataDir)) throw new UsageError(`the cluster with data dir ${dataDir} is not running: run \`knit up\` first`);
  const entry = state.nodes.find((n) => n.name === node);
  if (!entry) {
    throw new UsageError(`no node ${JSON.stringify(node)} in cluster "${state.name}"${state.nodes.length ? `; its nodes are ${state.nodes.map((n) => n.name).join(', ')}` : ' (it runs without nodes)'}`);
  }
  const child = spawn('ip', ['netns', 'exec', entry.netns, ...command], { stdio: 'inherit' });
  return new Promise((resolve) => {
    child.on('error', (err) => {
      process.stderr.write(`knit: ${err.message}\n`);
      resolve(127);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1)));
  });
}
