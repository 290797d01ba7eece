// A user's command in a named network namespace, in the foreground (`knit node exec`, as
// `docker exec` into a kind node): stdin, stdout and stderr are the caller's.

import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { netnsPath, PlatformError } from './run.js';

// Signals that end the caller but would orphan the command: passed on while it runs. SIGINT is
// not: Ctrl-C already reaches the command, which shares the terminal's foreground process group.
const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP'];

/**
 * Runs argv in netns with `ip netns exec`, so that /etc/netns/<netns>/* shows over /etc and /sys is
 * the namespace's, as in the node itself. Resolves with the command's exit code, 128 + the signal
 * number when a signal ended it; rejects when `ip` cannot be started.
 */
export function execInNetns(netns: string, argv: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    netnsPath(netns); // refuses a name that is not a namespace's (a throw here rejects)
    if (argv.length === 0) throw new Error('execInNetns: no command to run');
    const child = spawn('ip', ['netns', 'exec', netns, ...argv], { stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    for (const signal of FORWARDED) process.on(signal, forward);
    const done = () => { for (const signal of FORWARDED) process.off(signal, forward); };
    child.once('error', (err: NodeJS.ErrnoException) => {
      done();
      const missing = err.code === 'ENOENT';
      reject(new PlatformError({
        command: argv.join(' '), netns, exitCode: null, stderr: '',
        detail: missing ? 'ip was not found on PATH' : err.message,
        hint: missing ? 'install it: apt-get install iproute2' : undefined,
      }));
    });
    child.once('exit', (code, signal) => {
      done();
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}
