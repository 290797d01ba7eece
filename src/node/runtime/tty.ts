// Terminals without a native pty module: util-linux `script` allocates the pty and runs the
// command in it; the window size is set on the pty's slave side with `stty -F`.

import { execFile } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export const SCRIPT_BINARY = '/usr/bin/script';

/** Quotes one word for sh. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * argv that runs `argv` on a new pty: `script` runs it through $SHELL -c (sh unless set), -e passes
 * its exit status on, -f flushes output at once, -q drops script's own banner lines.
 */
export function onPty(argv: string[]): string[] {
  return [SCRIPT_BINARY, '-q', '-f', '-e', '-c', `exec ${argv.map(shellQuote).join(' ')}`, '/dev/null'];
}

/** The slave pty of the command `script` (pid) runs, e.g. /dev/pts/3. */
export function ptyOf(scriptPid: number): string | undefined {
  try {
    const children = readFileSync(join('/proc', String(scriptPid), 'task', String(scriptPid), 'children'), 'utf8').trim().split(/\s+/).filter(Boolean);
    for (const child of children) {
      const tty = readlinkSync(`/proc/${child}/fd/0`);
      if (tty.startsWith('/dev/pts/')) return tty;
    }
  } catch {
    // gone, or not started yet
  }
  return undefined;
}

/**
 * Sets the window size of the pty `script` (pid) runs its command on; the command gets SIGWINCH.
 * Right after start the command may not be there yet: a few short retries cover that.
 */
export async function resizePty(scriptPid: number, width: number, height: number): Promise<void> {
  if (!(width > 0) || !(height > 0)) return;
  let tty = ptyOf(scriptPid);
  for (let i = 0; !tty && i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    tty = ptyOf(scriptPid);
  }
  if (!tty) return;
  await new Promise<void>((resolve) => {
    execFile('stty', ['-F', tty, 'rows', String(Math.floor(height)), 'cols', String(Math.floor(width))], () => resolve());
  });
}
