// Busybox images run the machine's busybox: a directory of applet links (sh, wget, nslookup, ...)
// goes first on their PATH, as the applets are in /bin of the real image.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

export const BUSYBOX_BINARY = '/usr/bin/busybox';

export function busyboxDir(toolsDir: string): string {
  return join(toolsDir, 'busybox');
}

/** Creates (or refreshes) the applet links under toolsDir; returns how many applets there are. */
export function installBusyboxApplets(toolsDir: string, binary = BUSYBOX_BINARY): number {
  const applets = execFileSync(binary, ['--list'], { encoding: 'utf8' }).split('\n').map((a) => a.trim()).filter(Boolean);
  const dir = busyboxDir(toolsDir);
  mkdirSync(dir, { recursive: true });
  for (const applet of applets) {
    const link = join(dir, applet);
    try {
      if (readlinkSync(link) === binary) continue;
      unlinkSync(link);
    } catch {
      // not there yet
    }
    symlinkSync(binary, link);
  }
  return applets.length;
}
