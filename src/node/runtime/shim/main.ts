// knit's pod shim: one process per pod, started inside the pod's network namespace (with its
// resolv.conf and hosts mounted by `ip netns exec`) and a UTS namespace of its own named after
// the pod. Containers are its children and inherit all of that. It writes their CRI logs, keeps
// their stdin, records their exit, and outlives restarts of the node agent. The work is Shim's
// (shim.ts); this is the process around it.
//
//   node shim/main.js <pod directory>   (reads <pod directory>/sandbox.json)

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxConfig } from './protocol.js';
import { HOST_PATH, Shim } from './shim.js';

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString()} ${message}\n`);
}

function setHostname(name: string): void {
  for (const argv of [['hostname', name], ['busybox', 'hostname', name]]) {
    try {
      execFileSync(argv[0], argv.slice(1), { env: { PATH: HOST_PATH }, stdio: 'ignore' });
      return;
    } catch {
      // try the next way
    }
  }
  log(`cannot set the hostname to ${name}`);
}

function main(): void {
  const podDir = process.argv[2];
  const config = JSON.parse(readFileSync(join(podDir, 'sandbox.json'), 'utf8')) as SandboxConfig;
  const exit = () => void shim.stop().then(() => process.exit(0));
  const shim = new Shim({ podDir, config, log, onShutdown: exit });

  process.on('uncaughtException', (err) => log(`uncaught: ${err.stack ?? err.message}`));
  process.on('SIGTERM', exit);
  // Only SIGTERM or a shutdown request ends the shim and its containers.
  process.on('SIGHUP', () => undefined);
  process.on('SIGINT', () => undefined);

  setHostname(config.hostname);
  void shim.listen();
}

main();
