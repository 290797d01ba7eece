// Finding a program on PATH before starting it, with the error runc reports when it cannot
// ("exec: \"foo\": executable file not found in $PATH").

import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';

function executable(file: string): 'ok' | 'missing' | 'denied' {
  try {
    if (!statSync(file).isFile()) return 'denied';
    accessSync(file, constants.X_OK);
    return 'ok';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EACCES' ? 'denied' : 'missing';
  }
}

/** undefined when `command` can be started with this PATH, else the reason it cannot. */
export function lookPathError(command: string, path: string): string | undefined {
  if (command === '') return 'exec: "": executable file not found in $PATH';
  if (command.includes('/')) {
    const found = executable(command);
    if (found === 'ok') return undefined;
    return found === 'denied' ? `exec: ${JSON.stringify(command)}: permission denied` : `exec: ${JSON.stringify(command)}: stat ${command}: no such file or directory`;
  }
  for (const dir of path.split(':').filter(Boolean)) {
    if (executable(join(dir, command)) === 'ok') return undefined;
  }
  return `exec: ${JSON.stringify(command)}: executable file not found in $PATH`;
}
