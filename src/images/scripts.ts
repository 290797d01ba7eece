// Command lines that start knit's own Node.js programs as separate processes. Built from dist/ they
// are plain `node file.js`; run from source (tests under tsx) they are the .ts files with tsx's loader.

import { fileURLToPath } from 'node:url';

const fromSource = import.meta.url.endsWith('.ts');
const ext = fromSource ? '.ts' : '.js';

let loaderArgs: string[] | undefined;
function nodeArgs(): string[] {
  if (!fromSource) return [];
  // Resolved from here, not from the child's working directory (a container's cwd is "/").
  loaderArgs ??= ['--import', import.meta.resolve('tsx')];
  return loaderArgs;
}

/** argv that runs `module` (a path relative to src/, without extension) with the current node. */
export function nodeProgram(module: string): string[] {
  const file = fileURLToPath(new URL(`../${module}${ext}`, import.meta.url));
  return [process.execPath, ...nodeArgs(), file];
}

/** argv of a built-in image program from src/images/bin/. */
export function builtinProgram(name: string): string[] {
  return nodeProgram(`images/bin/${name}`);
}
